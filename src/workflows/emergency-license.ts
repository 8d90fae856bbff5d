import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import type {
  FailedLicense,
  GeneratedLicense,
  LicenseAdapter,
  LicenseOutcome,
  TrialLicenseRequest,
} from '../licenses/types';
import { backoff, type JobKind } from '../shared/job-runner';
import { slackErrorCode, slackRefused } from '../shared/slack-errors';
import { SingleFlight } from '../shared/single-flight';
import { truncate } from '../shared/text';
import type {
  CreateRequestResult,
  DeliveryOutcome,
  GeneratedLicenseRequest,
  IssuedTo,
  LicenseCopy,
  LicenseRequestInput,
  LicenseRequestRecord,
  LicenseRequestRepository,
} from '../store/types';
import { LeaseLostError } from '../store/types';

export const REISSUE_WINDOW_DAYS = 10;

/** How a failed hand-over of a license is retried: bounded exponential backoff, then given up. */
export interface DeliveryRetryOptions {
  minBackoffMs: number;
  maxBackoffMs: number;
  /** After this many failed attempts the delivery is marked failed (the license stays in /license-status). */
  maxAttempts: number;
  /** How often the job runner looks for due deliveries and orphaned pending requests. */
  pollIntervalMs: number;
}

export const DEFAULT_DELIVERY_RETRY: DeliveryRetryOptions = {
  minBackoffMs: 1_000,
  maxBackoffMs: 5 * 60_000,
  maxAttempts: 12,
  pollIntervalMs: 5_000,
};

/**
 * Who works on which request when several replicas share the store (see RequestLeases):
 * `owner` names this process (stable across restarts where possible, so a restarted process
 * takes its own work back at once); `leaseMs` is how long a crashed owner blocks its requests
 * before another replica takes them over. The owner renews the lease every third of it.
 */
export interface RequestLeaseOptions {
  owner: string;
  leaseMs: number;
  /** At most this many requests are worked on at once by this process (adapter calls may take minutes). */
  maxInFlight: number;
}

export const DEFAULT_REQUEST_LEASE: RequestLeaseOptions = {
  owner: 'local',
  leaseMs: 30_000,
  maxInFlight: 20,
};

/** What the license workflow works with (see EmergencyLicenseWorkflow). */
export interface EmergencyLicenseWorkflowDeps {
  requests: LicenseRequestRepository;
  adapter: LicenseAdapter;
  notifier: LicenseNotifier;
  logger: Logger;
  now?: () => Date;
  deliveryRetry?: DeliveryRetryOptions;
  lease?: RequestLeaseOptions;
}

/** Reasons end up in Slack messages; an adapter's error text can be arbitrarily long. */
const MAX_REASON = 500;

/**
 * Absolute file-system paths (`/var/lib/bot/licenses/x.gitlab-license`, quoted or not) in a reason are
 * replaced by words; URLs are kept (a path right after `:` or `/` is part of one).
 */
const FILE_PATH = /'?(?<![\w:/.~-])(?:\/[\w.@~+-]+){2,}\/?'?/g;
const withoutPaths = (reason: string): string => reason.replace(FILE_PATH, 'a file of the bot (its log has the path)');

/** Where the workflow reports what happened: the channel notice and the engineer. */
export interface LicenseNotifier {
  /** The record changed (created, generated, failed, refused): update its channel notice. */
  recordChanged(record: LicenseRequestRecord): Promise<void>;
  /**
   * A license exists: hand the file (or where to find it) to the engineer who asked. `fence` (the
   * workflow's lease) is awaited right before the call that makes the DM visible: it throws when
   * the lease was lost, and nothing is sent then. It answers `replacesCopyOf` when an earlier
   * hand-over started at that time and was interrupted: this copy then says it replaces that one.
   */
  deliver(record: GeneratedLicenseRequest, options?: DeliverOptions): Promise<void>;
  /**
   * Someone fetched a copy of the license (e.g. /license-status): say so in the request's thread.
   * `copyId` names the stored copy, so that saying it again after a crash says it once.
   */
  copySent?(record: LicenseRequestRecord, toSlackId: string, copyId?: string): Promise<void>;
  /**
   * A hand-over was given up (the first one, or `copy`): tell whom it was for, in the request's
   * thread, where the license still is. Keyed by the request or the copy, so saying it again says it once.
   */
  handOverGivenUp?(record: GeneratedLicenseRequest, copy?: LicenseCopy): Promise<void>;
}

