/**
 * The daemon's handle on the proxy process tree (BERTH_PROXY_MODE=process): connects to a running proxy
 * (its control socket and token in the data dir) or starts one detached (its own session, so it outlives
 * the daemon), pushes a full snapshot once the daemon has restored its routes (release), then every
 * change as it happens. When the connection drops it reconnects (starting the proxy again if it is gone)
 * and pushes a snapshot again. Closing the daemon closes only the connection, never the proxy. When the
 * proxy says (in its hello) that it runs another version than this daemon, as after a self-upgrade, it is
 * asked once to replace its workers with the code on disk, sockets kept (proxy-handover.ts).
 */
import { fileURLToPath } from 'node:url';
import { ownProcessEnvironment, type Config } from '../../config.js';
import { AppError } from '../../errors.js';
import { startDetached } from '../../lib/exec.js';
import type { Logger } from '../../logger.js';
import { VERSION } from '../../version.js';
import { ControlClient } from './control-client.js';
import type {
  CertificateEntry,
  ChallengeEntry,
  DrainAnswer,
  HostEntry,
  ProxyState,
  StateChange,
} from './control-protocol.js';
import { ensureProxyDir, proxyFiles, readToken, type ProxyFiles } from './proxy-files.js';
import type { ChangeSink, RemoteRouteTable } from './remote-route-table.js';

const PROXY_BIN = fileURLToPath(new URL('../../../bin/berth-proxy.js', import.meta.url));
const START_TIMEOUT_MS = 30_000;
const RECONNECT_MS = 1_000;

/** What HTTPS adds to a snapshot (certificates, challenge answers, host rules); empty without HTTPS. */
export interface TlsState {
  certificates(): CertificateEntry[];
  challenges(): ChallengeEntry[];
  hosts(): HostEntry[];
}

export class RemoteProxy implements ChangeSink {
  private readonly files: ProxyFiles;
  private client: ControlClient | undefined;
  private isReleased = false;
  private isClosed = false;
  private isUpgradeAsked = false;
  private tls: TlsState | undefined;
  private readonly closeHooks: Array<() => void> = [];
  /** The supervisor's process id, as it said when we connected. */
  pid: number | undefined;

  constructor(
    private readonly config: Config,
    private readonly routes: RemoteRouteTable,
    private readonly logger: Logger,
  ) {
    this.files = proxyFiles(config.dataDir);
  }

