import { DateTime } from 'luxon';
import {
  decideJob,
  DEFAULT_LATE_AFTER_MS,
  DEFAULT_REMINDER_LEAD_HOURS,
  lifecycleEligibility,
  planLifecycle,
  type Lateness,
  type LifecycleJobKind,
} from '../policy/license-lifecycle';
import { LeasedJobKind, type BackoffBounds, type LeasedJobs, type Settled } from '../shared/job-runner';
import type {
  LifecycleJob,
  LifecycleJobOutcome,
  LifecycleJobs,
  LifecycleRequest,
  LifecycleRequestReader,
} from '../store/lifecycle-jobs';

export interface LifecycleFireContext {
  /** When the job was due (the lapse: 00:00 UTC on the trial's expiry date). */
  dueAt: DateTime;
  lapseAt: DateTime;
  lateness: Lateness;
  now: DateTime;
}

/**
 * What a fired job does: post/update Slack messages and record the event on the request. The
 * scheduler completes a job only after its effect returned, so an effect must be idempotent by
 * request (e.g. the outbox key `license-reminder:<id>`): if a replica dies between the effect and
 * the completion, the job runs again on another replica after the lease, and must not post twice.
 */
export interface LifecycleEffects {
  sendReminder(request: LifecycleRequest, context: LifecycleFireContext): Promise<void>;
  markLapsed(request: LifecycleRequest, context: LifecycleFireContext): Promise<void>;
}

export interface LifecycleSchedulerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface LifecycleSchedulerOptions {
  jobs: LifecycleJobs;
  requests: LifecycleRequestReader;
  effects: LifecycleEffects;
  clock: () => Date;
  /** This replica's name in leases (host name + process ID, say). */
  owner: string;
  /** LICENSE_REMINDER_HOURS. */
  leadHours?: number;
  /** Longer than any effect takes: a lease that expires mid-effect lets another replica run it too. */
  leaseMs?: number;
  batchSize?: number;
  lateAfterMs?: number;
  /** The backoff before retrying a job whose effect failed (default: 2 minutes, doubling up to an hour). */
  retry?: BackoffBounds;
  /** How often the job runner looks for due jobs. */
  everyMs?: number;
  logger?: LifecycleSchedulerLogger;
}

export interface LifecycleRunResult {
  jobId: string;
  requestId: string;
  kind: LifecycleJobKind;
  result: 'fired' | 'skipped' | 'waiting' | 'failed' | 'lease_lost';
  detail?: string;
  lateByMs?: number;
}

const MINUTE = 60_000;
const silent: LifecycleSchedulerLogger = { info: () => undefined, warn: () => undefined };

/** What one job came to (the lateness of a fired one, why a skipped one was skipped). */
type JobRun = { done: 'skipped'; detail: string } | { done: 'fired'; lateness: Lateness } | { wait: Date };

/** The lifecycle jobs table behind the job runner's leased-jobs contract. */
const leasedLifecycleJobs = (jobs: LifecycleJobs): LeasedJobs<LifecycleJob, LifecycleJobOutcome> => ({
  claimDue: (owner, now, limit, leaseMs) => jobs.claimDue(now, leaseMs, owner, limit),
  renewLease: (job, owner, now, leaseMs) => jobs.renewLease(job.id, owner, now, leaseMs),
  complete: (job, owner, outcome, now) => jobs.complete(job.id, owner, outcome, now),
  reschedule: (job, owner, at, reason, now) => jobs.reschedule(job.id, owner, at, reason, now),
  attempts: (job) => job.attempts,
});

/**
 * Runs the reminders and lapses of generated trials. `runOnce` is the whole job (claim what is
 * due, decide against the request as it is now, fire fenced, complete); LicenseLifecycle calls it
 * on its timer. State lives in `jobs`, so a new instance after a restart picks up where the old
 * one stopped, and a job missed while the bot was down fires late, once.
 */
export class LifecycleScheduler {
  readonly everyMs: number;
  private readonly leadHours: number;
  private readonly lateAfterMs: number;
  private readonly logger: LifecycleSchedulerLogger;
  private readonly kind: LeasedJobKind<LifecycleJob, LifecycleJobOutcome, JobRun>;