export interface DeliverOptions {
  fence?: () => Promise<{ replacesCopyOf?: string }>;
}

/** The lease a run holds on a request or a copy (see EmergencyLicenseWorkflow.holding). */
interface HeldLease {
  /** Throws LeaseLostError unless the lease is provably still this process's: call right before a side effect. */
  fence(): Promise<void>;
}

/** Which rows a lease is on: a license request (its adapter call, its first hand-over) or a copy of its license. */
interface LeasedRows {
  /** Names a row in log lines. */
  what: string;
  fields(id: string): Record<string, string>;
  renew(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean>;
  release(id: string, owner: string): Promise<void>;
}

/** One fenced hand-over of a license (the first one, or a copy), for handOver(). */
interface HandOver<T> {
  fields: Record<string, string>;
  /** Attempts recorded before this one. */
  attempts: number;
  /** The store's fence: lease still held and the attempt still wanted; marks the send as started. */
  start(): Promise<{ held: false } | { held: true; interruptedAt?: string }>;
  send(options: DeliverOptions): Promise<void>;
  /** Records the outcome, only while this process holds the lease (LeaseLostError otherwise). */
  record(outcome: DeliveryOutcome): Promise<T>;
  words: { retry: string; giveUp: string };
}

const toAdapterRequest = (record: LicenseRequestRecord): TrialLicenseRequest => ({
  requestId: record.id,
  ticketUrl: record.ticketUrl,
  email: record.email,
  userCount: record.userCount,
  requestedBy: record.requestedByUsername,
});

/**
 * The weekend emergency license request, from a validated form to a generated (or failed)
 * trial license, and its hand-over: the job runner's kind for license requests. Every request
 * is stored before the adapter is called, so a crash, a retry or a second click can always be
 * told apart from a new request; the process that stores it holds its lease from the insert on.
 */
export class EmergencyLicenseWorkflow implements JobKind {
  readonly name = 'license requests';
  readonly everyMs: number;
  private readonly inFlight = new SingleFlight<LicenseRequestRecord>();
  private readonly delivering = new SingleFlight<LicenseRequestRecord>();
  /** Copies of licenses being handed over by this process, by copy ID. */
  private readonly copying = new SingleFlight<void>();
  /** Requests whose lease this process holds now, and how to hand each over (see releaseLeases). */
  private readonly held = new Map<string, () => Promise<void>>();
  private readonly store: LicenseRequestRepository;
  private readonly adapter: LicenseAdapter;
  private readonly notifier: LicenseNotifier;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly deliveryRetry: DeliveryRetryOptions;
  private readonly lease: RequestLeaseOptions;
  private stopped = false;
  private readonly requestRows: LeasedRows = {
    what: 'license request',
    fields: (id) => ({ requestId: id }),
    renew: (id, owner, now, leaseMs) => this.store.renewRequestLease(id, owner, now, leaseMs),
    release: (id, owner) => this.store.releaseRequestLease(id, owner),
  };
  private readonly copyRows: LeasedRows = {
    what: 'license copy',
    fields: (id) => ({ copyId: id }),
    renew: (id, owner, now, leaseMs) => this.store.renewCopyLease(id, owner, now, leaseMs),
    release: (id, owner) => this.store.releaseCopyLease(id, owner),
  };

