/**
 * Runs an engine's tool (a ToolCommand) where the database's server runs: a ToolTarget, which is its
 * container (docker exec, docker-tool-target.ts) or its pod (Kubernetes exec, kubernetes-databases.ts), so the
 * dump, restore and verification code does not know which backend runs. A failure becomes a ToolFailure
 * carrying the tool's own stderr with every credential removed, so it can be shown and stored.
 */
import { Readable } from 'node:stream';
import { redactSecrets } from '../lib/redact.js';
import type { ExecOptions, ExecResult } from '../runtime/runtime.js';
import type { DatabaseCredentials, ToolCommand } from './engines/types.js';

const MAX_MESSAGE = 2000;

export class ToolFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolFailure';
  }
}

export function secretsOf(c: DatabaseCredentials): string[] {
  return [c.password, c.rootPassword, encodeURIComponent(c.password), encodeURIComponent(c.rootPassword)];
}

export function cleanMessage(text: string, credentials: DatabaseCredentials[]): string {
  const redacted = redactSecrets(text, credentials.flatMap(secretsOf)).trim();
  return redacted.length > MAX_MESSAGE ? `${redacted.slice(0, MAX_MESSAGE)}…` : redacted;
}

/** `user` is the engine's own unprivileged user (EngineDefinition.toolUser): tools never run as root. */
export type ToolOptions = Pick<ExecOptions, 'stdin' | 'stdout' | 'signal'> & { user: string };

/** Where a database's tools run: the server's container or pod. */
export interface ToolTarget {
  exec(argv: string[], options?: ExecOptions): Promise<ExecResult>;
  /**
   * For data-file restores: runs `shutdown` (the server stops without saving), then waits until the server
   * runs again (restarted by the engine's restart policy or by Berth) and is healthy.
   */
  restartAfterShutdown(shutdown: () => Promise<unknown>): Promise<void>;
}

export async function runTool(
  target: ToolTarget,
  command: ToolCommand,
  credentials: DatabaseCredentials,
  options: ToolOptions,
): Promise<ExecResult> {
  const { user } = options;
  if (command.secretFile) {
    // Through stdin, never argv: argv shows up in `ps` and in the engine's event stream.
    const written = await target.exec(['dd', `of=${command.secretFile.path}`, 'status=none'], {
      stdin: Readable.from([Buffer.from(command.secretFile.content)]),
      user,
    });
    if (written.exitCode !== 0) throw new ToolFailure(`Could not prepare the tool: ${written.stderr.trim()}`);
  }
  const result = await target.exec(command.argv, { ...options, env: command.env, user });
  if (result.exitCode !== 0) {
    const tool = command.argv[0] ?? 'tool';
    const stderr = cleanMessage(result.stderr || result.stdout, [credentials]);
    throw new ToolFailure(`${tool} exited with code ${result.exitCode}${stderr ? `: ${stderr}` : ''}`);
  }
  return result;
}
