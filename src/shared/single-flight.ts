/**
 * One run per key at a time: a caller asking for a key that is already running gets the running
 * promise instead of starting a second run (a double click, concurrent lookups of one user group).
 * The key is free again once the run settles, so a later call starts afresh.
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.running.get(key);
    if (running) return running;
    const started = work().finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }

  /** The run of `key` while it is running. */
  get(key: string): Promise<T> | undefined {
    return this.running.get(key);
  }

  has(key: string): boolean {
    return this.running.has(key);
  }

  /** How many keys are running now. */
  get size(): number {
    return this.running.size;
  }

  /** Resolves when every run started so far has settled (for a bounded shutdown). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }
}