  constructor(deps: EmergencyLicenseWorkflowDeps) {
    this.store = deps.requests;
    this.adapter = deps.adapter;
    this.notifier = deps.notifier;
    this.logger = deps.logger;
    this.now = deps.now ?? (() => new Date());
    this.deliveryRetry = deps.deliveryRetry ?? DEFAULT_DELIVERY_RETRY;
    this.lease = deps.lease ?? DEFAULT_REQUEST_LEASE;
    this.everyMs = this.deliveryRetry.pollIntervalMs;
  }

  /** The creator's lease on a request it stores (see CreateRequestOptions.lease). */
  private get creatorLease() {
    return { owner: this.lease.owner, leaseMs: this.lease.leaseMs };
  }

  /** Stores a refused (out of scope) request so the audit trail shows it. */
  async refuse(input: LicenseRequestInput, reason: string): Promise<LicenseRequestRecord> {
    // Refused in the insert itself: a pending moment would read as a live duplicate to the
    // manager's override submitted right after this refusal.
    const created = await this.store.createRequest(input, this.now(), { refusalReason: reason });
    if (created.outcome === 'created') await this.notifier.recordChanged(created.record);
    return created.record;
  }

  /**
   * Stores a new request as pending unless a pending or generated request for the same ticket or
   * the same email was made in the last 10 days (a second engineer reading 251 instead of 250
   * users must still be asked before a second license). The check and the insert are one atomic
   * step of the store, so of several concurrent requests exactly one is created.
   */
  async request(input: LicenseRequestInput): Promise<CreateRequestResult> {
    const since = DateTime.fromJSDate(this.now(), { zone: 'utc' }).minus({ days: REISSUE_WINDOW_DAYS }).toJSDate();
    const result = await this.store.createRequest(input, this.now(), {
      reissueWindowSince: since,
      lease: this.creatorLease,
    });
    if (result.outcome === 'created') await this.notifier.recordChanged(result.record);
    return result;
  }

  /**
   * Stores the request as pending without the duplicate check (a re-issue the requester
   * confirmed); `created` is false for a repeated delivery of the same submission.
   */
  async submit(input: LicenseRequestInput): Promise<{ record: LicenseRequestRecord; created: boolean }> {
    const { record, outcome } = await this.store.createRequest(input, this.now(), { lease: this.creatorLease });
    const created = outcome === 'created';
    if (created) await this.notifier.recordChanged(record);
    return { record, created };
  }

  /**
   * Stores a copy of a generated license for `toSlackId` (anyone on the team may fetch one; the
   * request's thread says who did) and starts handing it over in the background, under the copy's
   * lease: the same fenced, retried hand-over as the first delivery, so a crash or a Slack failure
   * only delays it (the job runner's pass finishes it). `idempotencyKey` names the click: the same
   * click delivered again stores nothing and sends nothing more. Never generates a new license.
   */
  async requestCopy(
    id: string,
    toSlackId: string,
    idempotencyKey: string,
  ): Promise<{ kind: 'queued'; created: boolean } | { kind: 'not-generated' }> {
    const record = await this.store.getRequest(id);
    if (!record || record.status !== 'generated') return { kind: 'not-generated' };
    // A stopping process stores the copy without a lease and leaves it to another replica's next pass.
    const stopping = this.stopped;
    const { copy, created } = await this.store.requestCopy(
      { requestId: id, toSlackId, idempotencyKey },
      this.now(),
      stopping ? {} : { lease: this.creatorLease },
    );
    if (created && !stopping) void this.sendCopy(copy.id);
    return { kind: 'queued', created };
  }

  /** One hand-over of a copy at a time in this process; its failures are logged (the pass retries). */
  private sendCopy(copyId: string): Promise<void> {
    return this.copying
      .run(copyId, () => this.holding(copyId, (lease) => this.deliverCopyOnce(copyId, lease), this.copyRows))
      .catch((error: unknown) =>
        this.logger.error({ copyId, error: (error as Error).message }, 'license copy hand-over failed; will retry'),
      );
  }

  /**
   * Calls the adapter for a pending request and records the outcome. One run per request at a
   * time: in this process (shared promise) and across replicas (the request's lease). When
   * another replica holds the lease, the stored record is returned as it is: that replica
   * finishes it.
   */
  process(id: string): Promise<LicenseRequestRecord> {
    return this.processClaimed(id, false);
  }

