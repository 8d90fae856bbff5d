import type { Logger } from 'pino';
import { backoff, type JobKind } from '../shared/job-runner';
import type { AuditOutbox, OutboxEntry, OutboxMessage } from '../store/types';

/** Sends one outbox entry to Slack: a new message, or an update of the one already posted. */
export interface AuditSender {
  send(entry: OutboxEntry, threadTs?: string): Promise<{ ts: string }>;
  /** Turns the copy `ts` of `entry` into a note that it is out of date, pointing at the copy `currentTs`. */
  markOutOfDate?(entry: OutboxEntry, ts: string, currentTs: string): Promise<void>;
}

export interface DeliveryError {
  /** Seconds Slack asked us to wait (429). */
  retryAfterSeconds?: number;
  message: string;
}

export interface OutboxDispatcherOptions {
  /** How often due entries are looked for when nothing kicks the dispatcher. */
  pollIntervalMs: number;
  batchSize: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /**
   * How long a claimed entry is this dispatcher's alone (see AuditOutbox.claimDue). With several
   * replicas on one store, a dispatcher that dies mid-send holds its entries this long.
   */
  leaseMs?: number;
  /**
   * The longest one send may take (the audit client's timeout). A pass claims at most
   * (leaseMs - margin) / sendTimeoutMs entries, so even if every send of the pass runs into its
   * timeout, each is sent before its lease ends: no second replica can post it meanwhile.
   */
  sendTimeoutMs?: number;
}

export const DEFAULT_OUTBOX_OPTIONS: OutboxDispatcherOptions = {
  pollIntervalMs: 5_000,
  batchSize: 20,
  minBackoffMs: 1_000,
  maxBackoffMs: 5 * 60_000,
  leaseMs: 60_000,
  sendTimeoutMs: 15_000,
};

/**
 * Left of a lease for the store writes after a send (markDelivered) and clock skew between
 * replicas: 5 s for Slack-sized timeouts, less for the short ones of tests.
 */
const leaseMargin = (sendTimeoutMs: number): number => Math.min(5_000, Math.ceil(sendTimeoutMs / 3));

/** How many entries one claim may take so that all of them are sent within the lease. */
export function claimBatchSize(options: OutboxDispatcherOptions): number {
  const leaseMs = options.leaseMs ?? DEFAULT_OUTBOX_OPTIONS.leaseMs!;
  const sendTimeoutMs = options.sendTimeoutMs ?? DEFAULT_OUTBOX_OPTIONS.sendTimeoutMs!;
  const margin = leaseMargin(sendTimeoutMs);
  if (leaseMs < sendTimeoutMs + margin) {
    throw new Error(
      `outbox lease (${leaseMs} ms) must exceed the send timeout (${sendTimeoutMs} ms) by ${margin} ms: ` +
        `otherwise a slow post could be made twice`,
    );
  }
  return Math.max(1, Math.min(options.batchSize, Math.floor((leaseMs - margin) / sendTimeoutMs)));
}

/** How many audit messages are held in memory at most while the store is unavailable. */
export const MAX_HELD = 1_000;

/** Later than any backoff; a four-digit year keeps ISO timestamps comparable as text. */
const END_OF_TIME = new Date('9999-12-31T23:59:59.999Z');

function describeError(error: unknown): DeliveryError & { definite: boolean } {
  const e = error as { message?: string; data?: { error?: string; ok?: boolean }; retryAfter?: number; code?: string };
  return {
    message: e?.data?.error ?? e?.message ?? String(error),
    retryAfterSeconds: typeof e?.retryAfter === 'number' ? e.retryAfter : undefined,
    // Slack answered "not posted" (ok:false, or 429): unlike a timeout, a network error or an
    // HTTP 5xx, the message is certainly not in the channel.
    definite: e?.data?.ok === false || e?.code === 'slack_webapi_rate_limited_error',
  };
}

/**
 * The durable audit trail: every message is written to the store before it is sent, sent with
 * bounded retries and backoff, and marked delivered with Slack's `ts`. A restart picks up what
 * was not delivered; a stable key makes a retry update the message instead of duplicating it.
 * Entries are claimed with a lease under this process's owner name (claimDue), renewed under it
 * right before each Slack call (the fence), so several replicas on one store share the work and
 * each post is made by exactly one of them.
 *
 * The store follows the job runner's leased-jobs contract, but the pass is not LeasedJobKind's:
 * a post whose record the store refused must keep its lease until it is recorded (that loop would
 * reschedule it, and another replica would post it again), the final flush looks past backoffs and
 * tries each entry once, a completion tells whether another copy was kept, and Retry-After is the
 * wait as Slack gave it.
 */
export class OutboxDispatcher implements JobKind {
  readonly name = 'audit outbox';
  private draining?: Promise<void>;
  private again = false;
  private stopped = false;
  private flushing = false;

