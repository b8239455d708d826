/**
 * The `berth` command. Only `serve` takes the data-dir lock; the admin commands work beside a running
 * daemon on the same data dir (SQLite WAL). Errors print one line and exit non-zero.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createApiToken, revokeApiToken, listApiTokens } from './auth/api-tokens.service.js';
import { recordUnlock } from './auth/login-unlocks.js';
import { enableLocalLogin } from './auth/sso.service.js';
import { findUserWithHashByEmail, listAdminIds } from './auth/users.repository.js';
import { createAdmin } from './auth/users.service.js';
import { CLIENT_USAGE, isClientCommand } from './cli-client/commands.js';
import { loadCliClientSettings, loadConfig, type Config } from './config.js';
import { dataPaths, ensureDataDir } from './data-dir.js';
import { openDatabase, type Db } from './db/connection.js';
import { migrateToLatest } from './db/migrate.js';
import { prepareEngine } from './doctor/engine-setup.js';
import { AppError, isAppError } from './errors.js';
import { startDaemon } from './main.js';
import { VERSION } from './version.js';

const USAGE = `berth ${VERSION}: self-hosted PaaS

Usage:
  berth serve [--install-docker]                start the daemon (panel, proxy, workers); the flag installs
                                                and starts Docker first if none answers (root, Debian/Ubuntu)
  berth admin create --email E --password P     create an admin account (or --password-stdin)
  berth admin unlock EMAIL                      forget failed logins of an account (works beside a running daemon)
  berth admin local-login on                    turn password login back on after single sign-on turned it off
  berth token create --name N [--email E]       create an API token; printed once, on the last line
  berth token list [--email E]                  list API tokens (never the secrets)
  berth token revoke <id|name> [--email E]      revoke an API token
  berth doctor                                  check Docker, ports and the data dir, in words
  berth upgrade --to VERSION|IMAGE [--no-wait]   upgrade the installed container (snapshot, health check, rollback)
  berth backup --passphrase-file F [--out FILE] one encrypted archive of the database, keys and settings
  berth restore <archive> --passphrase-file F   restore a backup into a fresh data dir (or --passphrase-stdin)
  berth version

Settings come from the environment (BERTH_DATA_DIR, BERTH_PANEL_PORT, ...): see README.md.`;

const SHUTDOWN_GRACE_MS = 10_000;

async function withDatabase<T>(config: Config, work: (db: Db) => Promise<T>): Promise<T> {
  const paths = dataPaths(config.dataDir);
  ensureDataDir(paths);
  const handle = openDatabase(paths.database);
  try {
    await migrateToLatest(handle.db);
    return await work(handle.db);
  } finally {
    await handle.close();
  }
}

/** The user a token command acts for: the given email, or the only admin when there is exactly one. */
async function resolveUserId(db: Db, email: string | undefined): Promise<string> {
  if (email) {
    const user = await findUserWithHashByEmail(db, email.trim().toLowerCase());
    if (!user) throw new AppError('NOT_FOUND', `no account for ${email}`);
    return user.id;
  }
  const admins = await listAdminIds(db);
  if (admins.length === 0)
    throw new AppError('NOT_FOUND', 'no admin yet: claim the install or run `berth admin create` first');
  if (admins.length > 1) throw new AppError('VALIDATION_FAILED', 'several admins exist: pass --email to choose one');
  return admins[0]!;
}

