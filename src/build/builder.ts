/**
 * Builds a service's image from a checked-out source: detects how (its Dockerfile or a buildpack),
 * writes a generated Dockerfile next to the sources under a name that cannot clash with the
 * repository's files (and removes it afterwards), and runs the build through the engine with memory/CPU caps, every line to the
 * deployment log. One ServiceBuilder is made by main.ts, so its limiter is the global build limit.
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { AppService } from '../projects/service.types.js';
import type { Runtime } from '../runtime/runtime.js';
import {
  BUILD_CA_ARG,
  BUILD_CA_CONTEXT_FILE,
  dockerfileWantsBuildCa,
  placeBuildCa,
  proxyBuildArgs,
  removeBuildCa,
} from './build-ca.js';
import { BuildLimiter } from './build-limiter.js';
import { detectBuild, type BuildPlan } from './detect.js';
import { buildArgsOf, imageBuildSpec } from '../workloads/build-spec.js';

export const DEFAULT_BUILD_MEMORY_BYTES = 2 * 1024 * 1024 * 1024;
export const DEFAULT_BUILD_CPUS = 1;
export const DEFAULT_BUILD_CONCURRENCY = 1;

const BUILD_ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IMAGE_TAG = /^[a-z0-9][a-z0-9._/-]{0,200}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/;

export interface BuilderOptions {
  /** How many builds may run at once (default 1). */
  concurrency?: number;
  /** Memory cap of each build's steps (default 2 GB, no swap beyond it). */
  memoryBytes?: number;
  /** CPU cap of each build (default 1). */
  cpus?: number;
}

export interface BuildServiceOptions {
  sourceDir: string;
  service: AppService;
  imageTag: string;
  labels: Record<string, string>;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export interface BuildResult {
  image: string;
  /** How it was built: "dockerfile" or "buildpack:<name>". */
  method: string;
}

function checkBuildArgs(args: Record<string, string>): void {
  for (const name of Object.keys(args)) {
    if (!BUILD_ARG_NAME.test(name)) {
      throw new AppError('VALIDATION_FAILED', `The build arg name "${name}" must be letters, digits and _.`);
    }
  }
}

export class ServiceBuilder {
  private readonly limiter: BuildLimiter;
  private readonly memoryBytes: number;
  private readonly cpus: number;

  constructor(
    private readonly runtime: Pick<Runtime, 'buildImage'>,
    private readonly config: Pick<Config, 'buildpackImages'> & Partial<Pick<Config, 'buildCaFile' | 'buildProxy'>>,
    options: BuilderOptions = {},
  ) {
    this.limiter = new BuildLimiter(options.concurrency ?? DEFAULT_BUILD_CONCURRENCY);
    this.memoryBytes = options.memoryBytes ?? DEFAULT_BUILD_MEMORY_BYTES;
    this.cpus = options.cpus ?? DEFAULT_BUILD_CPUS;
  }

  /** Builds running and waiting right now. */
  load(): { running: number; waiting: number } {
    return this.limiter.load();
  }

  async build(options: BuildServiceOptions): Promise<BuildResult> {
    const { log, signal } = options;
    if (!IMAGE_TAG.test(options.imageTag)) {
      throw new AppError('INTERNAL', `Refusing to build with the image tag "${options.imageTag}"`);
    }
    const userArgs = options.service.build.buildArgs ?? {};
    checkBuildArgs(userArgs);
    const release = await this.limiter.acquire(signal, () => log('Waiting for another build to finish…'));
    let generated: string | undefined;
    let caCopy: string | undefined;
    try {
      const started = Date.now();
      const plan = await detectBuild(options.sourceDir, options.service.build, this.config);
      log(plan.explanation);
      let dockerfile = plan.dockerfile;
      const proxyArgs = proxyBuildArgs(this.config.buildProxy ?? {});
      if (Object.keys(proxyArgs).length > 0) log('Downloads during the build go through the configured HTTP(S) proxy');
      let caArg: Record<string, string> | undefined;
      const caFile = this.config.buildCaFile;
      const useCa =
        caFile !== undefined && (plan.kind === 'buildpack' || (await dockerfileWantsBuildCa(plan.context, dockerfile)));
      if (useCa) {
        caCopy = await placeBuildCa(caFile, plan.context);
        log(`The build trusts the CA bundle of BERTH_BUILD_CA_FILE (as ${BUILD_CA_CONTEXT_FILE} in the context)`);
        if (plan.kind === 'dockerfile') caArg = { [BUILD_CA_ARG]: BUILD_CA_CONTEXT_FILE };
      }
      if (plan.kind === 'buildpack') {
        dockerfile = await writeGeneratedDockerfile(plan);
        generated = join(plan.context, dockerfile);
        log('Generated Dockerfile:');
        for (const line of plan.dockerfile.trimEnd().split('\n')) log(`  ${line}`);
      }
      const spec = imageBuildSpec({
        contextDir: plan.context,
        dockerfile,
        tag: options.imageTag,
        labels: options.labels,
        buildArgs: buildArgsOf({
          proxy: proxyArgs,
          service: userArgs,
          ca: caArg,
          template: plan.kind === 'buildpack' ? plan.buildArgs : undefined,
        }),
        caContextFile: caCopy ? BUILD_CA_CONTEXT_FILE : undefined,
        memoryBytes: this.memoryBytes,
        cpus: this.cpus,
      });
      await this.runtime.buildImage({ ...spec, onLine: log, signal });
      log(`Built ${options.imageTag} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      return { image: options.imageTag, method: plan.kind === 'dockerfile' ? 'dockerfile' : `buildpack:${plan.name}` };
    } finally {
      if (generated) await rm(generated, { force: true });
      if (caCopy) await removeBuildCa(caCopy);
      release();
    }
  }
}

/**
 * Writes the generated Dockerfile into the context and returns its name: `.berth.Dockerfile`, a stable
 * name so `COPY . .` layers stay cached between builds of the same source, or, if the repository
 * already has a file by that name, `.berth-<random>.Dockerfile`. `wx` never overwrites anything.
 */
async function writeGeneratedDockerfile(plan: Extract<BuildPlan, { kind: 'buildpack' }>): Promise<string> {
  for (const name of ['.berth.Dockerfile', `.berth-${randomBytes(6).toString('hex')}.Dockerfile`]) {
    try {
      await writeFile(join(plan.context, name), plan.dockerfile, { flag: 'wx', mode: 0o644 });
      return name;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new AppError('INTERNAL', 'Could not find a free name for the generated Dockerfile');
}
