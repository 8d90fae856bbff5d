import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { LifecycleEvent } from '../../policy/license-lifecycle';
import { lifecycleJobId, type LifecycleJob, type LifecycleJobKind, type LifecycleJobOutcome } from '../lifecycle-jobs';
import {
  ONCE_PER_REQUEST,
  resolutionFromEvents,
  type LifecycleRepository,
  type RequestResolution,
} from '../lifecycle-types';
import type { StarDecisionRecord } from '../types';
import { clampLimit, compareText, count, iso, until, type StoreDb, type Tables } from './db';
import { toEvent, toJob, toStarDecision } from './rows';

/**
 * The trial follow-up state (schema version 5), on either backend. Jobs are claimed as the outbox
 * claims its entries: picked (SKIP LOCKED on PostgreSQL) and leased in one transaction.
 */
export class Lifecycle implements LifecycleRepository {
  private readonly db: Kysely<Tables>;

  constructor(private readonly store: StoreDb) {
    this.db = store.db;
  }

  async schedule(job: { requestId: string; kind: LifecycleJobKind; dueAt: Date }, now: Date): Promise<LifecycleJob> {
    const id = lifecycleJobId(job.requestId, job.kind);
    await this.db
      .insertInto('lifecycle_jobs')
      .values({ id, request_id: job.requestId, kind: job.kind, due_at: iso(job.dueAt), created_at: iso(now) })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return toJob(await this.db.selectFrom('lifecycle_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
  }

  async claimDue(now: Date, leaseMs: number, owner: string, limit: number): Promise<LifecycleJob[]> {
    // Pick and lease in one statement (see StoreDb.skipLocked).
    const rows = await this.db
      .updateTable('lifecycle_jobs')
      .set({ lease_owner: owner, lease_until: until(now, leaseMs) })
      .where(
        'id',
        'in',
        this.store.skipLocked(
          this.db
            .selectFrom('lifecycle_jobs')
            .select('id')
            .where('done_at', 'is', null)
            .where('due_at', '<=', iso(now))
            .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', iso(now))]))
            .orderBy('due_at')
            .orderBy('id')
            .limit(clampLimit(limit)),
        ),
      )
      .returningAll()
      .execute();
    return rows.sort((a, b) => compareText(a.due_at, b.due_at) || compareText(a.id, b.id)).map(toJob);
  }

  /** The job `id` while `owner` still holds its live lease. */
  private leased(id: string, owner: string, now: Date) {
    return this.db
      .updateTable('lifecycle_jobs')
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('done_at', 'is', null)
      .where('lease_until', '>', iso(now));
  }

  async renewLease(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const result = await this.leased(id, owner, now)
      .set({ lease_until: until(now, leaseMs) })
      .executeTakeFirst();
    return count(result) === 1;
  }

  async complete(id: string, owner: string, outcome: LifecycleJobOutcome, now: Date): Promise<boolean> {
    const result = await this.leased(id, owner, now)
      .set({ done_at: iso(now), outcome, lease_owner: null, lease_until: null })
      .executeTakeFirst();
    return count(result) === 1;
  }

  async reschedule(id: string, owner: string, dueAt: Date, error: string | undefined, now: Date): Promise<boolean> {
    const result = await this.leased(id, owner, now)
      .set((eb) => ({
        due_at: iso(dueAt),
        lease_owner: null,
        lease_until: null,
        // A retry after an error counts; a job claimed before its time does not.
        ...(error !== undefined ? { attempts: eb('attempts', '+', 1), last_error: error } : {}),
      }))
      .executeTakeFirst();
    return count(result) === 1;
  }

  async recordEvent(event: LifecycleEvent): Promise<{ recorded: boolean; event: LifecycleEvent }> {
    const onceKey = ONCE_PER_REQUEST.has(event.type) ? event.type : null;
    const result = await this.db
      .insertInto('lifecycle_events')
      .values({
        id: randomUUID(),
        request_id: event.requestId,
        type: event.type,
        at: event.at,
        by_slack_id: event.bySlackId ?? null,
        late_by_ms: event.lateByMs ?? null,
        once_key: onceKey,
      })
      .onConflict((oc) => oc.columns(['request_id', 'once_key']).doNothing())
      .executeTakeFirst();
    if (count(result) === 1 || onceKey === null) return { recorded: true, event };
    const stored = await this.db
      .selectFrom('lifecycle_events')
      .selectAll()
      .where('request_id', '=', event.requestId)
      .where('once_key', '=', onceKey)
      .executeTakeFirstOrThrow();
    return { recorded: false, event: toEvent(stored) };
  }

  async listEvents(requestId: string): Promise<LifecycleEvent[]> {
    const rows = await this.db
      .selectFrom('lifecycle_events')
      .selectAll()
      .where('request_id', '=', requestId)
      .orderBy('at')
      .orderBy(this.store.seq)
      .execute();
    return rows.map(toEvent);
  }

  async resolution(requestId: string): Promise<RequestResolution> {
    return resolutionFromEvents(await this.listEvents(requestId));
  }

  async openTrialIds(sinceDate: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('license_requests as r')
      .select('r.id')
      .where('r.status', '=', 'generated')
      .where('r.trial_expires_on', '>=', sinceDate)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('lifecycle_events as e')
              .select(sql`1`.as('one'))
              .whereRef('e.request_id', '=', 'r.id')
              .where('e.type', '=', 'resolved'),
          ),
        ),
      )
      .orderBy('r.trial_expires_on')
      .orderBy('r.id')
      .limit(clampLimit(limit))
      .execute();
    return rows.map((row) => row.id);
  }

  async requestIdsBy(slackUserId: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('license_requests')
      .select('id')
      .where('requested_by_slack_id', '=', slackUserId)
      .orderBy('created_at', 'desc')
      .orderBy(this.store.seq, 'desc')
      .limit(clampLimit(limit))
      .execute();
    return rows.map((row) => row.id);
  }

  async decisionsBy(slackUserId: string, limit: number): Promise<StarDecisionRecord[]> {
    const rows = await this.db
      .selectFrom('star_decisions')
      .selectAll()
      .where('decided_by_slack_id', '=', slackUserId)
      .orderBy('created_at', 'desc')
      .orderBy(this.store.seq, 'desc')
      .limit(clampLimit(limit))
      .execute();
    return rows.map(toStarDecision);
  }

  async claimRun(key: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .insertInto('scheduled_runs')
      .values({ key, lease_owner: owner, lease_until: until(now, leaseMs), created_at: iso(now) })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet((eb) => ({
            lease_owner: eb.ref('excluded.lease_owner'),
            lease_until: eb.ref('excluded.lease_until'),
          }))
          .where('scheduled_runs.done_at', 'is', null)
          .where((eb) =>
            eb.or([eb('scheduled_runs.lease_until', 'is', null), eb('scheduled_runs.lease_until', '<=', iso(now))]),
          ),
      )
      .executeTakeFirst();
    return count(result) === 1;
  }

  async completeRun(key: string, owner: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('scheduled_runs')
      .set({ done_at: iso(now), lease_owner: null, lease_until: null })
      .where('key', '=', key)
      .where('lease_owner', '=', owner)
      .where('done_at', 'is', null)
      .where('lease_until', '>', iso(now))
      .executeTakeFirst();
    return count(result) === 1;
  }
}
