/**
 * Who just had their access changed (a project role, the server role, removal, ownership, a role from
 * single sign-on). Listeners (the panel's open WebSockets and live streams) check that person's open
 * connections again and close what they may no longer see. A listener that throws breaks no change.
 */
export type AccessChangeListener = (userId: string) => void;

export class AccessChanges {
  private readonly listeners = new Set<AccessChangeListener>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  notify(userId: string): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(userId);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: AccessChangeListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
