import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { isLifecycleEventType, type LifecycleEvent } from '../../policy/license-lifecycle';
import { lifecycleJobId, type LifecycleJob, type LifecycleJobKind, type LifecycleJobOutcome } from '../lifecycle-jobs';
import {
  ONCE_PER_REQUEST,
  resolutionFromEvents,
  type LifecycleRepository,
  type RequestResolution,
} from '../lifecycle-types';
import type { StarDecisionRecord } from '../types';

/** Rows as node-postgres returns them: timestamptz as Date, bigint as string, jsonb parsed. */
interface PgJobRow {
  id: string;
  request_id: string;
  kind: LifecycleJobKind;
  due_at: Date;
  attempts: number;
  last_error: string | null;
}

interface PgEventRow {
  request_id: string;
  type: string;
  at: Date;
  by_slack_id: string | null;
  late_by_ms: string | number | null;
}

interface PgDecisionRow {
  id: string;
  ticket_url: string;
  decided_by_slack_id: string;
  verdict: string;
  inputs: Record<string, unknown>;
  created_at: Date;
}

const iso = (d: Date) => d.toISOString();
const clamp = (n: number) => (Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0);

const toJob = (row: PgJobRow): LifecycleJob => ({
  id: row.id,
  requestId: row.request_id,
  kind: row.kind,
  dueAt: iso(row.due_at),
  attempts: row.attempts,
  ...(row.last_error != null ? { lastError: row.last_error } : {}),
});

function toEvent(row: PgEventRow): LifecycleEvent {
  if (!isLifecycleEventType(row.type)) throw new Error(`unknown lifecycle event type in the store: ${row.type}`);
  return {
    requestId: row.request_id,
    type: row.type,
    at: iso(row.at),
    ...(row.by_slack_id != null ? { bySlackId: row.by_slack_id } : {}),
    ...(row.late_by_ms != null ? { lateByMs: Number(row.late_by_ms) } : {}),
  };
}

/**
 * The trial follow-up state in PostgreSQL (schema version 4), shared by every replica. Jobs are
 * claimed as the outbox claims its entries: `FOR UPDATE SKIP LOCKED` in the statement that sets
 * the lease, so concurrent claimers pass over each other's rows instead of taking them twice.
 */
export class PgLifecycleRepository implements LifecycleRepository {
  constructor(private readonly pool: Pool) {}

  private async rows<R extends object>(sql: string, values: unknown[]): Promise<{ rows: R[]; count: number }> {
    const result = await this.pool.query(sql, values);
    return { rows: result.rows as R[], count: result.rowCount ?? 0 };
  }

  async schedule(job: { requestId: string; kind: LifecycleJobKind; dueAt: Date }, now: Date): Promise<LifecycleJob> {
    const id = lifecycleJobId(job.requestId, job.kind);
    await this.rows(
      `INSERT INTO lifecycle_jobs (id, request_id, kind, due_at, created_at) VALUES ($1, $2, $3, $4, $5) ON ` +
        `CONFLICT (id) DO NOTHING`,
      [id, job.requestId, job.kind, iso(job.dueAt), iso(now)],
    );
    const { rows } = await this.rows<PgJobRow>('SELECT * FROM lifecycle_jobs WHERE id = $1', [id]);
    return toJob(rows[0]);
  }

  async claimDue(now: Date, leaseMs: number, owner: string, limit: number): Promise<LifecycleJob[]> {
    const { rows } = await this.rows<PgJobRow>(
      `WITH picked AS (
         SELECT id FROM lifecycle_jobs
         WHERE done_at IS NULL AND due_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
         ORDER BY due_at, id LIMIT $2
         FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE lifecycle_jobs j SET lease_owner = $3, lease_until = $4 FROM picked WHERE j.id = picked.id RETURNING j.*
       )
       SELECT * FROM claimed ORDER BY due_at, id`,
      [iso(now), clamp(limit), owner, iso(new Date(now.getTime() + Math.max(0, leaseMs)))],
    );
    return rows.map(toJob);
  }

  async complete(id: string, owner: string, outcome: LifecycleJobOutcome, now: Date): Promise<boolean> {
    const { count } = await this.rows(
      `UPDATE lifecycle_jobs SET done_at = $4, outcome = $3, lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND lease_owner = $2 AND done_at IS NULL AND lease_until > $4`,
      [id, owner, outcome, iso(now)],
    );
    return count === 1;
  }