  private processClaimed(id: string, claimed: boolean): Promise<LicenseRequestRecord> {
    return this.inFlight.run(id, async () => {
      if (!claimed && !(await this.store.claimRequest(id, this.lease.owner, this.now(), this.lease.leaseMs))) {
        const record = await this.store.getRequest(id);
        if (!record) throw new Error(`unknown license request ${id}`);
        this.logger.debug(
          { requestId: id, status: record.status },
          'license request held by another replica (or done): not processing it here',
        );
        return record;
      }
      return this.holding(id, (lease) => this.run(id, lease)).catch(async (error: unknown) => {
        // The lease was lost before a side effect: the replica that holds it now finishes the request.
        if (!(error instanceof LeaseLostError)) throw error;
        const record = await this.store.getRequest(id);
        if (!record) throw error;
        return record;
      });
    });
  }

  /**
   * Runs `work` while keeping this process's lease on the request alive, and ends the lease
   * afterwards. The lease is a fence: `work` calls `lease.fence()` right before each side effect,
   * which renews the lease only if this process still holds it and throws otherwise, so work that
   * lost its lease (a database partition longer than the lease, another replica took over) stops
   * before it acts. A loss is logged once; renewal errors once per outage.
   */
  private async holding<T>(
    id: string,
    work: (lease: HeldLease) => Promise<T>,
    rows: LeasedRows = this.requestRows,
  ): Promise<T> {
    let lost = false;
    let failing = false;
    // A graceful stop hands the request over: no further side effect here, the lease is ended.
    this.held.set(id, async () => {
      if (lost) return;
      lost = true;
      clearInterval(renew);
      await rows.release(id, this.lease.owner);
    });
    const markLost = () => {
      if (lost) return;
      lost = true;
      clearInterval(renew);
      this.logger.warn(
        rows.fields(id),
        `lost the lease on a ${rows.what} (another replica may have taken it over): stopping before any further ` +
          'side effect',
      );
    };
    const renewed = (kept: boolean) => {
      if (!kept) return markLost();
      if (failing) this.logger.info(rows.fields(id), `renewing the lease on a ${rows.what} works again`);
      failing = false;
    };
    const renew = setInterval(
      () => {
        if (lost) return;
        rows.renew(id, this.lease.owner, this.now(), this.lease.leaseMs).then(renewed, (error) => {
          if (!failing)
            this.logger.warn(
              { ...rows.fields(id), error: (error as Error).message },
              `could not renew the lease on a ${rows.what}; will retry (logged once until it works again)`,
            );
          failing = true;
        });
      },
      Math.max(50, Math.floor(this.lease.leaseMs / 3)),
    );
    renew.unref();
    const lease: HeldLease = {
      fence: async () => {
        if (lost) throw new LeaseLostError(id);
        let kept: boolean;
        try {
          kept = await rows.renew(id, this.lease.owner, this.now(), this.lease.leaseMs);
        } catch (error) {
          // A store that does not answer cannot confirm the lease: stop rather than act without it.
          this.logger.warn(
            { ...rows.fields(id), error: (error as Error).message },
            `could not confirm the lease on a ${rows.what} (database unreachable): stopping before the next step`,
          );
          throw new LeaseLostError(id);
        }
        renewed(kept);
        if (!kept) throw new LeaseLostError(id);
      },
    };
    try {
      return await work(lease);
    } finally {
      this.held.delete(id);
      clearInterval(renew);
      if (!lost)
        await rows
          .release(id, this.lease.owner)
          .catch((error: unknown) =>
            this.logger.warn(
              { ...rows.fields(id), error: (error as Error).message },
              `could not end the lease on a ${rows.what}; it expires by itself`,
            ),
          );
    }
  }

