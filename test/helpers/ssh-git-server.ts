/**
 * A git server over SSH for tests, on 127.0.0.1: the `ssh2` package plays sshd (no sshd on the test
 * machine), and `git upload-pack` serves the bare repositories of a git-server.ts instance. It accepts
 * exactly one public key and answers only `git-upload-pack '<repo>.git'` (fetch, no push).
 *
 *   const ssh = await startSshGitServer(reposRoot);   // e.g. dirname(repo.path)
 *   ssh.port; ssh.clientKey (an OpenSSH private key the server accepts); ssh.urlFor('app') → ssh://git@127.0.0.1:<port>/app.git
 *   await ssh.close();
 */
import { spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import ssh2 from 'ssh2';

const { Server, utils } = ssh2;

export interface SshGitServer {
  port: number;
  /** Private key (OpenSSH format) of the one client the server lets in. */
  clientKey: string;
  /** Another valid key the server does not accept. */
  strangerKey: string;
  urlFor(repoName: string, host?: string): string;
  close(): Promise<void>;
}

const UPLOAD_PACK = /^git[- ]upload-pack '\/?([a-z0-9][a-z0-9._-]*\.git)'$/;

export async function startSshGitServer(reposRoot: string, hostKey?: string): Promise<SshGitServer> {
  const client = utils.generateKeyPairSync('ed25519');
  const stranger = utils.generateKeyPairSync('ed25519');
  const allowed = utils.parseKey(client.public);
  if (allowed instanceof Error) throw allowed;
  const serverHostKey = hostKey ?? utils.generateKeyPairSync('ed25519').private;

  const server = new Server({ hostKeys: [serverHostKey] }, (connection) => {
    connection.on('error', () => undefined);
    connection.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const offered = ctx.key.data;
      const expected = allowed.getPublicSSH();
      const same =
        ctx.key.algo === allowed.type && offered.length === expected.length && timingSafeEqual(offered, expected);
      if (!same) return ctx.reject(['publickey']);
      if (!ctx.signature) return ctx.accept(); // the client asks whether this key would do
      return allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) ? ctx.accept() : ctx.reject(['publickey']);
    });
    connection.on('ready', () => {
      connection.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('env', (accept) => accept?.());
        session.on('exec', (accept, reject, info) => {
          const match = UPLOAD_PACK.exec(info.command);
          if (!match) return reject();
          const stream = accept();
          const git = spawn('git', ['upload-pack', '--strict', join(reposRoot, match[1]!)], {
            env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
          });
          stream.pipe(git.stdin);
          git.stdin.on('error', () => undefined);
          git.stdout.pipe(stream, { end: false });
          git.stderr.pipe(stream.stderr, { end: false });
          git.on('close', (code) => {
            stream.exit(code ?? 1);
            stream.end();
          });
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    clientKey: client.private,
    strangerKey: stranger.private,
    urlFor: (repoName, host = '127.0.0.1') => `ssh://git@${host}:${port}/${repoName}.git`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
