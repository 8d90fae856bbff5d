import type { JobKind } from '../shared/job-runner';
import type { LicenseRequestRecord, LicenseRequestRepository } from '../store';

/** How far back a repair looks, and how many requests it reads per pass. */
export const REPAIR_HORIZON_MS = 24 * 60 * 60_000;
const REPAIR_LIMIT = 500;
/** The first pass waits until the bot has started and answers Slack: a repair is never urgent to the second. */
const FIRST_PASS_AFTER_MS = 5_000;

export interface RecentRequestsRepairDeps {
  requests: Pick<LicenseRequestRepository, 'createdSince'>;
  everyMs: number;
  now?: () => Date;
}

/**
 * The job runner's kinds that close the gap between a request's stored state and what that state
 * makes the bot say (a ticket note, a Slack line): it is queued right after the change, not in the
 * same transaction, so a crash in between would lose it, and nothing resumes a state that is no
 * longer pending. Each pass (the first a few seconds after start) queues again what each recent request's state
 * calls for; a kind queues only what is missing, so a repeat adds nothing.
 */
export abstract class RecentRequestsRepair implements JobKind {
  abstract readonly name: string;
  readonly everyMs: number;
  readonly firstPassAfterMs = FIRST_PASS_AFTER_MS;
  private readonly now: () => Date;

  constructor(private readonly recent: RecentRequestsRepairDeps) {
    this.everyMs = recent.everyMs;
    this.now = recent.now ?? (() => new Date());
  }

  /** How many messages the pass queued. */
  async pass(): Promise<number> {
    const since = new Date(this.now().getTime() - REPAIR_HORIZON_MS);
    let queued = 0;
    for (const record of await this.recent.requests.createdSince(since, REPAIR_LIMIT))
      queued += await this.repair(record);
    return queued;
  }

  /** Queues what `record`'s state calls for and is missing; answers how many it queued. */
  protected abstract repair(record: LicenseRequestRecord): Promise<number>;
}