  /** Retries a failed request; resolves undefined when it was not failed (e.g. a second click). */
  async retry(id: string): Promise<LicenseRequestRecord | undefined> {
    // The claim starts over (a fresh pending without the failed issue): following the failed
    // attempt again would only read the same failure.
    if (!(await this.store.claimRetry(id, this.now()))) return undefined;
    const record = await this.store.getRequest(id);
    if (!record) throw new Error(`unknown license request ${id}`);
    await this.notifier.recordChanged(record);
    return this.process(id);
  }

  /**
   * The job runner's pass (see JobKind), at start and then every poll interval: hands over the
   * licenses whose delivery is due (after a restart or a backoff), and claims the pending requests
   * nobody works on (this process after a restart, or a replica that died and whose lease ran out)
   * and finishes them, so with several replicas each orphaned request is taken over by exactly one
   * of them. Returns how many were claimed; both steps log their own failures.
   */
  async pass(): Promise<number> {
    if (this.stopped) return 0;
    void this.deliverDue();
    void this.deliverCopiesDue();
    return this.claimPending();
  }

  private async claimPending(): Promise<number> {
    const room = this.lease.maxInFlight - this.inFlight.size;
    if (room <= 0) return 0;
    let claimed: LicenseRequestRecord[];
    try {
      claimed = await this.store.claimPendingRequests(this.lease.owner, this.now(), room, this.lease.leaseMs);
    } catch (error) {
      // A store hiccup (e.g. PostgreSQL restarting) must not end the process: the next pass retries.
      this.logger.error({ error: (error as Error).message }, 'claiming pending license requests failed; will retry');
      return 0;
    }
    const orphaned = claimed.filter((record) => !this.inFlight.has(record.id));
    for (const record of orphaned) {
      this.logger.info({ requestId: record.id, heldBefore: record.updatedAt }, 'resuming a pending license request');
      void this.processClaimed(record.id, true).catch((error: unknown) =>
        this.logger.error({ requestId: record.id, error: (error as Error).message }, 'resume failed'),
      );
    }
    return orphaned.length;
  }

  /**
   * Delivers every license whose hand-over is pending and due (after a restart or a backoff) and whose lease is free.
   */
  async deliverDue(): Promise<number> {
    try {
      const due = await this.store.claimDeliveriesDue(this.lease.owner, this.now(), 20, this.lease.leaseMs);
      await Promise.allSettled(
        due.map((record) => this.holding(record.id, (lease) => this.deliverShared(record.id, lease))),
      );
      return due.length;
    } catch (error) {
      // A store hiccup must not end the process: the next pass retries.
      this.logger.error({ error: (error as Error).message }, 'license delivery pass failed; will retry');
      return 0;
    }
  }

  /**
   * Hands over every copy whose hand-over is due (after a restart, a backoff, or a creator that
   * died) and whose lease is free; the ones this process is handing over already are left to it.
   */
  async deliverCopiesDue(): Promise<number> {
    try {
      const due = await this.store.claimCopiesDue(this.lease.owner, this.now(), 20, this.lease.leaseMs);
      await Promise.all(due.map((copy) => this.sendCopy(copy.id)));
      return due.length;
    } catch (error) {
      this.logger.error({ error: (error as Error).message }, 'license copy pass failed; will retry');
      return 0;
    }
  }

  /**
   * Hands a generated license to the engineer, once: concurrent calls share one attempt, a
   * delivery another replica holds is left to it, and a delivered (or given up) record is never
   * sent again.
   */
  async deliver(id: string): Promise<LicenseRequestRecord> {
    const running = this.delivering.get(id);
    if (running) return running;
    if (!(await this.store.claimRequest(id, this.lease.owner, this.now(), this.lease.leaseMs))) {
      const record = await this.store.getRequest(id);
      if (!record) throw new Error(`unknown license request ${id}`);
      return record;
    }
    return this.holding(id, (lease) => this.deliverShared(id, lease));
  }

  /** The hand-over itself, for a caller that holds the lease. */
  private deliverShared(id: string, lease: HeldLease): Promise<LicenseRequestRecord> {
    return this.delivering.run(id, () => this.deliverOnce(id, lease));
  }

