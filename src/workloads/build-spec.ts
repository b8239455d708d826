/**
 * The options of an image build, as the runtime takes them: which context and Dockerfile, the tag and
 * labels (src/workloads/names.ts, labels.ts), the build args in their order of precedence, and the caps.
 * The builder (src/build/builder.ts) does the file work (generated Dockerfile, CA copy) and calls this.
 */
import type { BuildOptions } from '../runtime/runtime.js';
import type { Labels } from './labels.js';

export type ImageBuildSpec = Omit<BuildOptions, 'onLine' | 'signal'>;

export interface BuildArgSources {
  /** HTTP(S)_PROXY / NO_PROXY of the build's configuration. */
  proxy: Record<string, string>;
  /** The service's own build args. */
  service: Record<string, string>;
  /** The build CA argument offered to a Dockerfile that asks for it. */
  ca?: Record<string, string>;
  /** The args of a buildpack's generated Dockerfile. */
  template?: Record<string, string>;
}

/** A service's own args win over the proxy settings; the CA argument and Berth's template args over both. */
export function buildArgsOf(sources: BuildArgSources): Record<string, string> {
  return { ...sources.proxy, ...sources.service, ...sources.ca, ...sources.template };
}

export interface ImageBuildInput {
  contextDir: string;
  /** Relative to contextDir. */
  dockerfile: string;
  tag: string;
  labels: Labels;
  buildArgs: Record<string, string>;
  /** The CA bundle copied into the context: sent even when the repository's .dockerignore excludes it. */
  caContextFile?: string;
  memoryBytes: number;
  cpus: number;
}

export function imageBuildSpec(input: ImageBuildInput): ImageBuildSpec {
  return {
    contextDir: input.contextDir,
    dockerfile: input.dockerfile,
    // A .dockerignore written before Berth had a build CA must not keep it out.
    ...(input.caContextFile ? { alwaysSend: [input.caContextFile] } : {}),
    tag: input.tag,
    buildArgs: input.buildArgs,
    labels: input.labels,
    memoryBytes: input.memoryBytes,
    cpus: input.cpus,
  };
}
