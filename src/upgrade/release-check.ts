/**
 * "Is a newer Berth out?": asks the release source the operator configured (BERTH_RELEASE_URL, JSON
 * `{"version": "1.2.3", "image": "..."}`), at most once an hour. Off when unset; failures (offline)
 * mean "unknown", never an error page. The host is checked like any outbound address Berth fetches:
 * link-local and metadata addresses are refused even though the URL comes from the operator.
 */
import { checkHost } from '../source/host-check.js';

export interface ReleaseInfo {
  /** The newest version the source announces. */
  version: string;
  image: string | undefined;
  newer: boolean;
  checkedAt: string;
}

const CACHE_MS = 60 * 60_000;
const MAX_BODY = 64 * 1024;
const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/;

/** -1, 0, 1 like a comparator; a pre-release sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const pa = SEMVER.exec(a);
  const pb = SEMVER.exec(b);
  if (!pa || !pb) return a === b ? 0 : a < b ? -1 : 1;
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return Math.sign(d);
  }
  if (pa[4] === pb[4]) return 0;
  if (!pa[4]) return 1;
  if (!pb[4]) return -1;
  return pa[4] < pb[4] ? -1 : 1;
}

export class ReleaseChecker {
  private cached: { at: number; info: ReleaseInfo | undefined } | undefined;

  constructor(
    private readonly url: string | undefined,
    private readonly currentVersion: string,
  ) {}

  get enabled(): boolean {
    return this.url !== undefined;
  }

  async latest(): Promise<ReleaseInfo | undefined> {
    if (!this.url) return undefined;
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.info;
    const info = await this.fetchLatest(this.url).catch(() => undefined);
    this.cached = { at: Date.now(), info };
    return info;
  }

  private async fetchLatest(url: string): Promise<ReleaseInfo | undefined> {
    await checkHost(new URL(url).hostname.replace(/^\[|\]$/g, ''), { allowPrivate: true }, 'BERTH_RELEASE_URL');
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'error' });
    if (!response.ok) return undefined;
    const text = await response.text();
    if (text.length > MAX_BODY) return undefined;
    const body = JSON.parse(text) as { version?: unknown; image?: unknown };
    if (typeof body.version !== 'string' || !SEMVER.test(body.version)) return undefined;
    return {
      version: body.version.replace(/^v/, ''),
      image: typeof body.image === 'string' && body.image.length < 300 ? body.image : undefined,
      newer: compareVersions(body.version.replace(/^v/, ''), this.currentVersion) > 0,
      checkedAt: new Date().toISOString(),
    };
  }
}
