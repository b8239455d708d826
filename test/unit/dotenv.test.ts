import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dotenvToObject, formatDotenv, parseDotenv } from '../../src/projects/dotenv.js';

const parse = (text: string) => dotenvToObject(parseDotenv(text));

describe('.env parser', () => {
  const table: Array<[string, string, Record<string, string>]> = [
    ['plain', 'A=1\nB=two', { A: '1', B: 'two' }],
    ['blank lines and comments', '\n# comment\n  # indented comment\nA=1\n\n', { A: '1' }],
    ['export prefix', 'export A=1\nexport  B="x"', { A: '1', B: 'x' }],
    ['spaces around =', 'A = 1\nB=  2  ', { A: '1', B: '2' }],
    ['empty values', 'A=\nB=""\nC=\'\'', { A: '', B: '', C: '' }],
    ['inline comment after a space', 'A=value # note\nB=val#ue', { A: 'value', B: 'val#ue' }],
    ['hash at value start without space stays', 'A=#notacomment', { A: '#notacomment' }],
    ['dollar kept literally', 'A=$HOME\nB="${{db.URL}}"\nC=\'$(id)\'', { A: '$HOME', B: '${{db.URL}}', C: '$(id)' }],
    ['double-quote escapes', 'A="l1\\nl2\\tt\\r\\"q\\" \\\\ \\$x \\z"', { A: 'l1\nl2\tt\r"q" \\ $x \\z' }],
    ['single quotes are literal', 'A=\'l1\\nl2 "dq" $X\'', { A: 'l1\\nl2 "dq" $X' }],
    ['multi-line double quotes', 'A="line1\nline2\n  line3"\nB=after', { A: 'line1\nline2\n  line3', B: 'after' }],
    [
      'multi-line single quotes',
      "A='-----BEGIN KEY-----\nabc\n-----END KEY-----'",
      {
        A: '-----BEGIN KEY-----\nabc\n-----END KEY-----',
      },
    ],
    ['comment after a quoted value', 'A="x y" # why', { A: 'x y' }],
    ['quotes inside unquoted values', 'A=it\'s "fine"', { A: 'it\'s "fine"' }],
    ['equals in values', 'URL=postgres://u:p@h/db?x=1&y=2', { URL: 'postgres://u:p@h/db?x=1&y=2' }],
    ['CRLF line endings', 'A=1\r\nB="x\r\ny"\r\n', { A: '1', B: 'x\ny' }],
    ['later duplicates win', 'A=1\nA=2', { A: '2' }],
    ['unicode', 'A=héllo 🚢', { A: 'héllo 🚢' }],
    ['lowercase and underscore keys', '_a=1\nkey_2=2', { _a: '1', key_2: '2' }],
  ];
  for (const [name, text, expected] of table) {
    it(name, () => assert.deepEqual(parse(text), expected));
  }

  it('remembers the line each entry starts on', () => {
    const entries = parseDotenv('# c\nA=1\nB="x\ny"\nC=3');
    assert.deepEqual(
      entries.map((e) => [e.key, e.line]),
      [
        ['A', 2],
        ['B', 3],
        ['C', 5],
      ],
    );
  });

  const errors: Array<[string, string, RegExp]> = [
    ['no equals sign', 'A=1\nJUSTAWORD', /^Line 2: expected KEY=value/],
    ['bad key', 'A=1\n\n1BAD=x', /^Line 3: "1BAD" is not a valid variable name/],
    ['key with a dash', 'MY-KEY=x', /^Line 1: "MY-KEY" is not a valid variable name/],
    [
      'unterminated double quote',
      'A=1\nB="never closed\nC=3',
      /^Line 2: the value of B opens a double quote that is never closed/,
    ],
    ['unterminated single quote', "A='x", /^Line 1: the value of A opens a single quote/],
    ['text after closing quote', 'A="x"y', /^Line 1: unexpected text after the closing quote of A/],
    ['text after a multi-line value', 'A="x\ny" z', /^Line 2: unexpected text after the closing quote/],
    ['shell commands', '; touch /tmp/x', /^Line 1: expected KEY=value/],
  ];
  for (const [name, text, pattern] of errors) {
    it(`error: ${name}`, () =>
      assert.throws(
        () => parseDotenv(text),
        (error: Error) => pattern.test(error.message),
      ));
  }

  it('formats values so that they read back byte for byte', () => {
    const values: Record<string, string> = {
      PLAIN: 'abc123',
      EMPTY: '',
      NEWLINES: 'line1\nline2\n',
      CRLF: 'a\r\nb',
      DOLLAR: '$HOME ${X} $(id) `id`',
      QUOTES: `it's "quoted" \\"escaped\\"`,
      BACKSLASHES: 'C:\\path\\n\\\\',
      HASH: 'a # not a comment',
      SPACES: '  padded  ',
      REFERENCE: '${{postgres.DATABASE_URL}}',
      UNICODE: 'é 🚢 \t tab',
      JSON: '{"a": [1, 2], "b": "c"}',
    };
    const text = formatDotenv(values);
    assert.deepEqual(parse(text), values);
  });
});
