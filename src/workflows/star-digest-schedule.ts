import { DateTime } from 'luxon';
import type { CronSchedule } from '../ops/cron-schedule';
import type { JobKind } from '../shared/job-runner';
import { computeStarDigest, digestPeriodEnding, type StarDigest } from '../policy/star-digest';
import type { LifecycleRepository } from '../store/lifecycle-types';
import type { StarDecisionRepository } from '../store/types';

export interface StarDigestScheduleOptions {
  schedule: CronSchedule;
  runs: Pick<LifecycleRepository, 'claimRun' | 'completeRun'>;
  decisions: Pick<StarDecisionRepository, 'listDecisions'>;
  /** Posts the digest under `key` (the outbox: the same key twice updates, never posts twice). */
  publish(key: string, digest: StarDigest): Promise<void>;
  clock: () => Date;
  owner: string;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** A scheduled time missed by at most this much (the bot was down) is still posted, late, once. */
  catchUpMs?: number;
  leaseMs?: number;
  /** How often the job runner checks for a due time (default a minute). */
  everyMs?: number;
}

export const starDigestKey = (scheduledAt: Date) => `star-digest:${scheduledAt.toISOString()}`;

/**
 * Posts the weekly STAR digest at each time of STAR_DIGEST_CRON (UTC), exactly once across
 * replicas: each scheduled time is a run row claimed with a lease (`star-digest:<ISO time>`), and
 * the post goes through the outbox under that same key.
 */
export class StarDigestSchedule implements JobKind {
  readonly name = 'STAR digest';
  readonly everyMs: number;

  constructor(private readonly options: StarDigestScheduleOptions) {
    this.everyMs = options.everyMs ?? 60_000;
  }

  /** The job runner's pass (see JobKind). */
  pass(): Promise<unknown> {
    return this.runOnce();
  }

  /** The latest scheduled time in (now − catch-up, now], if any. */
  latestDue(now: Date): Date | undefined {
    let cursor = new Date(now.getTime() - (this.options.catchUpMs ?? 24 * 3_600_000));
    let latest: Date | undefined;
    for (let i = 0; i < 100_000; i++) {
      const next = this.options.schedule.nextRunAfter(cursor);
      if (!next || next.getTime() > now.getTime()) break;
      latest = next;
      cursor = next;
    }
    return latest;
  }

  /** One check: posts the digest of the latest due time unless it was posted (or is being posted) already. */
  async runOnce(): Promise<{ key: string; posted: boolean } | undefined> {
    const now = this.options.clock();
    const scheduledAt = this.latestDue(now);
    if (!scheduledAt) return undefined;
    const key = starDigestKey(scheduledAt);
    if (!(await this.options.runs.claimRun(key, this.options.owner, now, this.options.leaseMs ?? 5 * 60_000)))
      return { key, posted: false };
    const period = digestPeriodEnding(DateTime.fromJSDate(scheduledAt, { zone: 'utc' }));
    const decisions = await this.options.decisions.listDecisions(period.start.toJSDate());
    const digest = computeStarDigest(decisions, period);
    await this.options.publish(key, digest);
    await this.options.runs.completeRun(key, this.options.owner, this.options.clock());
    this.options.logger.info({ key, total: digest.total, toLabel: digest.toLabel.length }, 'STAR digest posted');
    return { key, posted: true };
  }
}