  constructor(private readonly options: LifecycleSchedulerOptions) {
    this.leadHours = options.leadHours ?? DEFAULT_REMINDER_LEAD_HOURS;
    this.lateAfterMs = options.lateAfterMs ?? DEFAULT_LATE_AFTER_MS;
    this.logger = options.logger ?? silent;
    this.everyMs = options.everyMs ?? 30_000;
    const batchSize = options.batchSize ?? 20;
    this.kind = new LeasedJobKind({
      name: 'lifecycle jobs',
      everyMs: this.everyMs,
      jobs: leasedLifecycleJobs(options.jobs),
      owner: options.owner,
      leaseMs: options.leaseMs ?? 5 * MINUTE,
      clock: options.clock,
      batch: { claim: batchSize, perPass: batchSize },
      retry: options.retry ?? { minMs: 2 * MINUTE, maxMs: 60 * MINUTE },
      run: (job, fence) => this.runJob(job, fence),
    });
  }

  private now(): DateTime {
    return DateTime.fromJSDate(this.options.clock(), { zone: 'utc' });
  }

  /**
   * Schedules the reminder and the lapse of a request that has just been generated. Harmless to
   * call again (same job IDs); does nothing for a request that is not a generated, open trial.
   */
  async track(
    request: LifecycleRequest,
    generatedAt: DateTime = this.now(),
  ): Promise<{ reminder: LifecycleJob; lapse: LifecycleJob } | undefined> {
    const eligibility = lifecycleEligibility(request);
    if (!eligibility.eligible) return undefined;
    const since = request.generatedAt ? DateTime.fromISO(request.generatedAt, { zone: 'utc' }) : generatedAt;
    const plan = planLifecycle(eligibility.expiresOn, this.leadHours, since.isValid ? since : generatedAt);
    const now = this.options.clock();
    const reminder = await this.options.jobs.schedule(
      { requestId: request.id, kind: 'reminder', dueAt: plan.reminderDueAt.toJSDate() },
      now,
    );
    const lapse = await this.options.jobs.schedule(
      { requestId: request.id, kind: 'lapse', dueAt: plan.lapseAt.toJSDate() },
      now,
    );
    return { reminder, lapse };
  }

  /** One pass: claims the due jobs and runs them one by one. */
  async runOnce(): Promise<LifecycleRunResult[]> {
    return (await this.kind.pass()).map((settled) => this.result(settled));
  }

  private async runJob(job: LifecycleJob, fence: () => Promise<void>): Promise<JobRun> {
    const request = await this.options.requests.getLifecycleRequest(job.requestId);
    const now = this.now();
    if (!request) return { done: 'skipped', detail: 'request_not_found' };
    const decision = decideJob(
      { kind: job.kind, dueAt: DateTime.fromISO(job.dueAt, { zone: 'utc' }) },
      request,
      now,
      this.lateAfterMs,
    );
    if (decision.action === 'skip') return { done: 'skipped', detail: decision.reason };
    if (decision.action === 'wait') return { wait: decision.until.toJSDate() };
    const context: LifecycleFireContext = {
      dueAt: job.kind === 'lapse' ? decision.lapseAt : DateTime.fromISO(job.dueAt, { zone: 'utc' }),
      lapseAt: decision.lapseAt,
      lateness: decision.lateness,
      now,
    };
    await fence();
    if (job.kind === 'reminder') await this.options.effects.sendReminder(request, context);
    else await this.options.effects.markLapsed(request, context);
    return { done: 'fired', lateness: decision.lateness };
  }

  /** The job's result as the caller reads it, logged. */
  private result(settled: Settled<LifecycleJob, JobRun>): LifecycleRunResult {
    const { job } = settled;
    const base = { jobId: job.id, requestId: job.requestId, kind: job.kind };
    if (settled.ended === 'lost') {
      this.logger.warn(base, 'lifecycle job lost its lease before its effect; another replica has it');
      return { ...base, result: 'lease_lost' };
    }
    if (settled.ended === 'threw') {
      this.logger.warn(
        { ...base, err: settled.error, retryAt: settled.retryAt.toISOString() },
        'lifecycle job failed; retrying later',
      );
      return { ...base, result: 'failed', detail: settled.error };
    }
    const { outcome, recorded } = settled;
    if ('wait' in outcome)
      return { ...base, result: recorded ? 'waiting' : 'lease_lost', detail: outcome.wait.toISOString() };
    if (outcome.done === 'skipped')
      return { ...base, result: recorded ? 'skipped' : 'lease_lost', detail: outcome.detail };
    // The effect ran but another replica holds the job now: it will find the effect done (idempotent).
    if (!recorded) this.logger.warn(base, 'lifecycle job lease lost after its effect ran');
    else
      this.logger.info(
        { ...base, late: outcome.lateness.late, lateByMs: outcome.lateness.byMs },
        `lifecycle ${job.kind} fired`,
      );
    return { ...base, result: recorded ? 'fired' : 'lease_lost', lateByMs: outcome.lateness.byMs };
  }
}
