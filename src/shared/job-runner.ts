/**
 * The one runner of leased work. Every kind of leased job (license requests and their
 * hand-overs, lifecycle jobs, digest runs, the audit outbox) follows one contract: a pass claims
 * the due rows under this process's owner name with a lease, runs each one fenced (work that lost
 * its lease stops before its side effect), and completes it or reschedules it with `backoff()`.
 * The runner owns the single poller that starts those passes, one at a time per kind.
 */
export interface JobKind {
  /** Names the kind in logs. */
  readonly name: string;
  /** How often a pass runs when nothing kicks it. */
  readonly everyMs: number;
  /** One pass: claim what is due (with a lease), run it fenced, complete or reschedule it. */
  pass(): Promise<unknown>;
}

/** The bounds of a retry delay. */
export interface BackoffBounds {
  minMs: number;
  maxMs: number;
}

/** The retry delay after `failures` earlier failures (0 for the first retry): doubling from minMs, at most maxMs. */
export function backoff(failures: number, bounds: BackoffBounds): number {
  return Math.min(bounds.maxMs, bounds.minMs * 2 ** Math.min(Math.max(0, failures), 16));
}

interface RunnerLogger {
  error(obj: object, msg: string): void;
}

/**
 * Runs each kind's pass every `everyMs` (the first right at start), never two passes of one kind
 * at once; a failed pass is logged and the next one retries.
 */
export class JobRunner {
  private timer?: NodeJS.Timeout;
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly lastStart = new Map<string, number>();

  constructor(
    private readonly kinds: readonly JobKind[],
    private readonly logger: RunnerLogger,
    // Intervals are measured on the monotonic clock: a wall clock that jumps (or stands still, as
    // the gallery's fixed clock does) must not stop or bunch the passes.
    private readonly clock: () => number = () => performance.now(),
  ) {}

  start(): void {
    if (this.timer || this.kinds.length === 0) return;
    const tickMs = Math.max(1, Math.min(...this.kinds.map((kind) => kind.everyMs)));
    this.timer = setInterval(() => {
      const now = this.clock();
      for (const kind of this.kinds) {
        // Half a tick of slack: a kind due "almost now" runs on this tick rather than a whole tick late.
        if (now - (this.lastStart.get(kind.name) ?? -Infinity) >= kind.everyMs - tickMs / 2) void this.kick(kind);
      }
    }, tickMs);
    this.timer.unref();
    for (const kind of this.kinds) void this.kick(kind);
  }

  /** Runs a pass of `kind` now unless one is running; resolves when that pass ends. */
  kick(kind: JobKind): Promise<unknown> {
    const running = this.running.get(kind.name);
    if (running) return running;
    this.lastStart.set(kind.name, this.clock());
    const pass = kind
      .pass()
      .catch((error: unknown) =>
        this.logger.error({ job: kind.name, error: (error as Error).message }, `${kind.name} pass failed; will retry`),
      )
      .finally(() => this.running.delete(kind.name));
    this.running.set(kind.name, pass);
    return pass;
  }

  /** Stops polling and waits for the passes in progress (the caller bounds the wait). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.running.values()]);
  }
}
