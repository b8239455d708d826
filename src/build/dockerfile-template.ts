/**
 * Renders buildpacks/<name>/Dockerfile.eta. Eta's escape hook is replaced by a strict guard: `<%= x %>`
 * only accepts a plain token (an image name, a file name from a fixed table, a validated module name)
 * and throws on anything else, so no text from a repository can end up in the Dockerfile unnoticed.
 * Argument lists go through `<%~ it.json(argv) %>` (JSON exec form) and comments through
 * `<%~ it.comment(text) %>` (one line, control characters removed).
 */
import { fileURLToPath } from 'node:url';
import { AppError } from '../errors.js';
import { createTemplateEngine } from '../lib/templates.js';
import { BUILD_CA_CONTEXT_FILE, BUILD_CA_IMAGE_PATH, BUILD_CA_VARIABLES } from './build-ca.js';
import type { BuildpackName } from './buildpacks/types.js';

/** buildpacks/ at the repository root, both from src/build and from dist/build. */
export const BUILDPACKS_DIR = new URL('../../buildpacks/', import.meta.url);

const TOKEN = /^[A-Za-z0-9./][A-Za-z0-9._:/@+=-]*$/;

function dockerfileToken(value: unknown): string {
  const text = String(value);
  if (!TOKEN.test(text)) {
    throw new AppError('INTERNAL', `Refusing to write ${JSON.stringify(text)} into a Dockerfile: not a plain token`);
  }
  return text;
}

const eta = createTemplateEngine(fileURLToPath(BUILDPACKS_DIR), {
  escapeFunction: dockerfileToken,
  // Only control-flow tags written as `-%>` eat their newline; value tags keep the line structure.
  autoTrim: false,
});

export interface TemplateData {
  /** The human explanation, written as a comment at the top. */
  explanation: string;
  images: Record<string, string>;
  facts: Record<string, unknown>;
  /** The CMD argv. */
  command: string[];
  /** Names of the build args the template declares with ARG (Berth's own). */
  buildArgs: string[];
  /** Whether the build stage trusts the build CA (BERTH_BUILD_CA_FILE), sent in the context as BUILD_CA_CONTEXT_FILE. */
  buildCa?: boolean;
}

const helpers = {
  /** JSON exec form: the only way an argument list reaches a Dockerfile. */
  json: (argv: readonly string[]): string => JSON.stringify(argv),
  // eslint-disable-next-line no-control-regex
  comment: (text: string): string => text.replace(/[\u0000-\u001f\u007f]+/g, ' '),
};

export function renderDockerfile(buildpack: BuildpackName, data: TemplateData): string {
  const buildCa = data.buildCa
    ? { file: BUILD_CA_CONTEXT_FILE, path: BUILD_CA_IMAGE_PATH, variables: BUILD_CA_VARIABLES }
    : null;
  return eta.render(`./${buildpack}/Dockerfile`, { ...data, buildCa, ...helpers });
}