  private readonly outbox: AuditOutbox;
  private readonly sender: AuditSender;
  private readonly owner: string;
  private readonly logger: Logger;
  private readonly options: OutboxDispatcherOptions;
  private readonly now: () => Date;

  constructor(deps: {
    outbox: AuditOutbox;
    sender: AuditSender;
    /** This process's name in leases (the same as its other leased work's). */
    owner: string;
    logger: Logger;
    options?: OutboxDispatcherOptions;
    now?: () => Date;
  }) {
    this.outbox = deps.outbox;
    this.sender = deps.sender;
    this.owner = deps.owner;
    this.logger = deps.logger;
    this.options = deps.options ?? DEFAULT_OUTBOX_OPTIONS;
    this.now = deps.now ?? (() => new Date());
    this.claimBatch = claimBatchSize(this.options);
    this.leaseMs = this.options.leaseMs ?? DEFAULT_OUTBOX_OPTIONS.leaseMs!;
    this.everyMs = this.options.pollIntervalMs;
  }

  /** How often the job runner looks for due entries when nothing kicks the dispatcher. */
  readonly everyMs: number;

  private readonly claimBatch: number;
  private readonly leaseMs: number;

  /**
   * Records the message durably, then delivers it in the background. When the store cannot take
   * it (the database restarting), the message is held in memory, in order, and written at the
   * next pass once the store answers again: an outage of the database loses no audit message
   * unless this process also dies during it. At most {@link MAX_HELD} are held (newest kept).
   */
  async publish(message: OutboxMessage): Promise<void> {
    // A newer version of a held key replaces it and goes to the end: written after the older ones.
    if (this.held.size > 0) {
      this.hold(message);
      await this.writeHeld();
    } else {
      try {
        await this.outbox.enqueue(message, this.now());
      } catch (error) {
        this.hold(message);
        this.logger.warn(
          { key: message.key, error: (error as Error).message, held: this.held.size },
          'audit message not stored yet (database unavailable); holding it and retrying',
        );
      }
    }
    // kick() logs its own failures; the caller is not held up by the pass.
    void this.kick();
  }

  /** Messages waiting for the store to come back (see publish). */
  get heldCount(): number {
    return this.held.size;
  }

  private readonly held = new Map<string, OutboxMessage>();

  private hold(message: OutboxMessage): void {
    this.held.delete(message.key);
    this.held.set(message.key, message);
    while (this.held.size > MAX_HELD) {
      const oldest = this.held.keys().next().value as string;
      this.held.delete(oldest);
      this.logger.error({ key: oldest }, 'audit message dropped: too many held while the database is unavailable');
    }
  }

  /** Writes held messages in order; stops at the first failure (the store is still away). */
  private async writeHeld(): Promise<void> {
    for (const [key, message] of [...this.held]) {
      try {
        await this.outbox.enqueue(message, this.now());
      } catch {
        return;
      }
      if (this.held.get(key) === message) this.held.delete(key);
    }
  }

  /** The job runner's pass (see JobKind): the same as kick(). */
  pass(): Promise<void> {
    return this.kick();
  }