  /**
   * For a graceful stop, after settle() had its time: ends the leases of the requests still being
   * worked on (e.g. a GitLab issue still followed), so another replica takes them over at once
   * instead of after REQUEST_LEASE_MS. Their work here stops before its next side effect (its
   * fence fails). A hand-over in the middle of its Slack call keeps its lease: that call ends
   * within SLACK_API_TIMEOUT_MS and the lease after it. Returns how many were handed over.
   */
  async releaseLeases(): Promise<number> {
    const handed = [...this.held].filter(([id]) => !this.delivering.has(id) && !this.copying.has(id));
    const results = await Promise.allSettled(handed.map(([, release]) => release()));
    results.forEach((result, i) => {
      if (result.status === 'rejected')
        this.logger.warn(
          { requestId: handed[i][0], error: (result.reason as Error).message },
          'could not end the lease on a license request at shutdown; it expires by itself',
        );
    });
    const released = results.filter((result) => result.status === 'fulfilled').length;
    if (released > 0)
      this.logger.info({ released }, 'handed license requests still in progress over to other replicas');
    return released;
  }

  /** Waits for the requests being processed now (bounded by the caller). */
  async settle(): Promise<void> {
    this.stopped = true;
    await this.inFlight.settled();
    await this.delivering.settled();
    await this.copying.settled();
  }

  /**
   * One hand-over under the lease: the attempt is marked as started (the fence: only while this
   * process holds the lease), the notifier fences again right before the DM becomes visible, and
   * the outcome is recorded only while the lease is still held. Work that lost its lease stops
   * without sending or writing: the replica that holds it now finishes the request.
   */
  private async deliverOnce(id: string, lease: HeldLease): Promise<LicenseRequestRecord> {
    const record = await this.store.getRequest(id);
    if (!record) throw new Error(`unknown license request ${id}`);
    if (record.status !== 'generated' || record.delivery.status !== 'pending') return record;
    const owner = { owner: this.lease.owner };
    const updated = await this.handOver(
      {
        fields: { requestId: id },
        attempts: record.delivery.attempts,
        start: () => this.store.startDeliveryAttempt(id, this.lease.owner, this.now(), this.lease.leaseMs),
        send: (options) => this.notifier.deliver(record, options),
        record: (outcome) => this.store.recordDelivery(id, outcome, this.now(), owner),
        words: {
          retry: 'license generated but not handed over yet; will retry',
          giveUp: 'license delivery given up',
        },
      },
      lease,
    );
    if (!updated) return (await this.store.getRequest(id)) ?? record;
    await this.notifier.recordChanged(updated);
    // Only the run that recorded the give-up gets here: a later run finds the delivery no longer pending.
    if (updated.status === 'generated' && updated.delivery.status === 'failed') await this.sayGivenUp(updated);
    return updated;
  }

  /** The line that tells whom a given-up hand-over was for (see LicenseNotifier.handOverGivenUp); never throws. */
  private async sayGivenUp(record: GeneratedLicenseRequest, copy?: LicenseCopy): Promise<void> {
    await this.notifier
      .handOverGivenUp?.(record, copy)
      .catch((error: unknown) =>
        this.logger.error(
          { requestId: record.id, ...(copy ? { copyId: copy.id } : {}), error: (error as Error).message },
          'license hand-over given up, and the line in its thread could not be queued',
        ),
      );
  }

