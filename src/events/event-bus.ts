/**
 * The in-process event bus: what changed, published by the features (deploy phases, container crashes,
 * database and certificate status) and read by the panel's live stream. Features see only the
 * `EventPublisher` port (a type), so they know nothing of HTTP or of who listens.
 *
 * Events say what changed, never the new state's details or any secret: a listener that wants the state
 * asks the feature again. A listener that throws is dropped from nothing and breaks no publisher.
 */

export type BerthEvent =
  /** A deployment was queued, moved to another phase or ended. */
  | { type: 'deployment'; deploymentId: string; serviceId: string; status: string }
  /** An app's containers changed on their own: one crashed or stopped (or came back). */
  | { type: 'service'; serviceId: string; state: 'crashed' | 'stopped' | 'running' }
  /** A managed database's status changed (creating, running, stopped, failed). */
  | { type: 'database'; databaseId: string; status: string }
  /** A backup of a managed database started (running) or ended (verified, failed). */
  | { type: 'backup'; backupId: string; databaseId: string; status: string }
  /** A custom domain's certificate status changed (pending, ordering, issued, failed). */
  | { type: 'certificate'; hostname: string; status: string }
  /** A compose stack's status changed (deploying, running, failed). */
  | { type: 'stack'; stackId: string; projectId: string; status: string };

export type BerthEventType = BerthEvent['type'];

/** The port a feature publishes through. */
export interface EventPublisher {
  publish(event: BerthEvent): void;
}

export type EventListener = (event: BerthEvent) => void;

export class EventBus implements EventPublisher {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  publish(event: BerthEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}

/**
 * The topics an event concerns, as the panel's pages name what they show: `deployment:<id>`,
 * `service:<id>`, `database:<id>`, `backups:<database id>`, `certificate:<hostname>`, `stack:<id>` and
 * `stacks:<project id>` (any stack of the project, so a stack created after the page opened is heard too). A page's stream passes an
 * event on when one topic matches. Backups have a topic of their own so that a backup's end refreshes the
 * backup list and not the database's status badge or controls.
 */
export function topicsOf(event: BerthEvent): string[] {
  switch (event.type) {
    case 'deployment':
      return [`deployment:${event.deploymentId}`, `service:${event.serviceId}`];
    case 'service':
      return [`service:${event.serviceId}`];
    case 'database':
      return [`database:${event.databaseId}`];
    case 'backup':
      return [`backups:${event.databaseId}`];
    case 'certificate':
      return [`certificate:${event.hostname}`];
    case 'stack':
      return [`stack:${event.stackId}`, `stacks:${event.projectId}`];
  }
}
