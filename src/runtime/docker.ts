/**
 * The Docker runtime. The implementation lives in ./docker/, one file per concept, with
 * ./docker/client.ts the only importer of dockerode; this module keeps the import path stable.
 */
export { DockerRuntime, type DockerRuntimeOptions } from './docker/docker-runtime.js';
export type { RuntimeLogger } from './docker/engine-connection.js';
