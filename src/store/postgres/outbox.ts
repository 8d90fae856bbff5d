import type { AuditOutbox, ClaimDueOptions, OutboxEntry, OutboxMessage } from '../types';
import { clampLimit, iso, type PgConnection } from './connection';
import { toOutboxEntry, type PgOutboxRow } from './rows';

export class PgAuditOutbox implements AuditOutbox {
  constructor(private readonly pg: PgConnection) {}

  async enqueue(message: OutboxMessage, now: Date): Promise<OutboxEntry> {
    // Same rules as the SQLite outbox: a new version is due now; ts/created_at/lease are kept;
    // channel and thread only change while the message was never posted.
    const [row] = await this.pg.rows<PgOutboxRow>(
      `INSERT INTO audit_outbox (key, channel, text, blocks, thread_of_key, ts, version, delivered_version, ` +
        `attempts, next_attempt_at, last_error, created_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, NULL, 1, 0, 0, $6, NULL, $6)
       ON CONFLICT (key) DO UPDATE SET
         text = EXCLUDED.text,
         blocks = EXCLUDED.blocks,
         channel = CASE WHEN audit_outbox.ts IS NULL THEN EXCLUDED.channel ELSE audit_outbox.channel END,
         thread_of_key = CASE WHEN audit_outbox.ts IS NULL THEN EXCLUDED.thread_of_key ELSE ` +
        `audit_outbox.thread_of_key END,
         version = audit_outbox.version + 1,
         attempts = 0,
         last_error = NULL,
         next_attempt_at = EXCLUDED.next_attempt_at
       RETURNING *`,
      [
        message.key,
        message.channel,
        message.text,
        JSON.stringify(message.blocks ?? []),
        message.threadOfKey ?? null,
        iso(now),
      ],
    );
    return toOutboxEntry(row);
  }

  async due(now: Date, limit: number): Promise<OutboxEntry[]> {
    const rows = await this.pg.rows<PgOutboxRow>(
      `SELECT * FROM audit_outbox WHERE version > delivered_version AND next_attempt_at <= $1
       ORDER BY created_at, seq LIMIT $2`,
      [iso(now), clampLimit(limit)],
    );
    return rows.map(toOutboxEntry);
  }

  async claimDue(now: Date, limit: number, leaseMs: number, options: ClaimDueOptions = {}): Promise<OutboxEntry[]> {
    // SKIP LOCKED: a concurrent claimer passes over the rows this statement is taking instead of
    // waiting for them, and the lease keeps them away from everyone after this commits.
    const rows = await this.pg.rows<PgOutboxRow>(
      `WITH picked AS (
         SELECT key FROM audit_outbox
         WHERE version > delivered_version AND next_attempt_at <= $4 AND (claimed_until IS NULL OR claimed_until <= $1)
         ORDER BY created_at, seq LIMIT $2
         FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE audit_outbox o SET claimed_until = $3 FROM picked WHERE o.key = picked.key RETURNING o.*
       )
       SELECT * FROM claimed ORDER BY created_at, seq`,
      [iso(now), clampLimit(limit), iso(new Date(now.getTime() + Math.max(0, leaseMs))), iso(options.dueBy ?? now)],
    );
    return rows.map(toOutboxEntry);
  }

  async releaseClaims(keys: string[]): Promise<void> {
    if (keys.length > 0)
      await this.pg.query('UPDATE audit_outbox SET claimed_until = NULL WHERE key = ANY($1::text[])', [keys]);
  }

  async get(key: string): Promise<OutboxEntry | undefined> {
    const [row] = await this.pg.rows<PgOutboxRow>('SELECT * FROM audit_outbox WHERE key = $1', [key]);
    return row && toOutboxEntry(row);
  }

  async markDelivered(key: string, version: number, ts: string, _now: Date): Promise<{ keptTs?: string }> {
    // A ts already recorded for another copy is kept (that copy stays the live one); RETURNING tells.
    const rows = await this.pg.rows<{ ts: string | null }>(
      `UPDATE audit_outbox SET ts = COALESCE(ts, $2),
         delivered_version = CASE WHEN ts IS NULL OR ts = $2 THEN GREATEST(delivered_version, $3)
           ELSE delivered_version END,
         claimed_until = NULL
       WHERE key = $1 RETURNING ts`,
      [key, ts, version],
    );
    const kept = rows[0]?.ts;
    return kept && kept !== ts ? { keptTs: kept } : {};
  }

  async markFailed(key: string, error: string, nextAttemptAt: Date): Promise<void> {
    await this.pg.query(
      'UPDATE audit_outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, claimed_until = ' +
        'NULL WHERE key = $1',
      [key, iso(nextAttemptAt), error],
    );
  }

  async markPostStarted(key: string, now: Date | null): Promise<void> {
    await this.pg.query('UPDATE audit_outbox SET post_started_at = $2 WHERE key = $1 AND ts IS NULL', [
      key,
      now ? iso(now) : null,
    ]);
  }

  async backlog(): Promise<number> {
    const [row] = await this.pg.rows<{ n: number }>(
      'SELECT COUNT(*)::int AS n FROM audit_outbox WHERE version > delivered_version',
    );
    return row?.n ?? 0;
  }
}
