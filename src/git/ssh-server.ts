/**
 * The SSH git remote, in-process: the only importer of ssh2. Public-key authentication against the keys
 * users added in the panel, then exactly one command per session: `git-receive-pack` or `git-upload-pack`
 * for `/<project>/<service>.git`, run with argv (no shell). Everything else is refused. The host key is
 * generated once into the data dir (0600) so clients can pin it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { User } from '../auth/users.repository.js';
import { spawnProgram } from '../lib/exec.js';
import type { Logger } from '../logger.js';
import { killQuietly } from './git-process.js';
import type { GitRemote } from './git-remote.js';
import type { PushOrigin } from './push-sessions.js';
import type { Decision } from '../auth/access-policy.js';

const { Server, utils } = ssh2;

const COMMAND = /^git[- ](receive-pack|upload-pack) '\/?([a-z][a-z0-9-]{0,62})\/([a-z][a-z0-9-]{0,62})\.git\/?'$/;
const GIT_PROTOCOL = /^version=[0-9]$/;
export const SSH_KEY_TYPES = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
];

export interface ParsedPublicKey {
  algorithm: string;
  /** `<type> <base64>` without the comment. */
  publicKey: string;
  fingerprint: string;
}

/** `SHA256:<base64 without padding>` of the key blob, as `ssh-keygen -lf` prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A public key line as pasted (`ssh-ed25519 AAAA… comment`), or undefined when it is not one. */
export function parsePublicKey(line: string): ParsedPublicKey | undefined {
  const trimmed = line.trim();
  if (trimmed.length > 16_384 || /[\r\n]/.test(trimmed)) return undefined;
  const parsed = utils.parseKey(trimmed);
  if (parsed instanceof Error || Array.isArray(parsed) || parsed.isPrivateKey()) return undefined;
  if (!SSH_KEY_TYPES.includes(parsed.type)) return undefined;
  const blob = parsed.getPublicSSH();
  return {
    algorithm: parsed.type,
    publicKey: `${parsed.type} ${blob.toString('base64')}`,
    fingerprint: fingerprintOf(blob),
  };
}

/** Reads the host key, generating an ed25519 key (0600) the first time. */
export function readOrCreateHostKey(file: string): string {
  if (!existsSync(file)) {
    writeFileSync(file, utils.generateKeyPairSync('ed25519').private, { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8');
}

export interface SshKeyLookup {
  /** The user owning the key with this fingerprint, with the stored key line to verify against. */
  findByFingerprint(fingerprint: string): Promise<{ user: User; publicKey: string; keyId: string } | undefined>;
  touch(keyId: string): Promise<void>;
  /** The permission table's answer for this user on the project named in the path. */
  authorize(user: User, projectName: string, verb: 'receive-pack' | 'upload-pack'): Promise<Decision>;
}

export class SshGitServer {
  private server: InstanceType<typeof Server> | undefined;
  /** Open client connections, ended at shutdown (server.close alone waits for every one of them). */
  private readonly connections = new Set<ssh2.Connection>();

  constructor(
    private readonly git: GitRemote,
    private readonly keys: SshKeyLookup,
    private readonly logger: Logger,
  ) {}

  async listen(port: number, host: string, hostKey: string): Promise<number> {
    const server = new Server({ hostKeys: [hostKey], ident: 'Berth' }, (connection, client) => {
      let user: User | undefined;
      let keyId: string | undefined;
      this.connections.add(connection);
      connection.on('close', () => this.connections.delete(connection));
      connection.on('error', () => undefined);
      connection.on('authentication', (ctx) => {
        if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
        const blob = ctx.key.data;
        void this.keys
          .findByFingerprint(fingerprintOf(blob))
          .then(async (found) => {
            const stored = found && utils.parseKey(found.publicKey);
            if (!found || !stored || stored instanceof Error || Array.isArray(stored)) return ctx.reject(['publickey']);
            const expected = stored.getPublicSSH();
            // The blob names the key type too, so equal blobs mean the very key that was added.
            if (expected.length !== blob.length || !timingSafeEqual(expected, blob)) return ctx.reject(['publickey']);
            if (!ctx.signature) return ctx.accept(); // the client asks whether this key would do
            if (!stored.verify(ctx.blob!, ctx.signature, ctx.hashAlgo)) return ctx.reject(['publickey']);
            user = found.user;
            keyId = found.keyId;
            await this.keys.touch(found.keyId).catch(() => undefined);
            return ctx.accept();
          })
          .catch((error: unknown) => {
            this.logger.error({ err: error }, 'ssh key lookup failed');
            ctx.reject(['publickey']);
          });
      });
      connection.on('ready', () => {
        connection.on('session', (acceptSession) => {
          const session = acceptSession();
          const env: Record<string, string> = {};
          // Only git's protocol version is taken from the client's environment; other variables are ignored.
          session.on('env', (accept, _reject, info) => {
            if (info.key === 'GIT_PROTOCOL' && GIT_PROTOCOL.test(info.val)) env.GIT_PROTOCOL = info.val;
            accept?.();
          });
          session.on('exec', (accept, _reject, info) => {
            const stream = accept();
            void this.runGit(info.command, user!, env, stream, { via: 'ssh', address: client.ip, keyId });
          });
          session.on('shell', (accept) => {
            const stream = accept();
            stream.stderr.write('Hi! Berth offers git push and fetch here, no shell.\r\n');
            stream.exit(1);
            stream.end();
          });
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  private async runGit(
    command: string,
    user: User,
    protocol: Record<string, string>,
    stream: ssh2.ServerChannel,
    origin: PushOrigin,
  ): Promise<void> {
    const refuse = (message: string) => {
      stream.stderr.write(`${message}\n`);
      stream.exit(1);
      stream.end();
    };
    const match = COMMAND.exec(command);
    if (!match) return refuse('Berth runs only git push and fetch for /<project>/<service>.git here.');
    const [, verb, projectName, serviceName] = match as unknown as [
      string,
      'receive-pack' | 'upload-pack',
      string,
      string,
    ];
    // A project the user may not see is answered like one that does not exist.
    const decision = await this.keys.authorize(user, projectName, verb).catch(() => 'not-found' as const);
    if (decision === 'forbidden')
      return refuse(
        `Your role on project ${projectName} does not allow git ${verb === 'receive-pack' ? 'push' : 'fetch'}.`,
      );
    const repo =
      decision === 'allow' ? await this.git.openRepository(projectName, serviceName).catch(() => undefined) : undefined;
    if (!repo) return refuse(`No app service ${projectName}/${serviceName}.`);
    const { env, close } = this.git.gitEnvFor(repo, verb, user, origin);
    const args = verb === 'upload-pack' ? ['upload-pack', '--strict', repo.path] : ['receive-pack', repo.path];
    const child = spawnProgram('git', args, { env: { ...env, ...protocol } });
    stream.pipe(child.stdin);
    child.stdin.on('error', () => undefined);
    child.stdout.pipe(stream, { end: false });
    child.stderr.pipe(stream.stderr, { end: false });
    stream.on('close', () => killQuietly(child));
    child.on('close', (code) => {
      close();
      stream.exit(code ?? 1);
      stream.end();
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const connection of this.connections) connection.end();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
