import type Database from 'better-sqlite3';
import type { AuditOutbox, ClaimDueOptions, OutboxEntry, OutboxMessage } from '../types';
import { OUTBOX_COLUMN_LIST } from '../outbox-columns';
import { clampLimit, iso } from './database';

export interface OutboxRow {
  key: string;
  channel: string;
  text: string;
  blocks: string;
  thread_of_key: string | null;
  ts: string | null;
  version: number;
  delivered_version: number;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  claimed_until: string | null;
  post_started_at: string | null;
  created_at: string;
}

export { OUTBOX_COLUMN_LIST };
// Every shared column is one of this backend's row fields.
OUTBOX_COLUMN_LIST satisfies readonly (keyof OutboxRow)[];

/** The read queries, exported so that a test can check their plans. */
export const OUTBOX_QUERIES = {
  due: `SELECT * FROM audit_outbox
    WHERE version > delivered_version AND next_attempt_at <= ?
    ORDER BY created_at, rowid LIMIT ?`,
  backlog: `SELECT COUNT(*) FROM audit_outbox WHERE version > delivered_version`,
} as const;

export function toOutboxEntry(row: OutboxRow): OutboxEntry {
  const entry: OutboxEntry = {
    key: row.key,
    channel: row.channel,
    text: row.text,
    blocks: JSON.parse(row.blocks) as unknown[],
    version: row.version,
    deliveredVersion: row.delivered_version,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
  };
  if (row.thread_of_key !== null) entry.threadOfKey = row.thread_of_key;
  if (row.ts !== null) entry.ts = row.ts;
  if (row.last_error !== null) entry.lastError = row.last_error;
  if (row.claimed_until !== null) entry.claimedUntil = row.claimed_until;
  if (row.post_started_at !== null) entry.postStartedAt = row.post_started_at;
  return entry;
}

export function toOutboxRow(e: OutboxEntry): OutboxRow {
  return {
    key: e.key,
    channel: e.channel,
    text: e.text,
    blocks: JSON.stringify(e.blocks ?? []),
    thread_of_key: e.threadOfKey ?? null,
    ts: e.ts ?? null,
    version: e.version,
    delivered_version: e.deliveredVersion,
    attempts: e.attempts,
    next_attempt_at: e.nextAttemptAt,
    last_error: e.lastError ?? null,
    claimed_until: e.claimedUntil ?? null,
    post_started_at: e.postStartedAt ?? null,
    created_at: e.createdAt,
  };
}

function prepare(db: Database.Database) {
  return {
    // New key: version 1, due now. Existing key: new text/blocks, version + 1, due now again,
    // attempts/last_error reset. ts and created_at are kept (the Slack message is updated in
    // place and keeps its place in the queue). channel/thread_of_key only change while the
    // message was never posted: a posted message cannot move.
    enqueue: db.prepare(
      `INSERT INTO audit_outbox (key, channel, text, blocks, thread_of_key, ts, version, delivered_version, ` +
        `attempts,
         next_attempt_at, last_error, created_at)
       VALUES (@key, @channel, @text, @blocks, @thread_of_key, NULL, 1, 0, 0, @now, NULL, @now)
       ON CONFLICT (key) DO UPDATE SET
         text = excluded.text,
         blocks = excluded.blocks,
         channel = CASE WHEN audit_outbox.ts IS NULL THEN excluded.channel ELSE audit_outbox.channel END,
         thread_of_key = CASE WHEN audit_outbox.ts IS NULL THEN excluded.thread_of_key ELSE ` +
        `audit_outbox.thread_of_key END,
         version = audit_outbox.version + 1,
         attempts = 0,
         last_error = NULL,
         next_attempt_at = excluded.next_attempt_at
       RETURNING *`,
    ),
    get: db.prepare('SELECT * FROM audit_outbox WHERE key = ?'),
    due: db.prepare(OUTBOX_QUERIES.due),
    claimable: db.prepare(
      `SELECT * FROM audit_outbox
       WHERE version > delivered_version AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
       ORDER BY created_at, rowid LIMIT ?`,
    ),
    lease: db.prepare('UPDATE audit_outbox SET claimed_until = ? WHERE key = ?'),
    release: db.prepare('UPDATE audit_outbox SET claimed_until = NULL WHERE key = ?'),
    // A ts already recorded for another copy is kept (that copy stays the live one); RETURNING tells.
    markDelivered: db.prepare(
      `UPDATE audit_outbox SET ts = COALESCE(ts, @ts),
         delivered_version = CASE WHEN ts IS NULL OR ts = @ts THEN MAX(delivered_version, @version)
           ELSE delivered_version END,
         claimed_until = NULL
       WHERE key = @key RETURNING ts`,
    ),
    markFailed: db.prepare(
      `UPDATE audit_outbox SET attempts = attempts + 1, next_attempt_at = @next_attempt_at, last_error = @error,
         claimed_until = NULL
       WHERE key = @key`,
    ),
    markPostStarted: db.prepare('UPDATE audit_outbox SET post_started_at = @now WHERE key = @key AND ts IS NULL'),
    backlog: db.prepare(OUTBOX_QUERIES.backlog).pluck(),
  };
}

