/**
 * Public access to a database on the cluster (BERTH_SCHEDULER=kubernetes). On Docker it publishes the
 * container's port on an address of this server; here Berth itself listens on that address and port and
 * forwards each connection to the database's ClusterIP Service (src/lib/tcp-forwarder.ts). So the setting
 * means the same on both backends ("this server's host:port reaches the database, with its password"),
 * it needs nothing from the cluster (no NodePort range, no load balancer), and it works where Berth's
 * proxy already reaches Services (Berth on a node of the cluster). The listener follows the database:
 * open while it runs with public access set, closed when it stops, is deleted, or the setting is cleared.
 * It lives in the daemon: connections through it end when the daemon restarts (clients reconnect).
 */
import { AppError } from '../errors.js';
import { startTcpForwarder, type TcpForwarder } from '../lib/tcp-forwarder.js';
import type { DatabaseCluster } from './database-cluster.js';
import type { ManagedDatabase } from './database.types.js';
import { ENGINES } from './engines/index.js';

export class ClusterPublicAccess {
  private readonly open = new Map<string, { key: string; forwarder: TcpForwarder }>();

  constructor(private readonly cluster: Pick<DatabaseCluster, 'host'>) {}

  /**
   * Opens, moves or closes the database's listener to match `database` (its public access, and whether it
   * runs). Throws in words when the address cannot be listened on or the Service has no address yet;
   * the previous listener is closed by then.
   */
  async sync(database: ManagedDatabase): Promise<void> {
    const access = database.status === 'running' ? database.publicAccess : null;
    const current = this.open.get(database.id);
    if (!access) return this.close(database.id);
    const port = ENGINES[database.engine].port;
    const host = await this.cluster.host(database);
    if (!host) throw new AppError('KUBERNETES_ERROR', `The database's Service has no cluster address yet.`);
    const key = `${access.host}:${access.port}>${host}:${port}`;
    if (current?.key === key) return;
    await this.close(database.id);
    try {
      const forwarder = await startTcpForwarder(access, { host, port });
      this.open.set(database.id, { key, forwarder });
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'is in use' : 'cannot be listened on';
      throw new AppError('DATABASE_CHANGE_FAILED', `${access.host}:${access.port} ${reason} on this server.`, {
        cause: error,
      });
    }
  }

  /** The address a database is reachable on from outside the cluster, while its listener is open. */
  listening(id: string): { host: string; port: number } | undefined {
    return this.open.get(id)?.forwarder.listen;
  }

  async close(id: string): Promise<void> {
    const current = this.open.get(id);
    if (!current) return;
    this.open.delete(id);
    await current.forwarder.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open.keys()].map((id) => this.close(id)));
  }
}
