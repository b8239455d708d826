/**
 * Fetches a git source at an exact commit into a directory: the fetch step of a deployment. The only
 * importer of simple-git. How credentials, isolation and address pinning work: git-environment.ts.
 *
 * Guarantees: the URL is re-validated and its host re-resolved and re-checked right before the fetch,
 * and git connects to exactly the addresses that were checked (pinned), so a DNS answer that changes
 * between validation and fetch (rebinding) cannot redirect it. Redirects are refused. Not covered:
 * what the repository contains (the build treats it as untrusted), and outbound proxies (none is used).
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { GitError, simpleGit, type SimpleGit } from 'simple-git';
import { AppError, isAppError } from '../errors.js';
import { redactSecrets } from '../lib/redact.js';
import { fetchFailure, gitFailure } from './git-errors.js';
import { prepareGitProcess, type GitCredentials } from './git-environment.js';
import { GitProgressLog } from './git-progress.js';
import { killProcessesWithEnvEntry } from './stray-git-processes.js';
import { checkGitUrl, validateBranch, type HostResolver, type SourcePolicy } from './source-validation.js';

export type { GitCredentials } from './git-environment.js';

export interface FetchGitOptions {
  url: string;
  branch: string;
  /** An exact commit (full sha) to check out; without it, the branch's tip. */
  commit?: string;
  /** Absolute path; must be missing or empty. Removed again if the fetch fails and Berth created it. */
  dir: string;
  credentials?: GitCredentials;
  /** Receives git's progress and messages, secrets redacted. */
  log: (line: string) => void;
  signal?: AbortSignal;
  policy: SourcePolicy;
  /** Default 10 minutes. */
  timeoutMs?: number;
  /** Where ssh remembers host keys (pass one in the data dir); default: a throwaway file (no pinning across fetches). */
  sshKnownHostsFile?: string;
  /** For tests: answers DNS questions instead of the system resolver. */
  resolver?: HostResolver;
}

export interface FetchedCommit {
  sha: string;
  message: string;
  author: string;
}

export const DEFAULT_FETCH_TIMEOUT_MS = 10 * 60 * 1000;
const COMMIT_SHA = /^([0-9a-f]{40}|[0-9a-f]{64})$/;
/** What servers say when they will not serve a commit by its sha (protocol v0 without allow*SHA1InWant). */
const SHA_FETCH_REFUSED =
  /unadvertised object|not our ref|couldn't find remote ref|no such remote ref|want .* not valid/i;
/** What git says when the server cannot send a shallow copy ("dumb" HTTP: a repository served as static files). */
const SHALLOW_UNSUPPORTED = /does not support shallow|shallow.*not supported|server does not support --depth/i;
/** simple-git refuses these by default; Berth sets them itself, from validated values only. */
const UNSAFE_ALLOWED = { allowUnsafeAskPass: true, allowUnsafeSshCommand: true, allowUnsafeConfigEnvCount: true };

function validateCommit(commit: string | undefined): string | undefined {
  if (commit === undefined) return undefined;
  const sha = typeof commit === 'string' ? commit.trim().toLowerCase() : '';
  if (!COMMIT_SHA.test(sha)) {
    throw new AppError('VALIDATION_FAILED', 'The commit must be a full 40-character sha.', { details: { commit } });
  }
  return sha;
}

/** Makes `dir` an empty directory; says whether it had to create it. */
async function prepareDir(dir: string): Promise<boolean> {
  if (!isAbsolute(dir)) throw new AppError('INTERNAL', 'The fetch directory must be an absolute path.');
  let entries: string[] | undefined;
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (entries === undefined) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return true;
  }
  if (entries.length > 0) throw new AppError('INTERNAL', `The fetch directory ${dir} is not empty.`);
  return false;
}

/** A failed git command: the user-facing AppError, plus git's (redacted) output for callers that inspect it. */
class GitCommandError extends AppError {
  constructor(
    readonly output: string,
    branch: string,
  ) {
    const failure = gitFailure(output, branch);
    super(failure.code, failure.message, { details: failure.details });
  }
}

interface Session {
  git: SimpleGit;
  progress: GitProgressLog;
  secrets: string[];
}

/** Runs one git command; failures become clear AppErrors (raw output stays in the log). */
async function runGit(session: Session, args: string[], branch: string): Promise<string> {
  try {
    return await session.git.raw(args);
  } catch (error) {
    session.progress.flush();
    if (!(error instanceof GitError)) throw error;
    const output = redactSecrets(`${session.progress.output()}\n${error.message}`, session.secrets);
    throw new GitCommandError(output, branch);
  }
}

/**
 * Runs a clone or fetch shallow (`--depth=1`, all a build needs); when the server cannot do shallow
 * transfers, says so and runs it again in full. `beforeRetry` undoes what the first attempt left behind.
 */
