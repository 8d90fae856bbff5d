import {
  lifecycleJobId,
  type LifecycleJob,
  type LifecycleJobKind,
  type LifecycleJobOutcome,
  type LifecycleJobs,
} from '../../../src/store/lifecycle-jobs';

interface Row {
  job: LifecycleJob;
  done?: { outcome: LifecycleJobOutcome; at: Date };
  leaseOwner?: string;
  leaseUntil?: number;
}

/**
 * The LifecycleJobs contract in memory, for tests only: the same rules the SQL stores must keep
 * (idempotent schedule, lease-based claim, completion only by the lease holder). Shared between
 * "replicas" and "restarts" by passing the same instance to several schedulers.
 */
export class InMemoryLifecycleJobs implements LifecycleJobs {
  private readonly rows = new Map<string, Row>();

  async schedule(job: { requestId: string; kind: LifecycleJobKind; dueAt: Date }): Promise<LifecycleJob> {
    const id = lifecycleJobId(job.requestId, job.kind);
    const existing = this.rows.get(id);
    if (existing) return { ...existing.job };
    const stored: LifecycleJob = {
      id,
      requestId: job.requestId,
      kind: job.kind,
      dueAt: job.dueAt.toISOString(),
      attempts: 0,
    };
    this.rows.set(id, { job: stored });
    return { ...stored };
  }

  async claimDue(now: Date, leaseMs: number, owner: string, limit: number): Promise<LifecycleJob[]> {
    const t = now.getTime();
    const due = [...this.rows.values()]
      .filter(
        (row) => !row.done && Date.parse(row.job.dueAt) <= t && (row.leaseUntil === undefined || row.leaseUntil <= t),
      )
      .sort((a, b) => Date.parse(a.job.dueAt) - Date.parse(b.job.dueAt) || a.job.id.localeCompare(b.job.id))
      .slice(0, limit);
    for (const row of due) {
      row.leaseOwner = owner;
      row.leaseUntil = t + leaseMs;
    }
    return due.map((row) => ({ ...row.job }));
  }

  private held(id: string, owner: string, now: Date): Row | undefined {
    const row = this.rows.get(id);
    if (!row || row.done || row.leaseOwner !== owner || row.leaseUntil === undefined || row.leaseUntil <= now.getTime())
      return undefined;
    return row;
  }

  async renewLease(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const row = this.held(id, owner, now);
    if (!row) return false;
    row.leaseUntil = now.getTime() + leaseMs;
    return true;
  }

  async complete(id: string, owner: string, outcome: LifecycleJobOutcome, now: Date): Promise<boolean> {
    const row = this.held(id, owner, now);
    if (!row) return false;
    row.done = { outcome, at: now };
    row.leaseOwner = undefined;
    row.leaseUntil = undefined;
    return true;
  }

  async reschedule(id: string, owner: string, dueAt: Date, error: string | undefined, now: Date): Promise<boolean> {
    const row = this.held(id, owner, now);
    if (!row) return false;
    row.job = {
      ...row.job,
      dueAt: dueAt.toISOString(),
      ...(error !== undefined ? { attempts: row.job.attempts + 1, lastError: error } : {}),
    };
    row.leaseOwner = undefined;
    row.leaseUntil = undefined;
    return true;
  }

  /** Test inspection: the job and how it ended. */
  inspect(id: string): { job: LifecycleJob; outcome?: LifecycleJobOutcome } | undefined {
    const row = this.rows.get(id);
    return row ? { job: { ...row.job }, outcome: row.done?.outcome } : undefined;
  }

  size(): number {
    return this.rows.size;
  }
}
