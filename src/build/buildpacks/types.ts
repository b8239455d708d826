/** The shape every buildpack shares: a detector over a source tree, and a Dockerfile template in buildpacks/<name>/. */
import type { BuildpackImageName } from '../../config.js';
import type { SourceTree } from '../source-tree.js';
import type { StartCommand } from '../start-command.js';

export const BUILDPACK_NAMES = ['node', 'python', 'go', 'static'] as const;
export type BuildpackName = (typeof BUILDPACK_NAMES)[number];

export function isBuildpackName(value: string): value is BuildpackName {
  return (BUILDPACK_NAMES as readonly string[]).includes(value);
}

/** A buildpack that applies. */
export interface Detected {
  /** The files that made it match, for the explanation ("found package.json and package-lock.json"). */
  found: string[];
  /** Template data. Every string in it is a constant or has been checked against an allow-list. */
  facts: Record<string, unknown>;
  /** The start command when the source names nothing better (a Procfile `web:` line overrides it). */
  start: StartCommand | undefined;
  /** Why there is no start command, shown when `start` is undefined and no Procfile fills the gap. */
  missingStart?: string;
  /** Build args the template needs: Berth's own values, never text from the repository. */
  buildArgs?: Record<string, string>;
}

/** A buildpack that recognised the source but cannot build it, and why (shown if nothing else matches). */
export interface Miss {
  miss: string;
}

export interface Buildpack {
  name: BuildpackName;
  /** The base image slots (config.buildpackImages) its template uses. */
  images: readonly BuildpackImageName[];
  /** Whether the image the app finally runs in has /bin/sh, for commands that expand variables. */
  runtimeHasShell: boolean;
  /** Undefined when the buildpack does not apply at all. */
  detect(tree: SourceTree): Promise<Detected | Miss | undefined>;
}

export function isMiss(value: Detected | Miss): value is Miss {
  return 'miss' in value;
}
