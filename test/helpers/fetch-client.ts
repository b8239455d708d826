/**
 * The InjectClient's twin over real HTTP (fetch), for tests against a running `berth serve`: keeps cookies,
 * never follows redirects, and answers in the same shape (statusCode, body, headers, json()).
 */
import { csrfTokenOf } from './inject-client.js';

export interface FetchResponse {
  statusCode: number;
  body: string;
  headers: Record<string, string>;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class FetchClient {
  private cookies = new Map<string, string>();

  constructor(private readonly baseUrl: string) {}

  get(url: string, headers: Record<string, string> = {}): Promise<FetchResponse> {
    return this.send('GET', url, undefined, headers);
  }

  postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    const body = new URLSearchParams(fields).toString();
    return this.send('POST', url, body, { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  }

  postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
    const json = JSON.stringify(body);
    return this.send('POST', url, json, { 'content-type': 'application/json', accept: 'application/json', ...headers });
  }

  async csrfFrom(url: string): Promise<string> {
    return csrfTokenOf((await this.get(url)).body);
  }

  private async send(method: string, url: string, body: string | undefined, headers: Record<string, string>) {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(new URL(url, this.baseUrl), {
      method,
      body,
      redirect: 'manual',
      headers: { accept: 'text/html', ...(cookie ? { cookie } : {}), ...headers },
    });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0]!;
      const name = pair.slice(0, pair.indexOf('='));
      const isGone = /;\s*max-age=0\b/i.test(line) || /;\s*expires=[^;]*1970/i.test(line);
      if (isGone) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(pair.indexOf('=') + 1));
    }
    const text = await res.text();
    return {
      statusCode: res.status,
      body: text,
      headers: Object.fromEntries(res.headers),
      json: () => JSON.parse(text),
    };
  }
}
