import type { LifecycleEvent, LifecycleEventType } from '../policy/license-lifecycle';
import type { LifecycleJobs } from './lifecycle-jobs';
import type { StarDecisionRecord } from './types';

/**
 * What happened to a request after its license was generated. Derived from the events (the first
 * "resolved" and the first "needs_lr" event count; the store keeps at most one of each), so the
 * resolution and its audit entry can never disagree.
 */
export interface RequestResolution {
  resolvedAt?: string;
  resolvedBySlackId?: string;
  needsLrAt?: string;
  needsLrBySlackId?: string;
  lapsedAt?: string;
}

/** Events a request can have at most once: a re-run after a crash or a second click records nothing new. */
export const ONCE_PER_REQUEST: ReadonlySet<LifecycleEventType> = new Set([
  'reminder_sent',
  'resolved',
  'needs_lr',
  'lapsed',
]);

/**
 * The trial follow-up's durable state (issue 12): the reminder/lapse jobs (claimed with a lease,
 * like the audit outbox), the events on each request, scheduled runs (the weekly digest) and the
 * look-ups of the App Home dashboard. Implemented for SQLite and PostgreSQL; reached as
 * `store.lifecycle`.
 */
export interface LifecycleRepository extends LifecycleJobs {
  /**
   * Records an event. Types in {@link ONCE_PER_REQUEST} are kept once per request (the first one
   * wins); `recorded` is false when one was already there, and `event` is the stored one.
   */
  recordEvent(event: LifecycleEvent): Promise<{ recorded: boolean; event: LifecycleEvent }>;
  /** The request's events, oldest first. */
  listEvents(requestId: string): Promise<LifecycleEvent[]>;
  resolution(requestId: string): Promise<RequestResolution>;
  /**
   * IDs of generated requests without a "resolved" event whose trial ends on or after `sinceDate` (yyyy-mm-dd),
   * soonest first.
   */
  openTrialIds(sinceDate: string, limit: number): Promise<string[]>;
  /** IDs of the requests `slackUserId` made, newest first. */
  requestIdsBy(slackUserId: string, limit: number): Promise<string[]>;
  /** The STAR checks `slackUserId` decided, newest first. */
  decisionsBy(slackUserId: string, limit: number): Promise<StarDecisionRecord[]>;
  /**
   * Takes the scheduled run `key` (e.g. `star-digest:2026-11-30T09:00:00.000Z`) for `owner` until
   * `now + leaseMs`, unless it is done or under another live lease: of several replicas, one runs it.
   */
  claimRun(key: string, owner: string, now: Date, leaseMs: number): Promise<boolean>;
  /** Marks the run done (false when `owner` no longer holds it). */
  completeRun(key: string, owner: string, now: Date): Promise<boolean>;
}

/** The resolution as the events tell it (each type is stored at most once; the earliest counts anyway). */
export function resolutionFromEvents(events: readonly LifecycleEvent[]): RequestResolution {
  const first = (type: LifecycleEventType) =>
    events.filter((e) => e.type === type).sort((a, b) => a.at.localeCompare(b.at))[0];
  const resolved = first('resolved');
  const needsLr = first('needs_lr');
  const lapsed = first('lapsed');
  return {
    ...(resolved ? { resolvedAt: resolved.at, resolvedBySlackId: resolved.bySlackId } : {}),
    ...(needsLr ? { needsLrAt: needsLr.at, needsLrBySlackId: needsLr.bySlackId } : {}),
    ...(lapsed ? { lapsedAt: lapsed.at } : {}),
  };
}