/** The durable audit outbox in SQLite. */
export class SqliteAuditOutbox implements AuditOutbox {
  private readonly stmt: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {
    this.stmt = prepare(db);
  }

  async enqueue(message: OutboxMessage, now: Date): Promise<OutboxEntry> {
    const row = this.stmt.enqueue.get({
      key: message.key,
      channel: message.channel,
      text: message.text,
      blocks: JSON.stringify(message.blocks ?? []),
      thread_of_key: message.threadOfKey ?? null,
      now: iso(now),
    }) as OutboxRow;
    return toOutboxEntry(row);
  }

  async due(now: Date, limit: number): Promise<OutboxEntry[]> {
    return (this.stmt.due.all(iso(now), clampLimit(limit)) as OutboxRow[]).map(toOutboxEntry);
  }

  async claimDue(now: Date, limit: number, leaseMs: number, options: ClaimDueOptions = {}): Promise<OutboxEntry[]> {
    const at = iso(now);
    const until = iso(new Date(now.getTime() + Math.max(0, leaseMs)));
    // IMMEDIATE: pick and lease under the write lock, so another process cannot pick the same rows.
    const claim = this.db.transaction((): OutboxRow[] => {
      const rows = this.stmt.claimable.all(iso(options.dueBy ?? now), at, clampLimit(limit)) as OutboxRow[];
      for (const row of rows) {
        this.stmt.lease.run(until, row.key);
        row.claimed_until = until;
      }
      return rows;
    });
    return claim.immediate().map(toOutboxEntry);
  }

  async releaseClaims(keys: string[]): Promise<void> {
    this.db.transaction(() => keys.forEach((key) => this.stmt.release.run(key)))();
  }

  async get(key: string): Promise<OutboxEntry | undefined> {
    const row = this.stmt.get.get(key) as OutboxRow | undefined;
    return row && toOutboxEntry(row);
  }

  async markDelivered(key: string, version: number, ts: string, _now: Date): Promise<{ keptTs?: string }> {
    const row = this.stmt.markDelivered.get({ key, version, ts }) as { ts: string | null } | undefined;
    return row?.ts && row.ts !== ts ? { keptTs: row.ts } : {};
  }

  async markFailed(key: string, error: string, nextAttemptAt: Date): Promise<void> {
    this.stmt.markFailed.run({ key, error, next_attempt_at: iso(nextAttemptAt) });
  }

  async markPostStarted(key: string, now: Date | null): Promise<void> {
    this.stmt.markPostStarted.run({ key, now: now ? iso(now) : null });
  }

  async backlog(): Promise<number> {
    return this.stmt.backlog.get() as number;
  }
}