  async reschedule(id: string, owner: string, dueAt: Date, error: string | undefined, now: Date): Promise<boolean> {
    const { count } = await this.rows(
      `UPDATE lifecycle_jobs SET due_at = $3,
         attempts = attempts + (CASE WHEN $4::text IS NULL THEN 0 ELSE 1 END),
         last_error = COALESCE($4::text, last_error), lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND lease_owner = $2 AND done_at IS NULL AND lease_until > $5`,
      [id, owner, iso(dueAt), error ?? null, iso(now)],
    );
    return count === 1;
  }

  async recordEvent(event: LifecycleEvent): Promise<{ recorded: boolean; event: LifecycleEvent }> {
    const onceKey = ONCE_PER_REQUEST.has(event.type) ? event.type : null;
    const { count } = await this.rows(
      `INSERT INTO lifecycle_events (id, request_id, type, at, by_slack_id, late_by_ms, once_key) VALUES ($1, ` +
        `$2, $3, $4, $5, $6, $7)
       ON CONFLICT (request_id, once_key) DO NOTHING`,
      [randomUUID(), event.requestId, event.type, event.at, event.bySlackId ?? null, event.lateByMs ?? null, onceKey],
    );
    if (count === 1 || onceKey === null) return { recorded: true, event };
    const { rows } = await this.rows<PgEventRow>(
      'SELECT * FROM lifecycle_events WHERE request_id = $1 AND once_key = $2',
      [event.requestId, onceKey],
    );
    return { recorded: false, event: toEvent(rows[0]) };
  }

  async listEvents(requestId: string): Promise<LifecycleEvent[]> {
    const { rows } = await this.rows<PgEventRow>(
      'SELECT * FROM lifecycle_events WHERE request_id = $1 ORDER BY at, seq',
      [requestId],
    );
    return rows.map(toEvent);
  }

  async resolution(requestId: string): Promise<RequestResolution> {
    return resolutionFromEvents(await this.listEvents(requestId));
  }

  async openTrialIds(sinceDate: string, limit: number): Promise<string[]> {
    const { rows } = await this.rows<{ id: string }>(
      `SELECT r.id FROM license_requests r
       WHERE r.status = 'generated' AND r.trial_expires_on >= $1
         AND NOT EXISTS (SELECT 1 FROM lifecycle_events e WHERE e.request_id = r.id AND e.type = 'resolved')
       ORDER BY r.trial_expires_on, r.id LIMIT $2`,
      [sinceDate, clamp(limit)],
    );
    return rows.map((row) => row.id);
  }

  async requestIdsBy(slackUserId: string, limit: number): Promise<string[]> {
    const { rows } = await this.rows<{ id: string }>(
      'SELECT id FROM license_requests WHERE requested_by_slack_id = $1 ORDER BY created_at DESC, seq DESC LIMIT $2',
      [slackUserId, clamp(limit)],
    );
    return rows.map((row) => row.id);
  }

  async decisionsBy(slackUserId: string, limit: number): Promise<StarDecisionRecord[]> {
    const { rows } = await this.rows<PgDecisionRow>(
      'SELECT * FROM star_decisions WHERE decided_by_slack_id = $1 ORDER BY created_at DESC, seq DESC LIMIT $2',
      [slackUserId, clamp(limit)],
    );
    return rows.map((row) => ({
      id: row.id,
      ticketUrl: row.ticket_url,
      decidedBySlackId: row.decided_by_slack_id,
      verdict: row.verdict,
      inputs: row.inputs,
      createdAt: iso(row.created_at),
    }));
  }

  async claimRun(key: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const { count } = await this.rows(
      `INSERT INTO scheduled_runs (key, lease_owner, lease_until, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key) DO UPDATE SET lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until
       WHERE scheduled_runs.done_at IS NULL AND (scheduled_runs.lease_until IS NULL OR ` +
        `scheduled_runs.lease_until <= $4)`,
      [key, owner, iso(new Date(now.getTime() + Math.max(0, leaseMs))), iso(now)],
    );
    return count === 1;
  }

  async completeRun(key: string, owner: string, now: Date): Promise<boolean> {
    const { count } = await this.rows(
      `UPDATE scheduled_runs SET done_at = $3, lease_owner = NULL, lease_until = NULL
       WHERE key = $1 AND lease_owner = $2 AND done_at IS NULL AND lease_until > $3`,
      [key, owner, iso(now)],
    );
    return count === 1;
  }
}