  /** Delivers what is due now; resolves when the current pass ends. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = this.drain()
      .catch((error: unknown) => {
        // A store hiccup (e.g. SQLITE_BUSY) must not crash the process: the next pass retries.
        this.logger.error({ error: (error as Error).message }, 'audit outbox pass failed; will retry');
      })
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          void this.kick();
        }
      });
    return this.draining;
  }

  /**
   * Makes one last delivery pass bounded by `timeoutMs` (after the job runner stopped), then no
   * more. That pass also tries the messages still waiting out a backoff: Slack may be back, and
   * the process is about to go.
   */
  async stop(timeoutMs: number): Promise<void> {
    const finalPass = async () => {
      await this.draining;
      this.flushing = true;
      await this.kick();
    };
    await Promise.race([finalPass(), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    this.stopped = true;
  }

  backlog(): Promise<number> {
    return this.outbox.backlog();
  }

  private async drain(): Promise<void> {
    if (this.unrecorded.size > 0) await this.recordUnrecorded();
    if (this.held.size > 0) await this.writeHeld();
    const attempted = new Set<string>();
    for (;;) {
      // The final flush looks past backoffs, but tries each message only once: entries it already
      // tried come back from the claim and are released at once for the next process or replica.
      const now = this.now();
      const claimed = await this.outbox.claimDue(
        this.owner,
        now,
        this.claimBatch + attempted.size,
        this.leaseMs,
        this.flushing ? { dueBy: END_OF_TIME } : {},
      );
      const due = claimed.filter((entry) => !attempted.has(`${entry.key}#${entry.version}`)).slice(0, this.claimBatch);
      const unused = claimed.filter((entry) => !due.includes(entry));
      if (unused.length > 0)
        await this.outbox.releaseClaims(
          unused.map((entry) => entry.key),
          this.owner,
        );
      for (const entry of due) if (this.flushing) attempted.add(`${entry.key}#${entry.version}`);
      if (due.length === 0) return;
      let progressed = false;
      for (const entry of due) {
        if (await this.deliver(entry)) progressed = true;
      }
      if (!progressed) return;
    }
  }

  private async deliver(entry: OutboxEntry): Promise<boolean> {
    let threadTs: string | undefined;
    if (entry.threadOfKey) {
      threadTs = (await this.outbox.get(entry.threadOfKey))?.ts;
      if (!threadTs) {
        // The parent is not posted yet: reply once it is, rather than outside its thread.
        await this.outbox.markFailed(
          entry.key,
          this.owner,
          'waiting for the thread parent',
          new Date(this.now().getTime() + this.options.minBackoffMs),
        );
        return false;
      }
    }
    // The fence: a dispatcher paused past its lease (or whose store answered late) must not post
    // what another replica took over or delivered meanwhile. Renewed here, the lease outlasts the
    // send itself (sendTimeoutMs is shorter, see claimBatchSize).
    if (!(await this.outbox.renewLease(entry, this.owner, this.now(), this.leaseMs))) {
      this.logger.warn({ key: entry.key }, 'audit message lost its lease before posting; not posted by this pass');
      // What is still under our name (a lease run out unclaimed, an entry delivered meanwhile) is
      // given back, so that the next claim reads it afresh instead of waiting out the lease.
      await this.outbox.releaseClaims([entry.key], this.owner);
      return true;
    }
    // A crash (or a lost answer) after Slack recorded a post but before its ts is stored would
    // leave a copy we cannot find again (no history scope). Remember that a post was started, so
    // the next attempt says it supersedes any earlier copy (see README, "at least once").
    if (!entry.ts) await this.outbox.markPostStarted(entry.key, this.owner, this.now());
    let ts: string;
    try {
      ({ ts } = await this.sender.send(entry, threadTs));
    } catch (error) {
      const failure = describeError(error);
      if (!entry.ts && failure.definite) await this.outbox.markPostStarted(entry.key, this.owner, null);
      const delayMs =
        failure.retryAfterSeconds !== undefined
          ? failure.retryAfterSeconds * 1000
          : backoff(entry.attempts, { minMs: this.options.minBackoffMs, maxMs: this.options.maxBackoffMs });
      await this.outbox.markFailed(entry.key, this.owner, failure.message, new Date(this.now().getTime() + delayMs));
      this.logger.warn(
        { key: entry.key, attempts: entry.attempts + 1, error: failure.message, retryInMs: delayMs },
        'audit message not delivered yet; will retry',
      );
      return false;
    }
    const mark = { version: entry.version, ts };
    let kept: { keptTs?: string };
    try {
      kept = await this.outbox.markDelivered(entry.key, this.owner, mark.version, mark.ts, this.now());
    } catch (error) {
      // Posted, but the store is away (e.g. PostgreSQL restarting): remember the ts and record it
      // as soon as the store answers, before anything is claimed again. The lease keeps other
      // replicas off the entry meanwhile, so the post is not made twice.
      this.unrecorded.set(entry.key, mark);
      throw error;
    }
    if (kept.keptTs) await this.supersede(entry, ts, kept.keptTs);
    return true;
  }

  /**
   * Another copy of this entry was recorded while ours was in flight (another replica posted it):
   * that copy stays the live one, and ours says it is out of date and where the live one is.
   */
  private async supersede(entry: OutboxEntry, ts: string, keptTs: string): Promise<void> {
    this.logger.warn({ key: entry.key, ts, keptTs }, 'audit message posted twice: marking this copy out of date');
    await this.sender
      .markOutOfDate?.(entry, ts, keptTs)
      .catch((error: unknown) =>
        this.logger.warn(
          { key: entry.key, ts, error: (error as Error).message },
          'could not mark a second copy of an audit message as out of date',
        ),
      );
  }

  /** Posts made whose delivery could not be recorded yet (key → version and ts). */
  private readonly unrecorded = new Map<string, { version: number; ts: string }>();

  private async recordUnrecorded(): Promise<void> {
    for (const [key, mark] of [...this.unrecorded]) {
      const kept = await this.outbox.markDelivered(key, this.owner, mark.version, mark.ts, this.now());
      this.unrecorded.delete(key);
      const entry = kept.keptTs ? await this.outbox.get(key) : undefined;
      if (entry && kept.keptTs) await this.supersede(entry, mark.ts, kept.keptTs);
    }
  }
}