async function shallowOrFull(
  session: Session,
  [command, ...rest]: string[],
  branch: string,
  log: (line: string) => void,
  beforeRetry: () => Promise<void> = async () => {},
): Promise<void> {
  try {
    await runGit(session, [command!, '--depth=1', ...rest], branch);
  } catch (error) {
    if (!(error instanceof GitCommandError) || !SHALLOW_UNSUPPORTED.test(error.output)) throw error;
    log('The server cannot send a shallow copy (a "dumb" HTTP server); fetching the full history instead.');
    await beforeRetry();
    await runGit(session, [command!, ...rest], branch);
  }
}

async function cloneBranch(session: Session, url: string, branch: string, dir: string, log: (l: string) => void) {
  const args = ['clone', '--single-branch', `--branch=${branch}`, '--no-tags', '--progress'];
  await shallowOrFull(session, [...args, '--no-recurse-submodules', '--', url, '.'], branch, log, () => emptyDir(dir));
}

/** Removes what a failed clone may have left, keeping the directory itself. */
async function emptyDir(dir: string): Promise<void> {
  for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
}

async function fetchExactCommit(session: Session, url: string, branch: string, sha: string, log: (l: string) => void) {
  await runGit(session, ['init', '--quiet'], branch);
  await runGit(session, ['remote', 'add', '--', 'origin', url], branch);
  const options = ['--no-tags', '--progress', '--no-recurse-submodules'];
  try {
    await shallowOrFull(session, ['fetch', ...options, 'origin', sha], branch, log);
  } catch (error) {
    if (!(error instanceof GitCommandError) || !SHA_FETCH_REFUSED.test(error.output)) throw error;
    log('The server does not hand out single commits; fetching the whole branch instead.');
    await runGit(
      session,
      ['fetch', ...options, 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`],
      branch,
    );
    if (!(await hasCommit(session, sha))) {
      log('The commit is not on the branch; fetching every branch.');
      await runGit(session, ['fetch', ...options, 'origin', '+refs/heads/*:refs/remotes/origin/*'], branch);
    }
  }
  if (!(await hasCommit(session, sha))) throw fetchFailure('commit-not-found', sha.slice(0, 12));
  await runGit(session, ['checkout', '--quiet', '--detach', sha, '--'], branch);
}

async function hasCommit(session: Session, sha: string): Promise<boolean> {
  try {
    await session.git.raw(['cat-file', '-e', `${sha}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

async function describeHead(session: Session, branch: string): Promise<FetchedCommit> {
  const out = await runGit(
    session,
    ['log', '-1', '--no-show-signature', '--format=%H%x00%an <%ae>%x00%B', 'HEAD'],
    branch,
  );
  const [sha = '', author = '', message = ''] = out.split('\u0000');
  return { sha: sha.trim(), author: author.trim(), message: message.trim() };
}

/** One signal for "the caller cancelled" and "the time is up", telling the two apart afterwards. */
function deadline(callerSignal: AbortSignal | undefined, timeoutMs: number) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  if (callerSignal?.aborted) controller.abort();
  callerSignal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    reason: (): 'timeout' | 'cancelled' => (timedOut ? 'timeout' : 'cancelled'),
    dispose() {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onAbort);
    },
  };
}

export async function fetchGitSource(options: FetchGitOptions): Promise<FetchedCommit> {
  const branch = validateBranch(options.branch);
  const commit = validateCommit(options.commit);
  // Checked again here, not only when the service was saved: DNS answers change, policies too.
  const target = await checkGitUrl(options.url, options.policy, options.resolver);
  const setup = await prepareGitProcess(target, options.credentials, options.sshKnownHostsFile);
  const limit = deadline(options.signal, options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS);
  let created = false;
  try {
    created = await prepareDir(options.dir);
    const progress = new GitProgressLog(options.log, setup.secrets);
    const git = simpleGit({
      baseDir: options.dir,
      binary: 'git',
      maxConcurrentProcesses: 1,
      abort: limit.signal,
      config: setup.config,
      allowEnvironment: Object.keys(setup.env),
      unsafe: UNSAFE_ALLOWED,
    })
      .env(setup.env)
      .outputHandler((_command, _stdout, stderr) => stderr.on('data', (chunk: Buffer) => progress.push(chunk)));
    const session: Session = { git, progress, secrets: setup.secrets };
    if (commit) await fetchExactCommit(session, target.url, branch, commit, options.log);
    else await cloneBranch(session, target.url, branch, options.dir, options.log);
    progress.flush();
    return await describeHead(session, branch);
  } catch (error) {
    if (limit.signal.aborted) await killProcessesWithEnvEntry(`HOME=${setup.home}`);
    if (created) await rm(options.dir, { recursive: true, force: true });
    if (limit.signal.aborted) throw fetchFailure(limit.reason());
    if (isAppError(error)) throw error;
    const message = redactSecrets(String((error as Error).message ?? error), setup.secrets);
    throw fetchFailure('unknown', message.slice(0, 300));
  } finally {
    limit.dispose();
    await setup.cleanup();
  }
}
