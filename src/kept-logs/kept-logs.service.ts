/** Reading kept runtime logs: which deployments have some, a deployment's lines (searchable), a download. */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import * as repo from './kept-logs.repository.js';

export const MAX_KEPT_LINES_PER_PAGE = 5000;
export const DEFAULT_KEPT_LINES = 500;
const MAX_SEARCH_CHARS = 200;
const RUN_ID = /^ctr_[0-9a-f]{12}$/;

/** What a `stream` filter may be: one output of the container, or `all` (also lines kept without a stream). */
export const KEPT_STREAM_FILTERS = ['all', 'stdout', 'stderr'] as const;
export type KeptStreamFilter = (typeof KEPT_STREAM_FILTERS)[number];

/** The stream to keep (undefined: every line); VALIDATION_FAILED for anything outside the allow-list. */
export function parseStreamFilter(value: string | undefined): repo.KeptStream | undefined {
  if (value === undefined || value === '' || value === 'all') return undefined;
  if (value === 'stdout' || value === 'stderr') return value;
  throw new AppError('VALIDATION_FAILED', `stream: one of ${KEPT_STREAM_FILTERS.join(', ')}`);
}

export class KeptLogs {
  constructor(private readonly db: Db) {}

  deployments(serviceId: string): Promise<repo.KeptDeployment[]> {
    return repo.keptDeployments(this.db, serviceId);
  }

  /** The service a deployment belongs to; NOT_FOUND when there is no such deployment. */
  async serviceOf(deploymentId: string): Promise<string> {
    const serviceId = await repo.deploymentServiceId(this.db, deploymentId);
    if (serviceId === undefined) throw new AppError('NOT_FOUND', `No deployment ${deploymentId}.`);
    return serviceId;
  }

  /**
   * Runs of a database (one per container it had, newest first) with kept lines. A run id stands where a
   * deployment id does in lines() and download().
   */
  databaseRuns(databaseId: string): Promise<repo.KeptDeployment[]> {
    return repo.keptDeployments(this.db, databaseId);
  }

  /** Whether the run's lines belong to that database (an id from a URL is checked against its owner). */
  async isRunOf(runId: string, databaseId: string): Promise<boolean> {
    return RUN_ID.test(runId) && (await repo.keptServiceId(this.db, runId)) === databaseId;
  }

  /**
   * The last `limit` lines of a deployment (those containing `search`, case-insensitively, when given; those
   * of one `stream` when it is stdout or stderr).
   */
  async lines(
    deploymentId: string,
    options: { search?: string; stream?: string; limit?: number },
  ): Promise<repo.StoredLine[]> {
    const search = options.search?.trim() === '' ? undefined : options.search;
    if (search !== undefined && search.length > MAX_SEARCH_CHARS) {
      throw new AppError('VALIDATION_FAILED', `search: at most ${MAX_SEARCH_CHARS} characters`);
    }
    const limit = options.limit ?? DEFAULT_KEPT_LINES;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_KEPT_LINES_PER_PAGE) {
      throw new AppError('VALIDATION_FAILED', `limit: 1 to ${MAX_KEPT_LINES_PER_PAGE}`);
    }
    const stream = parseStreamFilter(options.stream);
    return repo.deploymentLines(this.db, deploymentId, { search, stream, limit });
  }

  /**
   * Every kept line of a deployment (of one stream when given) as text, page by page, so memory stays flat
   * however long the log. The filter is checked before the first page, so a bad one fails before any output.
   */
  download(deploymentId: string, options: { stream?: string } = {}): AsyncGenerator<string> {
    return this.pages(deploymentId, parseStreamFilter(options.stream));
  }

  private async *pages(deploymentId: string, stream: repo.KeptStream | undefined): AsyncGenerator<string> {
    let afterId = 0;
    for (;;) {
      const page = await repo.deploymentLines(this.db, deploymentId, {
        afterId,
        stream,
        limit: MAX_KEPT_LINES_PER_PAGE,
      });
      if (page.length === 0) return;
      yield page.map((l) => `${formatLine(l)}\n`).join('');
      afterId = page[page.length - 1]!.id;
    }
  }
}

/** A stored replica as the API gives it: the replica number, and the worker process type (null: web). */
export function replicaParts(replica: repo.KeptReplica): { replica: number; process: string | null } {
  if (typeof replica === 'number') return { replica, process: null };
  const dot = replica.lastIndexOf('.');
  return { replica: Number(replica.slice(dot + 1)) || 1, process: dot > 0 ? replica.slice(0, dot) : null };
}

/** "2026-12-02T07:58:00.123Z [1] text" (a worker's: `[worker.1]`): the form of a downloaded log. */
export function formatLine(line: repo.StoredLine): string {
  return `${new Date(line.at).toISOString()} [${line.replica}] ${line.line}`;
}
