/** The buildpacks in detection order: the first whose detector matches builds the source. */
import { goBuildpack } from './go.js';
import { nodeBuildpack } from './node.js';
import { pythonBuildpack } from './python.js';
import { staticBuildpack } from './static.js';
import type { Buildpack } from './types.js';

export const BUILDPACKS: readonly Buildpack[] = [nodeBuildpack, pythonBuildpack, goBuildpack, staticBuildpack];