  /**
   * Connects to the running proxy, or starts it and waits until its control socket answers. With
   * BERTH_PROXY_EXTERNAL (the installer's proxy container) it only waits: something else starts it.
   */
  async connect(): Promise<void> {
    if (await this.tryConnect()) {
      this.logger.info({ pid: this.pid, version: this.client?.hello.version }, 'connected to the running proxy');
      this.upgradeIfOutdated();
      return;
    }
    const external = this.config.proxyProcess.external;
    ensureProxyDir(this.files);
    if (external) this.logger.info('waiting for the proxy (BERTH_PROXY_EXTERNAL: it is started elsewhere)');
    else startDetached(process.execPath, [PROXY_BIN], { env: ownProcessEnvironment(), logFile: this.files.log });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await this.tryConnect())) {
      if (Date.now() > deadline)
        throw new AppError(
          'INTERNAL',
          external
            ? `no proxy answered on ${this.files.socket} within ${START_TIMEOUT_MS / 1000} s`
            : `the proxy did not start within ${START_TIMEOUT_MS / 1000} s (see ${this.files.log})`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    this.logger.info({ pid: this.pid }, external ? 'connected to the proxy' : 'started the proxy process');
    this.upgradeIfOutdated();
  }

  /** Where certificates, challenge answers and host rules come from (set before release). */
  useTls(tls: TlsState): void {
    this.tls = tls;
  }

  /** The daemon's state is complete: push it whole, then every change as it happens. */
  async release(): Promise<void> {
    this.isReleased = true;
    await this.pushSnapshot();
    this.routes.attach(this);
  }

  send(change: StateChange): void {
    const client = this.client;
    // Before release the snapshot carries it; while disconnected the reconnect pushes a whole snapshot.
    if (!this.isReleased || !client?.connected) return;
    client
      .request(change)
      .catch((error: Error) => this.logger.error({ reason: error.message }, 'the proxy refused a change'));
  }

  resync(): void {
    this.pushSnapshot().catch((error: Error) =>
      this.logger.error({ reason: error.message }, 'could not resync the proxy'),
    );
  }

  async drained(upstreamIds: readonly string[]): Promise<DrainAnswer> {
    if (!this.client?.connected) throw new AppError('INTERNAL', 'not connected to the proxy');
    const reply = await this.client.request({ type: 'drained', upstreamIds: [...upstreamIds] });
    return { inflight: Number(reply.inflight), routed: Number(reply.routed) };
  }

  /** What the proxy's workers counted since the last take (unchecked: TrafficPull checks it); undefined when not connected. */
  async takeTraffic(): Promise<unknown> {
    if (!this.client?.connected) return undefined;
    return (await this.client.request({ type: 'traffic.take' })).batch;
  }

  /** Released and connected: changes reach the proxy. */
  isLive(): boolean {
    return this.isReleased && !this.isClosed && this.client?.connected === true;
  }

  onClose(cleanup: () => void): void {
    this.closeHooks.push(cleanup);
  }

  /** Closes the connection only: the proxy keeps serving the last state. */
  close(): void {
    for (const hook of this.closeHooks) hook();
    this.isClosed = true;
    this.routes.attach(undefined);
    this.client?.close();
  }

  snapshot(): ProxyState {
    return {
      routes: this.routes.definitions(),
      unavailable: this.routes.unavailableIds(),
      certificates: this.tls?.certificates() ?? [],
      challenges: this.tls?.challenges() ?? [],
      hosts: this.tls?.hosts() ?? [],
      settings: { accessLog: this.config.proxy.accessLog },
    };
  }

  /** Once per daemon start: a proxy on other code than ours replaces its workers (it answers at once). */
  private upgradeIfOutdated(): void {
    const version = this.client?.hello.version;
    if (this.isUpgradeAsked || !this.client || typeof version !== 'string' || version === VERSION) return;
    this.isUpgradeAsked = true;
    // The supervisor keeps its own code until the proxy restarts (README "The data plane"): only logged.
    const supervisor = this.client.hello.supervisorVersion;
    this.logger.info(
      { proxy: version, supervisor, daemon: VERSION },
      'the proxy runs another version; asking it to upgrade',
    );
    this.client
      .request({ type: 'upgrade' })
      .catch((error: Error) => this.logger.error({ reason: error.message }, 'the proxy refused to upgrade'));
  }

  private async pushSnapshot(): Promise<void> {
    if (!this.client?.connected) return;
    await this.client.request({ type: 'snapshot', state: this.snapshot() });
  }

  private async tryConnect(): Promise<boolean> {
    try {
      const opened: { client?: ControlClient } = {};
      const client = await ControlClient.open(this.files.socket, readToken(this.files), () => {
        if (opened.client) this.onDisconnect(opened.client);
      });
      opened.client = client;
      this.client = client;
      const status = await client.request({ type: 'status' });
      this.pid = Number(status.pid);
      return true;
    } catch {
      return false;
    }
  }

  private onDisconnect(client: ControlClient): void {
    if (this.isClosed || client !== this.client) return;
    this.logger.warn('the proxy connection closed; reconnecting');
    const retry = async () => {
      if (this.isClosed) return;
      try {
        await this.connect();
        if (this.isReleased) await this.pushSnapshot();
      } catch (error) {
        this.logger.error({ reason: (error as Error).message }, 'could not reach the proxy; retrying');
        setTimeout(() => void retry(), RECONNECT_MS).unref();
      }
    };
    setTimeout(() => void retry(), RECONNECT_MS).unref();
  }
}
