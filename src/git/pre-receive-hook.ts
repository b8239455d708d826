/**
 * The pre-receive hook every Berth repository runs. It is a small static Node script (no input ever goes
 * into it): it reads git's `<old> <new> <ref>` lines, sends them with the one-time push token and the
 * quarantine path from its environment to the daemon over a unix socket in the data dir, prints what the
 * daemon streams back (git shows it as `remote:` lines) and exits with the status the daemon decides:
 * 0 lets git update the refs, anything else rejects the whole push.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The last line the daemon sends: the exit status. A NUL byte never occurs in a log line (they are sanitised). */
export const EXIT_MARKER = '\u0000exit ';

// Dynamic import and no top-level await: the file has no extension, so Node may load it as CommonJS or
// as an ES module depending on the nearest package.json; this form runs the same either way.
const SCRIPT = `
(async () => {
const { createConnection } = await import('node:net');
const token = process.env.BERTH_PUSH_TOKEN;
const socket = process.env.BERTH_HOOK_SOCKET;
if (!token || !socket) {
  console.error('This repository accepts pushes only through Berth.');
  process.exit(1);
}
let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const updates = input.split('\\n').filter(Boolean).map((line) => {
  const [oldSha, newSha, ref] = line.split(' ');
  return { oldSha, newSha, ref };
});
let code = 1;
let buffer = '';
const conn = createConnection(socket);
conn.setEncoding('utf8');
conn.on('connect', () => {
  conn.write(JSON.stringify({ token, updates, quarantinePath: process.env.GIT_QUARANTINE_PATH ?? null }) + '\\n');
});
conn.on('data', (data) => {
  buffer += data;
  for (let at = buffer.indexOf('\\n'); at >= 0; at = buffer.indexOf('\\n')) {
    const line = buffer.slice(0, at);
    buffer = buffer.slice(at + 1);
    if (line.startsWith(${JSON.stringify(EXIT_MARKER)})) code = Number(line.slice(${EXIT_MARKER.length})) || 0;
    else process.stdout.write(line + '\\n');
  }
});
conn.on('error', (error) => {
  console.error('Berth did not answer (' + error.message + '); nothing was deployed.');
  process.exit(1);
});
conn.on('close', () => process.exit(code));
})();
`;

/** Writes the hook into `hooksDir` (0700) with this Node as interpreter; rewritten when it changed. */
export function installHook(hooksDir: string, nodePath: string): void {
  if (/\s/.test(nodePath)) throw new Error(`The Node path "${nodePath}" contains spaces; it cannot run git hooks.`);
  mkdirSync(hooksDir, { recursive: true, mode: 0o700 });
  const file = join(hooksDir, 'pre-receive');
  const content = `#!${nodePath}\n${SCRIPT}`;
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== content) writeFileSync(file, content, { mode: 0o700 });
  chmodSync(file, 0o700);
}
