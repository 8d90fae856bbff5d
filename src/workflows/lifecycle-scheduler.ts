import { backoff } from '../shared/job-runner';
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
import type { LifecycleJob, LifecycleJobs, LifecycleRequest, LifecycleRequestReader } from '../store/lifecycle-jobs';

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
  /** Delay before retrying a job whose effect failed, by the number of failures so far. */
  retryDelayMs?: (attempts: number) => number;
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
const defaultRetryDelay = (attempts: number) => backoff(attempts, { minMs: MINUTE, maxMs: 60 * MINUTE });
const silent: LifecycleSchedulerLogger = { info: () => undefined, warn: () => undefined };

/**
 * Runs the reminders and lapses of generated trials. `runOnce` is the whole job (claim what is
 * due, decide against the request as it is now, fire, complete); LicenseLifecycle calls it on its timer.
 * State lives in `jobs`, so a new instance after a restart picks up where the old one stopped,
 * and a job missed while the bot was down fires late, once.
 */
export class LifecycleScheduler {
  private readonly leadHours: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly lateAfterMs: number;
  private readonly retryDelayMs: (attempts: number) => number;
  private readonly logger: LifecycleSchedulerLogger;

  constructor(private readonly options: LifecycleSchedulerOptions) {
    this.leadHours = options.leadHours ?? DEFAULT_REMINDER_LEAD_HOURS;
    this.leaseMs = options.leaseMs ?? 5 * MINUTE;
    this.batchSize = options.batchSize ?? 20;
    this.lateAfterMs = options.lateAfterMs ?? DEFAULT_LATE_AFTER_MS;
    this.retryDelayMs = options.retryDelayMs ?? defaultRetryDelay;
    this.logger = options.logger ?? silent;
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
    const claimedAt = this.options.clock();
    const claimed = await this.options.jobs.claimDue(claimedAt, this.leaseMs, this.options.owner, this.batchSize);
    const results: LifecycleRunResult[] = [];
    for (const job of claimed) results.push(await this.runJob(job));
    return results;
  }

  private async runJob(job: LifecycleJob): Promise<LifecycleRunResult> {
    const { jobs, owner } = this.options;
    const base = { jobId: job.id, requestId: job.requestId, kind: job.kind };
    try {
      const request = await this.options.requests.getLifecycleRequest(job.requestId);
      const now = this.now();
      if (!request) {
        await jobs.complete(job.id, owner, 'skipped', now.toJSDate());
        return { ...base, result: 'skipped', detail: 'request_not_found' };
      }
      const decision = decideJob(
        { kind: job.kind, dueAt: DateTime.fromISO(job.dueAt, { zone: 'utc' }) },
        request,
        now,
        this.lateAfterMs,
      );
      if (decision.action === 'skip') {
        const completed = await jobs.complete(job.id, owner, 'skipped', now.toJSDate());
        return { ...base, result: completed ? 'skipped' : 'lease_lost', detail: decision.reason };
      }
      if (decision.action === 'wait') {
        const given = await jobs.reschedule(job.id, owner, decision.until.toJSDate(), undefined, now.toJSDate());
        return { ...base, result: given ? 'waiting' : 'lease_lost', detail: decision.until.toISO() ?? undefined };
      }
      const context: LifecycleFireContext = {
        dueAt: job.kind === 'lapse' ? decision.lapseAt : DateTime.fromISO(job.dueAt, { zone: 'utc' }),
        lapseAt: decision.lapseAt,
        lateness: decision.lateness,
        now,
      };
      if (job.kind === 'reminder') await this.options.effects.sendReminder(request, context);
      else await this.options.effects.markLapsed(request, context);
      const completed = await jobs.complete(job.id, owner, 'fired', this.options.clock());
      // The effect ran but another replica holds the job now: it will find the effect done (idempotent).
      if (!completed) this.logger.warn({ ...base }, 'lifecycle job lease lost after its effect ran');
      else
        this.logger.info(
          { ...base, late: decision.lateness.late, lateByMs: decision.lateness.byMs },
          `lifecycle ${job.kind} fired`,
        );
      return { ...base, result: completed ? 'fired' : 'lease_lost', lateByMs: decision.lateness.byMs };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const retryAt = new Date(this.options.clock().getTime() + this.retryDelayMs(job.attempts + 1));
      this.logger.warn(
        { ...base, err: message, retryAt: retryAt.toISOString() },
        'lifecycle job failed; retrying later',
      );
      await jobs.reschedule(job.id, owner, retryAt, message, this.options.clock()).catch(() => undefined);
      return { ...base, result: 'failed', detail: message };
    }
  }
}
