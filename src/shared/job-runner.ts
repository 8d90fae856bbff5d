/**
 * The one runner of leased work. Every kind of leased job (license requests and their
 * hand-overs, lifecycle jobs, digest runs, the audit outbox) follows one contract: a pass claims
 * the due rows under this process's owner name with a lease, runs each one fenced (work that lost
 * its lease stops before its side effect), and completes it or reschedules it with `backoff()`.
 * The runner owns the single poller that starts those passes, one at a time per kind.
 * LeasedJobKind is that contract as code for one table of leased jobs (ticket writes, lifecycle
 * jobs); the outbox drain, the license requests in flight and the digest runs keep passes of their
 * own shape (see README, "One runner for every leased job").
 */
export interface JobKind {
  /** Names the kind in logs. */
  readonly name: string;
  /** How often a pass runs when nothing kicks it. */
  readonly everyMs: number;
  /**
   * When the first pass runs, counted from the runner's start; absent: right at start. For
   * housekeeping that must not compete with the start itself (the bot answers Slack first).
   */
  readonly firstPassAfterMs?: number;
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

/**
 * A table of leased jobs as the generic kind sees it (each table keeps its own SQL behind it):
 * claim the due ones under `owner` with a lease, renew that lease (the fence), and end a claim
 * with a completion, a later due time, or (where the table has one) a failure for good.
 */
export interface LeasedJobs<T, D> {
  /** Up to `limit` due jobs whose lease is free, oldest due first, now leased to `owner` until `now + leaseMs`. */
  claimDue(owner: string, now: Date, limit: number, leaseMs: number): Promise<T[]>;
  /** Extends the lease only while `owner` still holds it live; false when it was lost. */
  renewLease(job: T, owner: string, now: Date, leaseMs: number): Promise<boolean>;
  /** Marks the job done as `done` says; false when `owner` no longer holds it. */
  complete(job: T, owner: string, done: D, now: Date): Promise<boolean>;
  /** Gives the job back, due at `at`; a `reason` counts as a failed attempt, none does not. */
  reschedule(job: T, owner: string, at: Date, reason: string | undefined, now: Date): Promise<boolean>;
  /** Ends the job for good (only tables with a failed state have it). */
  fail?(job: T, owner: string, reason: string, now: Date): Promise<boolean>;
  /** Failed attempts so far: the exponent of the backoff. */
  attempts(job: T): number;
}

/** What running one claimed job came to. */
export type JobOutcome<D> =
  /** Done: completed with `done`. */
  | { done: D }
  /** Failed this time: due again after `backoff()`, or after `notBeforeMs` when that is longer (Retry-After). */
  | { retry: string; notBeforeMs?: number }
  /** Claimed before its time: given back until `wait`, not counted as a failure. */
  | { wait: Date }
  /** Never: failed for good. */
  | { failed: string };

/** How one claimed job ended, for the kind's own log lines and follow-ups. */
export type Settled<T, O> = { job: T } &
  /** The fence found the lease gone: nothing ran past it, nothing was recorded. */
  (
    | { ended: 'lost' }
    /** `run` threw: rescheduled with `backoff()` as a failed attempt. */
    | { ended: 'threw'; error: string; recorded: boolean; retryAt: Date; retryInMs: number }
    /** `run` answered; `recorded` is false when the lease was lost before the store took it. */
    | { ended: 'ran'; outcome: O; recorded: boolean; retryAt?: Date; retryInMs?: number }
  );

export interface LeasedJobKindOptions<T, D, O extends JobOutcome<D>> {
  name: string;
  everyMs: number;
  jobs: LeasedJobs<T, D>;
  /** This process's name in leases. */
  owner: string;
  /** Longer than one job may take: a lease that runs out mid-job lets another process run it too. */
  leaseMs: number;
  clock: () => Date;
  /** Jobs claimed at once (each claim under a fresh lease), and at most per pass. */
  batch: { claim: number; perPass: number };
  retry: BackoffBounds;
  /**
   * Runs one claimed job. `fence()` must be awaited right before the side effect: it renews the
   * lease and throws when the lease was lost, so work that lost it never gets to act.
   */
  run(job: T, fence: () => Promise<void>): Promise<O>;
  /** After each job (the kind's log line, a follow-up); an error here fails the pass. */
  settled?(settled: Settled<T, O>): Promise<void> | void;
}

/** Thrown by a job's fence when its lease is gone. */
class LeaseGone extends Error {}

/**
 * The one claim → run → complete/reschedule loop of leased jobs: a pass claims due jobs under the
 * owner's lease, runs each one fenced, and records what it came to. A job whose run throws is
 * rescheduled with `backoff()`, never left claimed or lost.
 */
export class LeasedJobKind<T, D, O extends JobOutcome<D>> implements JobKind {
  readonly name: string;
  readonly everyMs: number;