  /**
   * One hand-over of a copy under the copy's lease, fenced and recorded like the first delivery;
   * then the line in the request's thread, once it arrived or was given up (keyed by the copy, so
   * a repeat says it once).
   */
  private async deliverCopyOnce(copyId: string, lease: HeldLease): Promise<void> {
    const copy = await this.store.getCopy(copyId);
    if (!copy || copy.delivery.status !== 'pending') return;
    const owner = { owner: this.lease.owner };
    const record = await this.store.getRequest(copy.requestId);
    if (!record || record.status !== 'generated') {
      await lease.fence();
      await this.store.recordCopyDelivery(
        copyId,
        { delivered: false, error: 'the license request has no generated license', nextAttemptAt: null },
        this.now(),
        owner,
      );
      return;
    }
    const updated = await this.handOver(
      {
        fields: { requestId: record.id, copyId },
        attempts: copy.delivery.attempts,
        start: () => this.store.startCopyAttempt(copyId, this.lease.owner, this.now(), this.lease.leaseMs),
        send: (options) => this.notifier.deliver({ ...record, requestedBySlackId: copy.toSlackId }, options),
        record: (outcome) => this.store.recordCopyDelivery(copyId, outcome, this.now(), owner),
        words: { retry: 'license copy not handed over yet; will retry', giveUp: 'license copy given up' },
      },
      lease,
    );
    if (updated?.delivery.status === 'failed') return this.sayGivenUp(record, updated);
    if (updated?.delivery.status !== 'delivered') return;
    await this.notifier
      .copySent?.(record, copy.toSlackId, copyId)
      .catch((error: unknown) =>
        this.logger.warn(
          { requestId: record.id, copyId, error: (error as Error).message },
          'license copy sent, but the line in its thread could not be queued',
        ),
      );
  }

  /**
   * The fenced hand-over shared by the first delivery and its copies: the store's fence marks the
   * send as started right before the DM becomes visible (a crash from there on makes the next copy
   * say it replaces this one), a Slack failure is recorded with `backoff()`, and nothing is sent or
   * written once the lease is lost (undefined then).
   */
  private async handOver<T>(step: HandOver<T>, lease: HeldLease): Promise<T | undefined> {
    const fence = async (): Promise<{ replacesCopyOf?: string }> => {
      let attempt: Awaited<ReturnType<HandOver<T>['start']>>;
      try {
        attempt = await step.start();
      } catch (error) {
        // A store that does not answer cannot confirm the lease: nothing is sent.
        this.logger.warn(
          { ...step.fields, error: (error as Error).message },
          'could not confirm the lease before handing the license over (database unreachable): not sending it',
        );
        throw new LeaseLostError(step.fields.copyId ?? step.fields.requestId);
      }
      if (!attempt.held) throw new LeaseLostError(step.fields.copyId ?? step.fields.requestId);
      if (!attempt.interruptedAt) return {};
      this.logger.warn(
        { ...step.fields, interruptedAt: attempt.interruptedAt },
        'an earlier hand-over of this license was interrupted (it may have arrived): this copy says it replaces it',
      );
      return { replacesCopyOf: attempt.interruptedAt };
    };
    try {
      try {
        await lease.fence();
        await step.send({ fence });
        return await step.record({ delivered: true });
      } catch (error) {
        if (error instanceof LeaseLostError) throw error;
        const message = slackErrorCode(error);
        const attempts = step.attempts + 1;
        const giveUp = attempts >= this.deliveryRetry.maxAttempts;
        const delayMs = backoff(attempts - 1, {
          minMs: this.deliveryRetry.minBackoffMs,
          maxMs: this.deliveryRetry.maxBackoffMs,
        });
        const nextAttemptAt = giveUp ? null : new Date(this.now().getTime() + delayMs);
        this.logger.warn(
          { ...step.fields, attempts, error: truncate(message, MAX_REASON), retryInMs: giveUp ? undefined : delayMs },
          giveUp ? step.words.giveUp : step.words.retry,
        );
        return await step.record({
          delivered: false,
          error: truncate(message, MAX_REASON),
          nextAttemptAt,
          // A timeout or a lost answer may still have delivered it: the next copy says it replaces it.
          mayHaveArrived: !slackRefused(error),
        });
      }
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      this.logger.info(step.fields, 'license hand-over stopped: this process no longer holds the lease');
      return undefined;
    }
  }

