/** Runs one developer command and turns its outcome into an exit code (errors: one line on stderr). */
import { isAppError } from '../errors.js';
import type { ClientContext, ClientSettings } from './client-context.js';
import type { ClientCommand } from './commands.js';
import { EXIT, exitCodeOf, type ExitCode } from './exit-codes.js';
import { linkCommand, unlinkCommand } from './link.command.js';
import { loginCommand } from './login.command.js';
import { logoutCommand } from './logout.command.js';
import { logsCommand } from './logs.command.js';
import { openCommand } from './open.command.js';
import { Output, type OutputStreams } from './output.js';
import { rollbackCommand } from './rollback.command.js';
import { statusCommand } from './status.command.js';
import { upCommand } from './up.command.js';
import { varsCommand } from './vars.command.js';
import { envCommand } from './env.command.js';

const RUN: Record<ClientCommand, (ctx: ClientContext, args: string[]) => Promise<ExitCode>> = {
  login: loginCommand,
  logout: logoutCommand,
  link: linkCommand,
  unlink: unlinkCommand,
  up: upCommand,
  status: statusCommand,
  logs: logsCommand,
  vars: varsCommand,
  env: envCommand,
  open: openCommand,
  rollback: rollbackCommand,
};

export interface ClientIo extends OutputStreams {
  stdin: AsyncIterable<Buffer | string>;
}

export async function runClientCommand(
  command: ClientCommand,
  args: string[],
  settings: ClientSettings,
  io: ClientIo,
): Promise<ExitCode> {
  const out = new Output(io, args.includes('--json'));
  const readStdin = async () => {
    let text = '';
    for await (const chunk of io.stdin) text += chunk.toString();
    return text;
  };
  try {
    return await RUN[command]({ settings, out, readStdin }, args);
  } catch (error) {
    const code = exitCodeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    out.progress(undefined);
    out.warn(`berth ${command}: ${message}`);
    out.json({ error: { code: isAppError(error) ? error.code : 'INTERNAL', message, exitCode: code } });
    if (!isAppError(error)) io.stderr.write(`${error instanceof Error ? (error.stack ?? '') : ''}\n`);
    return code === EXIT.ok ? EXIT.failure : code;
  }
}
