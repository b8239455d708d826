/**
 * Turns git's stderr into one sentence a user can act on. The full (redacted) output has already gone
 * to the deployment log line by line; the error only has to say what went wrong.
 */
import { AppError } from '../errors.js';

export type FetchFailureReason =
  | 'auth-failed'
  | 'repository-not-found'
  | 'branch-not-found'
  | 'commit-not-found'
  | 'host-unreachable'
  | 'host-key-changed'
  | 'redirected'
  | 'timeout'
  | 'cancelled'
  | 'unknown';

const PATTERNS: readonly { reason: FetchFailureReason; test: RegExp }[] = [
  { reason: 'host-key-changed', test: /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/i },
  { reason: 'branch-not-found', test: /Remote branch .* not found|couldn't find remote ref refs\/heads\//i },
  {
    reason: 'auth-failed',
    test: /Authentication failed|could not read (Username|Password)|terminal prompts disabled|returned error: 40[13]\b|Permission denied \(|Invalid username or password/i,
  },
  {
    reason: 'repository-not-found',
    test: /Repository not found|repository '.*' not found|returned error: 404\b|does not appear to be a git repository|No such file or directory|not a git repository/i,
  },
  { reason: 'redirected', test: /returned error: 30[1-8]\b/i },
  {
    reason: 'host-unreachable',
    test: /Could not resolve host|Failed to connect|Couldn't connect|Connection refused|Connection timed out|timed out|No route to host|Network is unreachable|Connection reset|Could not read from remote repository|SSL|certificate|Operation too slow/i,
  },
];

const MESSAGES: Record<FetchFailureReason, string> = {
  'auth-failed':
    'The git server refused the credentials (or asked for some and none are set). Check the access token or deploy key and its access to this repository.',
  'repository-not-found': 'The repository was not found at this URL (or the credentials cannot see it).',
  'branch-not-found': 'The branch was not found in the repository.',
  'commit-not-found': 'The commit to deploy was not found in the repository.',
  'host-unreachable': 'The git server could not be reached.',
  'host-key-changed':
    "The ssh host key of the git server does not match the one Berth saw before. If the server really changed its key, remove it from Berth's known_hosts file.",
  redirected:
    "The git server answered with a redirect, which Berth does not follow (it could lead to an internal address). Use the repository's final URL.",
  timeout: 'Fetching the repository took too long and was stopped.',
  cancelled: 'Fetching the repository was cancelled.',
  unknown: 'git could not fetch the repository.',
};

export function fetchFailure(reason: FetchFailureReason, detail?: string): AppError {
  const tail = detail ? ` (${detail})` : '';
  return new AppError('SOURCE_FETCH_FAILED', `${MESSAGES[reason]}${tail}`, { details: { reason } });
}

/** The last meaningful line of git's output, to show next to the explanation. */
function lastFatalLine(output: string): string | undefined {
  const lines = output
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => /^(fatal|error|remote|ssh):/i.test(line));
  const line = lines.at(-1);
  return line ? line.slice(0, 300) : undefined;
}

export function classifyGitFailure(output: string): FetchFailureReason {
  return PATTERNS.find((pattern) => pattern.test.test(output))?.reason ?? 'unknown';
}

/**
 * `output` must already be redacted. git's own error object is not kept as the cause: its message is
 * the unredacted output, and causes get logged.
 */
export function gitFailure(output: string, branch: string): AppError {
  const reason = classifyGitFailure(output);
  return fetchFailure(reason, reason === 'branch-not-found' ? `branch "${branch}"` : lastFatalLine(output));
}
