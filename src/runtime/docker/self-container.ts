/**
 * Berth's own container, seen from the outside: what an upgrade needs to replace it with the same
 * settings on another image (env, mounts, network, restart policy, labels), and to run the short-lived
 * upgrader container. Kept apart from the app runtime because it manipulates the daemon itself.
 */
import type { DockerEndpoint } from '../../config.js';
import { AppError } from '../../errors.js';
import { createDockerClient, demuxStream, type CreateContainerOptions, type DockerClient } from './client.js';
import { logConfig } from './containers.js';
import { PassThrough } from 'node:stream';

export interface SelfContainerSpec {
  id: string;
  name: string;
  /** The image id (sha256:...) the container runs. */
  imageId: string;
  /** The reference it was started from, e.g. berth/berth:latest. */
  imageRef: string;
  running: boolean;
  /** Env the operator set (the image's own ENV removed, so a new image's defaults apply). */
  env: string[];
  /** Labels set on the container (not those inherited from the image). */
  labels: Record<string, string>;
  binds: string[];
  networkMode: string;
  restartPolicy: string;
  cmd: string[];
}

export interface ContainerState {
  running: boolean;
  status: string;
  exitCode: number;
  startedAt: string;
}

/** The upgrader as the engine runs it (built by src/workloads/upgrader-spec.ts). */
export interface UpgraderContainer {
  name: string;
  image: string;
  binds: string[];
  env: string[];
  labels: Record<string, string>;
  args: string[];
}

/**
 * A daemon container like `spec`, on `image`, under `name`, WITHOUT a restart policy: during the trial a
 * crash must show as an exit, not as a restart loop. keepRestarting() applies the real policy once it is healthy.
 */
export function trialCreateOptions(
  spec: SelfContainerSpec,
  image: string,
  name: string,
  env: string[],
): CreateContainerOptions {
  return {
    name,
    Image: image,
    Cmd: spec.cmd,
    Env: env,
    Labels: spec.labels,
    HostConfig: {
      Binds: spec.binds,
      NetworkMode: spec.networkMode,
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      LogConfig: logConfig(),
    },
  };
}

/** The upgrader: host network (it checks the new version on Berth's port), the same mounts, removed when done. */
export function upgraderCreateOptions(spec: UpgraderContainer): CreateContainerOptions {
  return {
    name: spec.name,
    Image: spec.image,
    Cmd: spec.args,
    Env: spec.env,
    Labels: spec.labels,
    HostConfig: { Binds: spec.binds, NetworkMode: 'host', AutoRemove: true, LogConfig: logConfig() },
  };
}

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

export class SelfContainers {
  private readonly docker: DockerClient;

  constructor(endpoint: DockerEndpoint) {
    this.docker = createDockerClient(endpoint, 30_000);
  }

  async inspect(nameOrId: string): Promise<SelfContainerSpec | undefined> {
    let info;
    try {
      info = await this.docker.getContainer(nameOrId).inspect();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new AppError('DOCKER_ERROR', `could not inspect container ${nameOrId}`, { cause: error });
    }
    const image = await this.docker
      .getImage(info.Image)
      .inspect()
      .catch(() => undefined);
    const imageEnv = new Set(image?.Config?.Env ?? []);
    const imageLabels = image?.Config?.Labels ?? {};
    const labels = Object.fromEntries(
      Object.entries(info.Config.Labels ?? {}).filter(([key, value]) => imageLabels[key] !== value),
    );
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      imageId: info.Image,
      imageRef: info.Config.Image,
      running: info.State.Running,
      env: (info.Config.Env ?? []).filter((entry) => !imageEnv.has(entry)),
      labels,
      binds: info.HostConfig.Binds ?? [],
      networkMode: info.HostConfig.NetworkMode ?? 'host',
      restartPolicy: info.HostConfig.RestartPolicy?.Name || 'unless-stopped',
      cmd: info.Config.Cmd ?? ['serve'],
    };
  }

  async imageId(ref: string): Promise<string | undefined> {
    try {
      return (await this.docker.getImage(ref).inspect()).Id;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new AppError('DOCKER_ERROR', `could not inspect image ${ref}`, { cause: error });
    }
  }

  async state(nameOrId: string): Promise<ContainerState | undefined> {
    try {
      const { State } = await this.docker.getContainer(nameOrId).inspect();
      return { running: State.Running, status: State.Status, exitCode: State.ExitCode, startedAt: State.StartedAt };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Creates and starts a daemon container like `spec`, on `image`, under `name`, WITHOUT a restart
   * policy: during the trial a crash must show as an exit, not as a restart loop. keepRestarting()
   * applies the real policy once it is healthy.
   */
  async runLike(spec: SelfContainerSpec, image: string, name: string, env: string[]): Promise<string> {
    const container = await this.docker.createContainer(trialCreateOptions(spec, image, name, env));
    await container.start();
    return container.id;
  }

  async keepRestarting(id: string, policy: string): Promise<void> {
    await this.docker.getContainer(id).update({ RestartPolicy: { Name: policy, MaximumRetryCount: 0 } });
  }

  /** Starts the short-lived upgrader (see src/workloads/upgrader-spec.ts); removed when done. */
  async runUpgrader(spec: UpgraderContainer): Promise<string> {
    await this.remove(spec.name);
    const container = await this.docker.createContainer(upgraderCreateOptions(spec));
    await container.start();
    return container.id;
  }

  async stop(nameOrId: string, graceSeconds: number): Promise<void> {
    await this.docker
      .getContainer(nameOrId)
      .stop({ t: graceSeconds })
      .catch((error: unknown) => {
        // 304: already stopped.
        if ((error as { statusCode?: number }).statusCode !== 304 && !isNotFound(error)) throw error;
      });
  }

  async start(nameOrId: string): Promise<void> {
    await this.docker
      .getContainer(nameOrId)
      .start()
      .catch((error: unknown) => {
        if ((error as { statusCode?: number }).statusCode !== 304) throw error;
      });
  }

  async rename(nameOrId: string, newName: string): Promise<void> {
    await this.docker.getContainer(nameOrId).rename({ name: newName });
  }

  async remove(nameOrId: string): Promise<void> {
    await this.docker
      .getContainer(nameOrId)
      .remove({ force: true })
      .catch((error: unknown) => {
        // 409: removal already in progress (AutoRemove).
        if (!isNotFound(error) && (error as { statusCode?: number }).statusCode !== 409) throw error;
      });
  }

  async removeImage(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).remove();
      return true;
    } catch {
      return false;
    }
  }

  /** The last lines of a container's output (stdout and stderr), for "why did it fail". */
  async logTail(nameOrId: string, lines: number): Promise<string> {
    try {
      const raw = (await this.docker
        .getContainer(nameOrId)
        .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      const source = new PassThrough();
      demuxStream(this.docker, source, out, out);
      source.end(raw);
      await new Promise((r) => setImmediate(r));
      return Buffer.concat(chunks).toString('utf8');
    } catch {
      return '';
    }
  }
}
