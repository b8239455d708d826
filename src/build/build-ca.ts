/**
 * What a build gets from the operator's network settings: the build CA (BERTH_BUILD_CA_FILE), written
 * into the build context under a fixed name for the build stage to trust, and the proxy settings, as
 * Docker's predefined proxy build args (which Docker keeps out of the image's history and config).
 *
 * Buildpack Dockerfiles always use the CA when it is configured. A repository's own Dockerfile opts in
 * by naming the build arg BERTH_BUILD_CA (the CA's file name in the context): the engine's build API
 * can only hand BuildKit secrets over a client session Berth does not run, so a file in the context is
 * what a Dockerfile can reach (see README, "Builds behind a proxy or a TLS-inspecting firewall").
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILD_CA_MAX_BYTES, PEM_CERTIFICATE, type BuildProxy } from '../config-build.js';
import { AppError } from '../errors.js';
import { SourceTree } from './source-tree.js';

/** The CA's name in the build context: fixed, so layers that copy it stay cached between builds. */
export const BUILD_CA_CONTEXT_FILE = '.berth-build-ca.pem';
/** Where buildpack build stages put it. */
export const BUILD_CA_IMAGE_PATH = '/usr/local/share/berth/build-ca.pem';
/** The build arg a repository's Dockerfile declares to opt in; its value is BUILD_CA_CONTEXT_FILE. */
export const BUILD_CA_ARG = 'BERTH_BUILD_CA';

/**
 * The variables that point each tool at the bundle: npm and pnpm (npm_config_cafile), anything on Node
 * (NODE_EXTRA_CA_CERTS, e.g. corepack), Yarn 1 and Yarn Berry, pip and requests, git, curl, and
 * OpenSSL-based tools and Go (SSL_CERT_FILE).
 */
export const BUILD_CA_VARIABLES = [
  'npm_config_cafile',
  'NODE_EXTRA_CA_CERTS',
  'YARN_CAFILE',
  'YARN_HTTPS_CA_FILE_PATH',
  'PIP_CERT',
  'REQUESTS_CA_BUNDLE',
  'GIT_SSL_CAINFO',
  'CURL_CA_BUNDLE',
  'SSL_CERT_FILE',
] as const;

/** An `ARG BERTH_BUILD_CA` line (with or without a default), in any stage. */
const OPT_IN = new RegExp(`^\\s*ARG\\s+${BUILD_CA_ARG}\\s*(=|$)`, 'im');

/** Whether a repository's Dockerfile asks for the build CA (declares the BERTH_BUILD_CA arg). */
export async function dockerfileWantsBuildCa(contextDir: string, dockerfile: string): Promise<boolean> {
  const text = await (await SourceTree.open(contextDir)).readText(dockerfile);
  return text !== undefined && OPT_IN.test(text);
}

/**
 * Writes the CA bundle into the build context and returns the file to remove afterwards. Read again
 * for every build (so a renewed bundle applies without a restart) and checked again, since the file
 * may have changed since the daemon started. Never overwrites a file of the repository.
 */
export async function placeBuildCa(caFile: string, contextDir: string): Promise<string> {
  let pem: Buffer;
  try {
    pem = await readFile(caFile);
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `BERTH_BUILD_CA_FILE cannot be read any more (${(err as Error).message})`);
  }
  if (pem.length > BUILD_CA_MAX_BYTES || !PEM_CERTIFICATE.test(pem.toString('latin1'))) {
    throw new AppError('CONFIG_INVALID', 'BERTH_BUILD_CA_FILE no longer holds a PEM bundle under 4 MB');
  }
  const target = join(contextDir, BUILD_CA_CONTEXT_FILE);
  try {
    await writeFile(target, pem, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new AppError(
      'VALIDATION_FAILED',
      `The repository has its own ${BUILD_CA_CONTEXT_FILE}, where Berth puts the build CA; rename or remove it.`,
    );
  }
  return target;
}

export async function removeBuildCa(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** Both spellings of each proxy variable: tools disagree on which one they read. */
export function proxyBuildArgs(proxy: BuildProxy): Record<string, string> {
  const args: Record<string, string> = {};
  for (const [name, value] of Object.entries(proxy) as [keyof BuildProxy, string | undefined][]) {
    if (value === undefined) continue;
    args[name] = value;
    args[name.toLowerCase()] = value;
  }
  return args;
}