async function serve(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { 'install-docker': { type: 'boolean' } } });
  await prepareEngine(config, values['install-docker'] === true, (line) => process.stdout.write(`${line}\n`));
  const daemon = await startDaemon(config);
  if (daemon.setupUrl) process.stdout.write(`\n  Open this link to claim Berth:\n  ${daemon.setupUrl}\n\n`);
  let isStopping = false;
  const stop = (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    daemon.logger.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    daemon.close().then(
      () => process.exit(0),
      (error: unknown) => {
        daemon.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function admin(config: Config, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { email: { type: 'string' }, password: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
  });
  if (positionals[0] === 'unlock' && positionals[1]) {
    const account = positionals[1].trim().toLowerCase();
    await withDatabase(config, (db) => recordUnlock(db, account));
    process.stdout.write(`failed logins of ${account} forgotten; it can log in again from every address\n`);
    return;
  }
  if (positionals[0] === 'local-login' && positionals[1] === 'on') {
    await withDatabase(config, (db) => enableLocalLogin({ db }));
    process.stdout.write('password login is on again (single sign-on stays available)\n');
    return;
  }
  if (positionals[0] !== 'create')
    throw new AppError(
      'VALIDATION_FAILED',
      'usage: berth admin create --email E --password P | berth admin unlock EMAIL | berth admin local-login on',
    );
  const password = values['password-stdin'] ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : values.password;
  const user = await withDatabase(config, (db) => createAdmin(db, { email: values.email, password }));
  process.stdout.write(`admin ${user.email} created (${user.id})\n`);
}

async function token(config: Config, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { name: { type: 'string' }, email: { type: 'string' } },
  });
  const [action, target] = positionals;
  await withDatabase(config, async (db) => {
    const userId = await resolveUserId(db, values.email);
    if (action === 'create') {
      const created = await createApiToken(db, userId, values.name);
      process.stdout.write(`token "${created.record.name}" created (${created.record.id}); it is shown only once:\n`);
      process.stdout.write(`${created.token}\n`);
    } else if (action === 'revoke' && target) {
      const revoked = await revokeApiToken(db, userId, target);
      process.stdout.write(`token "${revoked.name}" (${revoked.id}) revoked\n`);
    } else if (action === 'list') {
      for (const t of await listApiTokens(db, userId)) {
        process.stdout.write(
          `${t.id}\t${t.name}\t${t.prefix}…\t${t.revokedAt ? 'revoked' : 'active'}\tcreated ${t.createdAt}\n`,
        );
      }
    } else {
      throw new AppError(
        'VALIDATION_FAILED',
        'usage: berth token create --name N | berth token list | berth token revoke <id|name>',
      );
    }
  });
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n\n${CLIENT_USAGE}\n`);
    return;
  }
  if (command === 'version' || command === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (isClientCommand(command)) {
    // Developer commands talk to a server over HTTP: none of the server's settings apply.
    const { runClientCommand } = await import('./cli-client/client-main.js');
    process.exitCode = await runClientCommand(command, rest, loadCliClientSettings(), process);
    return;
  }
  const config = loadConfig();
  // Each command loads what it needs: `serve` starts (and after a restart, proxies again) sooner.
  const doctor = () => import('./doctor/doctor.js');
  const backup = () => import('./backup/backup.cli.js');
  const upgrade = () => import('./upgrade/upgrade.cli.js');
  switch (command) {
    case 'serve':
      return serve(config, rest);
    case 'admin':
      return admin(config, rest);
    case 'token':
      return token(config, rest);
    case 'doctor': {
      const { runDoctor } = await doctor();
      const isHealthy = await runDoctor(config, (line) => process.stdout.write(`${line}\n`));
      process.exitCode = isHealthy ? 0 : 1;
      return;
    }
    case 'upgrade':
      return (await upgrade()).upgradeCommand(config, rest, (work) => withDatabase(config, work));
    case 'upgrade-apply':
      return (await upgrade()).upgradeApplyCommand(config, rest);
    case 'remove-apps':
      return (await upgrade()).removeAppsCommand(config, (work) => withDatabase(config, work));
    case 'backup':
      return (await backup()).backupCommand(config, rest);
    case 'restore':
      return (await backup()).restoreCommand(config, rest);
    default:
      throw new AppError('VALIDATION_FAILED', `unknown command "${command}"; run \`berth help\``);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = isAppError(error) ? error.message : error instanceof Error ? error.message : String(error);
  process.stderr.write(`berth: ${message}\n`);
  if (!isAppError(error) || error.code === 'INTERNAL') console.error(error);
  process.exit(1);
});
