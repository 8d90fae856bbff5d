import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { isLifecycleEventType, type LifecycleEvent } from '../../policy/license-lifecycle';
import { lifecycleJobId, type LifecycleJob, type LifecycleJobKind, type LifecycleJobOutcome } from '../lifecycle-jobs';
import {
  ONCE_PER_REQUEST,
  resolutionFromEvents,
  type LifecycleRepository,
  type RequestResolution,
} from '../lifecycle-types';
import type { StarDecisionRecord } from '../types';

interface JobRow {
  id: string;
  request_id: string;
  kind: LifecycleJobKind;
  due_at: string;
  attempts: number;
  last_error: string | null;
}

interface EventRow {
  request_id: string;
  type: string;
  at: string;
  by_slack_id: string | null;
  late_by_ms: number | null;
}

interface DecisionRow {
  id: string;
  ticket_url: string;
  decided_by_slack_id: string;
  verdict: string;
  inputs: string;
  created_at: string;
}

const iso = (d: Date) => d.toISOString();
const clamp = (n: number) => (Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0);

const toJob = (row: JobRow): LifecycleJob => ({
  id: row.id,
  requestId: row.request_id,
  kind: row.kind,
  dueAt: row.due_at,
  attempts: row.attempts,
  ...(row.last_error != null ? { lastError: row.last_error } : {}),
});

function toEvent(row: EventRow): LifecycleEvent {
  if (!isLifecycleEventType(row.type)) throw new Error(`unknown lifecycle event type in the store: ${row.type}`);
  return {
    requestId: row.request_id,
    type: row.type,
    at: row.at,
    ...(row.by_slack_id != null ? { bySlackId: row.by_slack_id } : {}),
    ...(row.late_by_ms != null ? { lateByMs: row.late_by_ms } : {}),
  };
}

const toDecision = (row: DecisionRow): StarDecisionRecord => ({
  id: row.id,
  ticketUrl: row.ticket_url,
  decidedBySlackId: row.decided_by_slack_id,
  verdict: row.verdict,
  inputs: JSON.parse(row.inputs) as Record<string, unknown>,
  createdAt: row.created_at,
});

/**
 * The trial follow-up state in the embedded SQLite database (schema version 4). Timestamps are
 * ISO strings with milliseconds and `Z`, so text comparison is time order. Leases are taken in an
 * IMMEDIATE transaction (the write lock), so two processes on one file never claim the same job.
 */
