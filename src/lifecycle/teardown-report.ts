/** What a delete did, step by step, in words a person reads (the API returns it, the panel shows it). */
export class TeardownReport {
  readonly steps: string[] = [];
  /** Steps that could not be done; the orphan clean-up retries what is left on the engine. */
  readonly warnings: string[] = [];

  done(step: string): void {
    this.steps.push(step);
  }

  failed(step: string, error: unknown): void {
    this.warnings.push(`${step}: ${error instanceof Error ? error.message : String(error)}`);
  }

  /** Runs one best-effort step: a failure is recorded, the teardown goes on. */
  async attempt(step: string, work: () => Promise<string | undefined>): Promise<void> {
    try {
      const said = await work();
      if (said) this.done(said);
    } catch (error) {
      this.failed(step, error);
    }
  }

  toJSON(): { steps: string[]; warnings: string[] } {
    return { steps: [...this.steps], warnings: [...this.warnings] };
  }
}
