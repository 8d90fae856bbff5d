import type { LifecycleJobKind, TrialRequest } from '../policy/license-lifecycle';
import type { LicenseRequestRecord } from './types';

export type { LifecycleJobKind } from '../policy/license-lifecycle';

/**
 * Durable follow-up jobs of a generated trial: one 'reminder' and one 'lapse' per request. They are
 * rows in the store (SQLite or PostgreSQL), claimed with a lease like the audit outbox, so that
 * with several replicas each job is run by one of them, and a replica that dies mid-job hands it
 * over when its lease expires.
 */
export interface LifecycleJob {
  /** Stable: `${requestId}:${kind}`, so scheduling the same job twice is harmless. */
  id: string;
  requestId: string;
  kind: LifecycleJobKind;
  /** ISO instant at or after which the job may be claimed. */
  dueAt: string;
  /** Failed runs so far (for the retry backoff). */
  attempts: number;
  lastError?: string;
}

/** How a job ended: its effect ran, or the request no longer needed it (resolved, refused, …). */
export type LifecycleJobOutcome = 'fired' | 'skipped';

export const lifecycleJobId = (requestId: string, kind: LifecycleJobKind) => `${requestId}:${kind}`;

export interface LifecycleJobs {
  /**
   * Inserts the job unless one with the same ID exists (then it is left as it is, done or not)
   * and returns the stored job. SQL: `INSERT … ON CONFLICT (id) DO NOTHING`, then select.
   */
  schedule(job: { requestId: string; kind: LifecycleJobKind; dueAt: Date }, now: Date): Promise<LifecycleJob>;
  /**
   * Leases up to `limit` jobs that are not done, are due at or before `now`, and are not under
   * a live lease (none, or `lease_until <= now`), oldest due first, to `owner` until
   * `now + leaseMs`. Atomic across replicas (PostgreSQL: `FOR UPDATE SKIP LOCKED` in the same
   * statement as the update; SQLite: one immediate transaction).
   */
  claimDue(now: Date, leaseMs: number, owner: string, limit: number): Promise<LifecycleJob[]>;
  /** Extends `owner`'s live lease on the job (the fence before its effect); false when it was lost. */
  renewLease(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean>;
  /** Marks the job done if `owner` still holds its lease; false when the lease was lost. */
  complete(id: string, owner: string, outcome: LifecycleJobOutcome, now: Date): Promise<boolean>;
  /**
   * Gives the job back with a new due time, releasing the lease: a retry after `error` (counted
   * in `attempts`), or a job claimed before its time (no error). False when the lease was lost.
   */
  reschedule(id: string, owner: string, dueAt: Date, error: string | undefined, now: Date): Promise<boolean>;
}

/** The request fields the scheduler and the reminder need; a LicenseRequestRecord plus `resolvedAt` fits. */
export type LifecycleRequest = TrialRequest &
  Pick<LicenseRequestRecord, 'ticketUrl' | 'email' | 'userCount' | 'requestedBySlackId'>;

export interface LifecycleRequestReader {
  /** The request as it is now (read at fire time, so a resolution or a refusal is always seen). */
  getLifecycleRequest(requestId: string): Promise<LifecycleRequest | undefined>;
}
