/**
 * An interactive exec with a TTY (the panel's web terminal): argv (never a shell string) started in a
 * running container over a hijacked connection. With a TTY the engine sends the terminal's bytes as they
 * are (no stdout/stderr framing), so the connection itself is the input and the output.
 *
 * The engine has no "kill this exec": closing the connection leaves the process running. `hangUp` asks
 * the terminal itself to end it (interrupt, then end of input, as a person at the keyboard would), and
 * reports whether it ended.
 */
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TerminalExec, TerminalExecOptions } from '../runtime.js';
import type { DockerClient } from './client.js';

const HANG_UP_WAIT_MS = 3000;
const POLL_MS = 100;

export async function openTerminalExec(
  d: DockerClient,
  id: string,
  argv: string[],
  options: TerminalExecOptions,
): Promise<TerminalExec> {
  const exec = await d.getContainer(id).exec({
    Cmd: argv,
    Env: Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
  });
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as Duplex;
  const state = async () => {
    const info = await exec.inspect();
    return { running: info.Running, exitCode: info.Running ? null : (info.ExitCode ?? null) };
  };
  const resize = async (cols: number, rows: number) => {
    await exec.resize({ w: cols, h: rows });
  };
  await resize(options.cols, options.rows).catch(() => undefined);
  return {
    stream,
    resize,
    state,
    async hangUp() {
      const read = () => state().catch(() => ({ running: false, exitCode: null }));
      let current = await read();
      // The connection ended with the command: the engine may take a moment to say how it exited.
      for (let waited = 0; current.running && !stream.writable && waited < HANG_UP_WAIT_MS; waited += POLL_MS) {
        await sleep(POLL_MS);
        current = await read();
      }
      // Ctrl-C for a command in the foreground, then Ctrl-D (end of input) for the shell at its prompt.
      for (const key of ['\x03', '\x04', '\x04'] as const) {
        if (!current.running || !stream.writable) break;
        stream.write(key);
        for (let waited = 0; waited < HANG_UP_WAIT_MS / 3; waited += POLL_MS) {
          await sleep(POLL_MS);
          current = await read();
          if (!current.running) break;
        }
      }
      stream.destroy();
      return current;
    },
  };
}