  /**
   * Where the adapter keeps its trace, by what the adapter is: the gitlab-issue adapter works
   * in a GitLab issue, the local one writes a file.
   */
  private trace(reference: string | undefined): { issueUrl?: string; licensePath?: string } {
    if (reference === undefined) return {};
    return this.adapter.name === 'gitlab-issue' ? { issueUrl: reference } : { licensePath: reference };
  }

  /** The Mechanizer says whom it licensed; a mismatch must be visible, not silently reported as asked. */
  private async mismatch(id: string, issued: IssuedTo | undefined): Promise<{ issuedToMismatch?: IssuedTo }> {
    const record = issued && (await this.store.getRequest(id));
    if (!issued || !record) return {};
    const same = issued.email.toLowerCase() === record.email.toLowerCase() && issued.userCount === record.userCount;
    return same ? {} : { issuedToMismatch: { email: issued.email, userCount: issued.userCount } };
  }

  private async run(id: string, lease: HeldLease): Promise<LicenseRequestRecord> {
    const record = await this.store.getRequest(id);
    if (!record) throw new Error(`unknown license request ${id}`);
    if (record.status !== 'pending') return record;
    await lease.fence();

    let outcome: LicenseOutcome;
    try {
      outcome = record.issueUrl
        ? await this.adapter.follow(toAdapterRequest(record), record.issueUrl)
        : await this.adapter.request(toAdapterRequest(record));
    } catch (error) {
      // Read in the channel by people: say what failed, not which adapter (the log has that).
      this.logger.warn(
        { requestId: id, adapter: this.adapter.name, error: (error as Error).message },
        'license generation threw',
      );
      outcome = { status: 'failed', reason: `License generation failed: ${(error as Error).message}` };
    }

    if (outcome.status === 'pending') {
      // Remember where to follow it before waiting, so a restart resumes instead of asking twice.
      const following = await this.store.updateRequest(
        id,
        { status: 'pending', issueUrl: outcome.reference },
        this.now(),
      );
      await this.notifier.recordChanged(following);
      try {
        outcome = await this.adapter.follow(toAdapterRequest(following), outcome.reference);
      } catch (error) {
        outcome = {
          status: 'failed',
          reason: `Following the request failed: ${(error as Error).message}`,
          reference: outcome.reference,
        };
      }
    }
    await lease.fence();
    return this.finish(id, outcome, lease);
  }

  /**
   * The failure reason as people read it (the licensing channel, the status modal, App Home,
   * /license-status): the system's own words (a file-system path, `detail`) go to the log only.
   */
  private reasonForPeople(id: string, outcome: FailedLicense): string {
    const reason = withoutPaths(outcome.reason);
    if (reason !== outcome.reason || outcome.detail)
      this.logger.warn(
        { requestId: id, adapter: this.adapter.name, reason: outcome.reason, detail: outcome.detail },
        'license request failed',
      );
    return truncate(reason, MAX_REASON);
  }

  /** Records the outcome; the caller fenced right before (the lease was still this process's). */
  private async finish(
    id: string,
    outcome: GeneratedLicense | Exclude<LicenseOutcome, { status: 'pending' }>,
    lease: HeldLease,
  ): Promise<LicenseRequestRecord> {
    const updated =
      outcome.status === 'generated'
        ? await this.store.updateRequest(
            id,
            {
              status: 'generated',
              trialExpiresOn: outcome.expiresOn,
              ...(outcome.licenseFile !== undefined ? { licenseFile: outcome.licenseFile } : {}),
              ...this.trace(outcome.reference),
              ...(await this.mismatch(id, outcome.issuedTo)),
            },
            this.now(),
          )
        : await this.store.updateRequest(
            id,
            { status: 'failed', failureReason: this.reasonForPeople(id, outcome), ...this.trace(outcome.reference) },
            this.now(),
          );
    await this.notifier.recordChanged(updated);
    if (updated.status !== 'generated') return updated;
    // The delivery became pending in the same write as "generated": hand it over now, under the
    // lease this run holds; a crash here leaves it to deliverDue() (after the restart, or on
    // another replica once the lease ran out).
    return this.deliverShared(id, lease);
  }
}
