/**
 * Raw HTTP/1.1 requests that try to smuggle a second request past the proxy (disagreeing framing between
 * the proxy and the app: CL.TE, TE.CL, TE.TE, two lengths) or are malformed in ways a lenient parser would
 * accept. Every one must get the proxy's 400 and a closed connection; the request hidden inside asks for
 * SMUGGLED_PATH, which the app must never see. For test/integration/proxy-robustness.test.ts.
 */
export const SMUGGLED_PATH = '/smuggled';

export function smugglingAttempts(host: string): Array<{ name: string; raw: string }> {
  const hidden = `GET ${SMUGGLED_PATH} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
  const chunkOf = (body: string) => `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
  const post = (headers: string, body: string) => `POST / HTTP/1.1\r\nHost: ${host}\r\n${headers}\r\n${body}`;
  return [
    { name: 'CL.TE', raw: post('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', `0\r\n\r\n${hidden}`) },
    { name: 'TE.CL', raw: post('Transfer-Encoding: chunked\r\nContent-Length: 4\r\n', chunkOf(hidden)) },
    {
      name: 'two Content-Length values',
      raw: post(`Content-Length: 0\r\nContent-Length: ${hidden.length}\r\n`, hidden),
    },
    { name: 'a list of lengths', raw: post(`Content-Length: 0, ${hidden.length}\r\n`, hidden) },
    { name: 'a signed length', raw: post(`Content-Length: +${hidden.length}\r\n`, hidden) },
    { name: 'TE.TE: space before the colon', raw: post('Transfer-Encoding : chunked\r\n', `0\r\n\r\n${hidden}`) },
    {
      name: 'TE.TE: not ending in chunked',
      raw: post('Transfer-Encoding: chunked, identity\r\n', `0\r\n\r\n${hidden}`),
    },
    { name: 'TE.TE: an unknown coding', raw: post('Transfer-Encoding: xchunked\r\n', `0\r\n\r\n${hidden}`) },
    { name: 'TE.TE: a vertical tab', raw: post('Transfer-Encoding:\x0bchunked\r\n', `0\r\n\r\n${hidden}`) },
    { name: 'TE.TE: a folded line', raw: post('Transfer-Encoding:\r\n chunked\r\n', `0\r\n\r\n${hidden}`) },
    { name: 'a bad chunk size', raw: post('Transfer-Encoding: chunked\r\n', `zz\r\n${hidden}`) },
    { name: 'a bare LF in the chunk framing', raw: post('Transfer-Encoding: chunked\r\n', `0\n\n${hidden}`) },
    { name: 'two Host headers', raw: `GET / HTTP/1.1\r\nHost: ${host}\r\nHost: other.localhost\r\n\r\n` },
    { name: 'a header line without a colon', raw: `GET / HTTP/1.1\r\nHost: ${host}\r\nBad Header\r\n\r\n` },
    { name: 'a NUL in a header value', raw: `GET / HTTP/1.1\r\nHost: ${host}\r\nX-A: a\x00b\r\n\r\n` },
    { name: 'not HTTP at all', raw: 'HELLO\r\n\r\n' },
    { name: 'a TLS handshake where HTTP is expected', raw: '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' },
    { name: 'an unknown version', raw: `GET / HTTP/9.9\r\nHost: ${host}\r\n\r\n` },
    {
      name: 'an h2c upgrade (only WebSockets are upgraded)',
      raw: `GET / HTTP/1.1\r\nHost: ${host}\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\n`,
    },
    {
      name: 'an unparseable absolute URL',
      raw: `GET http://[::1/x HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    },
  ];
}