export class SqliteLifecycleRepository implements LifecycleRepository {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      insertJob: db.prepare(
        `INSERT INTO lifecycle_jobs (id, request_id, kind, due_at, created_at) VALUES (?, ?, ?, ?, ?) ON ` +
          `CONFLICT (id) DO NOTHING`,
      ),
      getJob: db.prepare('SELECT * FROM lifecycle_jobs WHERE id = ?'),
      claimable: db.prepare(
        `SELECT * FROM lifecycle_jobs WHERE done_at IS NULL AND due_at <= ? AND (lease_until IS NULL OR ` +
          `lease_until <= ?)
         ORDER BY due_at, id LIMIT ?`,
      ),
      lease: db.prepare('UPDATE lifecycle_jobs SET lease_owner = ?, lease_until = ? WHERE id = ?'),
      complete: db.prepare(
        `UPDATE lifecycle_jobs SET done_at = @now, outcome = @outcome, lease_owner = NULL, lease_until = NULL
         WHERE id = @id AND lease_owner = @owner AND done_at IS NULL AND lease_until > @now`,
      ),
      reschedule: db.prepare(
        `UPDATE lifecycle_jobs SET due_at = @due_at,
           attempts = attempts + (CASE WHEN @error IS NULL THEN 0 ELSE 1 END),
           last_error = COALESCE(@error, last_error), lease_owner = NULL, lease_until = NULL
         WHERE id = @id AND lease_owner = @owner AND done_at IS NULL AND lease_until > @now`,
      ),
      insertEvent: db.prepare(
        `INSERT INTO lifecycle_events (id, request_id, type, at, by_slack_id, late_by_ms, once_key) VALUES (?, ` +
          `?, ?, ?, ?, ?, ?)
         ON CONFLICT (request_id, once_key) DO NOTHING`,
      ),
      onceEvent: db.prepare('SELECT * FROM lifecycle_events WHERE request_id = ? AND once_key = ?'),
      events: db.prepare('SELECT * FROM lifecycle_events WHERE request_id = ? ORDER BY at, rowid'),
      openTrials: db.prepare(
        `SELECT r.id FROM license_requests r
         WHERE r.status = 'generated' AND r.trial_expires_on >= ?
           AND NOT EXISTS (SELECT 1 FROM lifecycle_events e WHERE e.request_id = r.id AND e.type = 'resolved')
         ORDER BY r.trial_expires_on, r.id LIMIT ?`,
      ),
      requestsBy: db.prepare(
        'SELECT id FROM license_requests WHERE requested_by_slack_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?',
      ),
      decisionsBy: db.prepare(
        'SELECT * FROM star_decisions WHERE decided_by_slack_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?',
      ),
      claimRun: db.prepare(
        `INSERT INTO scheduled_runs (key, lease_owner, lease_until, created_at) VALUES (@key, @owner, @until, ` +
          `@now)
         ON CONFLICT (key) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
         WHERE scheduled_runs.done_at IS NULL AND (scheduled_runs.lease_until IS NULL OR ` +
          `scheduled_runs.lease_until <= @now)`,
      ),
      completeRun: db.prepare(
        `UPDATE scheduled_runs SET done_at = @now, lease_owner = NULL, lease_until = NULL
         WHERE key = @key AND lease_owner = @owner AND done_at IS NULL AND lease_until > @now`,
      ),
    };
  }

  async schedule(job: { requestId: string; kind: LifecycleJobKind; dueAt: Date }, now: Date): Promise<LifecycleJob> {
    const id = lifecycleJobId(job.requestId, job.kind);
    this.stmt.insertJob.run(id, job.requestId, job.kind, iso(job.dueAt), iso(now));
    return toJob(this.stmt.getJob.get(id) as JobRow);
  }

  async claimDue(now: Date, leaseMs: number, owner: string, limit: number): Promise<LifecycleJob[]> {
    const at = iso(now);
    const until = iso(new Date(now.getTime() + Math.max(0, leaseMs)));
    // IMMEDIATE: pick and lease under the write lock, as the outbox's claimDue does.
    const claim = this.db.transaction((): JobRow[] => {
      const rows = this.stmt.claimable.all(at, at, clamp(limit)) as JobRow[];
      for (const row of rows) this.stmt.lease.run(owner, until, row.id);
      return rows;
    });
    return claim.immediate().map(toJob);
  }

  async complete(id: string, owner: string, outcome: LifecycleJobOutcome, now: Date): Promise<boolean> {
    return this.stmt.complete.run({ id, owner, outcome, now: iso(now) }).changes === 1;
  }

  async reschedule(id: string, owner: string, dueAt: Date, error: string | undefined, now: Date): Promise<boolean> {
    return (
      this.stmt.reschedule.run({ id, owner, due_at: iso(dueAt), error: error ?? null, now: iso(now) }).changes === 1
    );
  }

  async recordEvent(event: LifecycleEvent): Promise<{ recorded: boolean; event: LifecycleEvent }> {
    const onceKey = ONCE_PER_REQUEST.has(event.type) ? event.type : null;
    const changes = this.stmt.insertEvent.run(
      randomUUID(),
      event.requestId,
      event.type,
      event.at,
      event.bySlackId ?? null,
      event.lateByMs ?? null,
      onceKey,
    ).changes;
    if (changes === 1 || onceKey === null) return { recorded: true, event };
    return { recorded: false, event: toEvent(this.stmt.onceEvent.get(event.requestId, onceKey) as EventRow) };
  }

  async listEvents(requestId: string): Promise<LifecycleEvent[]> {
    return (this.stmt.events.all(requestId) as EventRow[]).map(toEvent);
  }

  async resolution(requestId: string): Promise<RequestResolution> {
    return resolutionFromEvents(await this.listEvents(requestId));
  }

  async openTrialIds(sinceDate: string, limit: number): Promise<string[]> {
    return (this.stmt.openTrials.all(sinceDate, clamp(limit)) as { id: string }[]).map((row) => row.id);
  }

  async requestIdsBy(slackUserId: string, limit: number): Promise<string[]> {
    return (this.stmt.requestsBy.all(slackUserId, clamp(limit)) as { id: string }[]).map((row) => row.id);
  }

  async decisionsBy(slackUserId: string, limit: number): Promise<StarDecisionRecord[]> {
    return (this.stmt.decisionsBy.all(slackUserId, clamp(limit)) as DecisionRow[]).map(toDecision);
  }

  async claimRun(key: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const until = iso(new Date(now.getTime() + Math.max(0, leaseMs)));
    return this.stmt.claimRun.run({ key, owner, until, now: iso(now) }).changes === 1;
  }

  async completeRun(key: string, owner: string, now: Date): Promise<boolean> {
    return this.stmt.completeRun.run({ key, owner, now: iso(now) }).changes === 1;
  }
}