  constructor(private readonly options: LeasedJobKindOptions<T, D, O>) {
    this.name = options.name;
    this.everyMs = options.everyMs;
  }

  async pass(): Promise<Settled<T, O>[]> {
    const { jobs, owner, leaseMs, clock, batch } = this.options;
    const settled: Settled<T, O>[] = [];
    while (settled.length < batch.perPass) {
      const limit = Math.min(batch.claim, batch.perPass - settled.length);
      const claimed = await jobs.claimDue(owner, clock(), limit, leaseMs);
      for (const job of claimed) {
        const one = await this.runOne(job);
        await this.options.settled?.(one);
        settled.push(one);
      }
      if (claimed.length < limit) break;
    }
    return settled;
  }

  private async runOne(job: T): Promise<Settled<T, O>> {
    const { jobs, owner, leaseMs, clock } = this.options;
    const fence = async () => {
      if (!(await jobs.renewLease(job, owner, clock(), leaseMs))) throw new LeaseGone();
    };
    try {
      const outcome = await this.options.run(job, fence);
      return { job, ended: 'ran', outcome, ...(await this.record(job, outcome)) };
    } catch (error) {
      if (error instanceof LeaseGone) return { job, ended: 'lost' };
      const message = error instanceof Error ? error.message : String(error);
      const retryInMs = this.backoff(job);
      const retryAt = new Date(clock().getTime() + retryInMs);
      // The store may be what failed: the job then comes back once its lease runs out.
      const recorded = await jobs.reschedule(job, owner, retryAt, message, clock()).catch(() => false);
      return { job, ended: 'threw', error: message, recorded, retryAt, retryInMs };
    }
  }

  private async record(
    job: T,
    outcome: JobOutcome<D>,
  ): Promise<{ recorded: boolean; retryAt?: Date; retryInMs?: number }> {
    const { jobs, owner, clock } = this.options;
    if ('done' in outcome) return { recorded: await jobs.complete(job, owner, outcome.done, clock()) };
    if ('wait' in outcome)
      return { recorded: await jobs.reschedule(job, owner, outcome.wait, undefined, clock()), retryAt: outcome.wait };
    if ('failed' in outcome) {
      if (!jobs.fail) throw new Error(`${this.name} cannot fail a job for good`);
      return { recorded: await jobs.fail(job, owner, outcome.failed, clock()) };
    }
    const retryInMs = Math.max(this.backoff(job), outcome.notBeforeMs ?? 0);
    const retryAt = new Date(clock().getTime() + retryInMs);
    return { recorded: await jobs.reschedule(job, owner, retryAt, outcome.retry, clock()), retryAt, retryInMs };
  }

  private backoff(job: T): number {
    return backoff(this.options.jobs.attempts(job), this.options.retry);
  }
}

interface RunnerLogger {
  error(obj: object, msg: string): void;
}

/**
 * Runs each kind's pass every `everyMs` (the first at start or `firstPassAfterMs`), never two passes of one kind
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
    const startedAt = this.clock();
    for (const kind of this.kinds) {
      if (kind.firstPassAfterMs === undefined) void this.kick(kind);
      else this.lastStart.set(kind.name, startedAt - kind.everyMs + kind.firstPassAfterMs);
    }
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
