/**
 * What the deploy feature needs from its neighbours, as narrow interfaces: main.ts plugs the real
 * projects, source, build and proxy modules in, so each can be read and tested on its own.
 */
import type { AppService, Project } from '../projects/service.types.js';

export interface ServiceCatalog {
  /** Ids of every service this Berth knows (recovery touches only their containers). */
  listServiceIds(): Promise<string[]>;
  findService(serviceId: string): Promise<{ service: AppService; project: Project } | undefined>;
  /** Plain variable values for the container's environment. */
  resolveVariables(serviceId: string): Promise<Record<string, string>>;
  /** Resolves `${{service.VAR}}` references in `values` as the service's own variables would be (berth.json). */
  resolveReferences?(serviceId: string, values: Record<string, string>): Promise<Record<string, string>>;
  /** The secret values among a deployment's environment (marked, named or referenced secrets): what logs redact. */
  secretValues(serviceId: string, env: Record<string, string>): Promise<string[]>;
  /** Decrypted git credentials of a service, if any. */
  gitCredentials(
    serviceId: string,
  ): Promise<{ token?: string; username?: string } | { sshPrivateKey: string } | undefined>;
}

export interface SourceFetcher {
  fetchGit(options: {
    url: string;
    branch: string;
    commit?: string;
    dir: string;
    credentials?: { token?: string; username?: string } | { sshPrivateKey: string };
    log: (line: string) => void;
    signal?: AbortSignal;
  }): Promise<{ sha: string; message: string; author: string }>;
}

/** The commits pushed to a service's Berth git remote (src/git). */
export interface PushedCommits {
  /** Writes the tree of a pushed commit into the empty directory `dir`. */
  exportCommit(
    projectName: string,
    serviceName: string,
    sha: string,
    dir: string,
  ): Promise<{ sha: string; message: string; author: string }>;
  /** The message and author of a pushed commit (for showing what a deploy will build). */
  describeCommit(
    projectName: string,
    serviceName: string,
    sha: string,
  ): Promise<{ sha: string; message: string; author: string }>;
  /** The commit a branch of the service's Berth repository points at, if any. */
  branchTip(projectName: string, serviceName: string, branch: string, serviceId: string): Promise<string | undefined>;
}

export interface ImageBuilder {
  build(options: {
    sourceDir: string;
    service: AppService;
    imageTag: string;
    labels: Record<string, string>;
    log: (line: string) => void;
    signal?: AbortSignal;
  }): Promise<{ image: string }>;
}

export interface Upstream {
  id: string;
  host: string;
  port: number;
}

export interface Router {
  /**
   * Atomically replaces the service's upstreams for all its hostnames. `fallback`: the previous release's
   * containers while a deploy watches the new ones; retried requests go there (route-table.ts).
   */
  setRoute(hostnames: string[], serviceId: string, upstreams: Upstream[], fallback?: Upstream[]): void;
  removeService(serviceId: string): void;
  /** Resolves once the given upstreams have no request in flight, or the timeout passed. */
  waitForDrain(upstreamIds: string[], timeoutMs: number): Promise<{ drained: boolean; remaining: number }>;
}

/** A service's named volumes (src/volumes supplies them; volume-deploy-mode.ts mounts them). */
export interface DeployVolumes {
  volumesOf(serviceId: string): Promise<{ name: string; mountPath: string; shared: boolean }[]>;
}
