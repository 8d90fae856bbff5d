import {
  sql,
  type Generated,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RawBuilder,
  type RootOperationNode,
  type SelectQueryBuilder,
  type UnknownRow,
} from 'kysely';
import type { RequestColumns } from '../request-columns';

/**
 * The tables as both backends return them. Times are ISO text with milliseconds and `Z` (SQLite
 * stores them so; PostgreSQL's timestamptz is turned into the same text by the pool's type
 * parsers), JSON is text (jsonb likewise), so one row type and one mapper serve both databases.
 * PostgreSQL's `seq` columns (insertion order, SQLite's rowid) are reached through {@link StoreDb.seq}.
 */
export interface Tables {
  license_requests: RequestColumns & {
    claimed_by: string | null;
    claimed_until: string | null;
    /** Set right before a license DM is sent, cleared when its outcome is recorded (migration 8). */
    delivery_started_at: string | null;
  };
  license_copies: CopyRow;
  audit_outbox: OutboxRow;
  star_decisions: DecisionRow;
  user_preferences: PreferencesRow;
  open_requests: OpenRequestRow;
  lifecycle_jobs: JobRow;
  lifecycle_events: EventRow;
  scheduled_runs: RunRow;
  ticket_writes: TicketWriteRow;
  health: { id: number; checked_at: string };
}

/**
 * The tables `npm run migrate-store` copies from SQLite into PostgreSQL, rows as stored (the two
 * hold the same columns, {@link Tables}): every table of the schema but `health` (the health check's
 * write probe, rewritten at every check) and `schema_migrations` (the target records its own). A
 * table a migration adds belongs here; tests/tools/migrate-store.test.ts fails until it is.
 */
export const COPIED_TABLES = [
  'license_requests',
  'license_copies',
  'audit_outbox',
  'star_decisions',
  'user_preferences',
  'open_requests',
  'lifecycle_jobs',
  'lifecycle_events',
  'scheduled_runs',
  'ticket_writes',
] as const satisfies readonly (keyof Tables)[];

export type CopiedTable = (typeof COPIED_TABLES)[number];

/** Migration 10: one row per copy of a license asked for. */
export interface CopyRow {
  id: string;
  request_id: string;
  to_slack_id: string;
  idempotency_key: string;
  delivery_status: 'pending' | 'delivered' | 'failed';
  delivery_attempts: number;
  delivery_next_at: string | null;
  delivery_error: string | null;
  delivery_started_at: string | null;
  claimed_by: string | null;
  claimed_until: string | null;
  created_at: string;
  updated_at: string;
}

/** Migration 9: one durable write on a Zendesk ticket. */
export interface TicketWriteRow {
  key: string;
  ticket_url: string;
  kind: 'license' | 'note';
  request_id: string | null;
  payload: string;
  notice_key: string | null;
  state: 'pending' | 'done' | 'failed';
  written: 'now' | 'already' | null;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  claimed_by: string | null;
  claimed_until: string | null;
  created_at: string;
  done_at: string | null;
}

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
  /** Who holds the lease (migration 11); NULL on leases taken before it. */
  claimed_by: string | null;
  claimed_until: string | null;
  post_started_at: string | null;
  created_at: string;
}

export interface DecisionRow {
  id: string;
  ticket_url: string;
  decided_by_slack_id: string;
  verdict: string;
  inputs: string;
  created_at: string;
}

export interface PreferencesRow {
  slack_user_id: string;
  gitlab_username: string | null;
  time_zone: string | null;
  updated_at: string;
}

export interface OpenRequestRow {
  view_id: string;
  slack_user_id: string;
  stage: 'override' | 'reissue';
  facts: string;
  justification: string | null;
  channel_id: string | null;
  updated_at: string;
}

export interface JobRow {
  id: string;
  request_id: string;
  kind: 'reminder' | 'lapse';
  due_at: string;
  attempts: Generated<number>;
  last_error: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  done_at: string | null;
  outcome: 'fired' | 'skipped' | null;
  created_at: string;
}

export interface EventRow {
  id: string;
  request_id: string;
  type: string;
  at: string;
  by_slack_id: string | null;
  late_by_ms: number | null;
  once_key: string | null;
}

export interface RunRow {
  key: string;
  lease_owner: string | null;
  lease_until: string | null;
  done_at: string | null;
  created_at: string;
}

/**
 * One database for the repositories, whichever backend. Only what the two databases do
 * differently is asked of `dialect`: how a transaction begins (SQLite's single writer vs
 * PostgreSQL's row locks), SKIP LOCKED in claims, the insertion order column, a typed parameter
 * in CASE. (The repositories themselves ask it for createRequest's path and duplicate query, and
 * for MAX vs GREATEST.)
 */
export class StoreDb {
  /** Insertion order: SQLite's rowid, PostgreSQL's identity column `seq`. */
  readonly seq: RawBuilder<number>;

  constructor(
    readonly db: Kysely<Tables>,
    readonly dialect: 'sqlite' | 'postgres',
    private readonly guard: ClosedGuard,
  ) {
    this.seq = sql<number>`${sql.raw(dialect === 'sqlite' ? 'rowid' : 'seq')}`;
  }

  get closed(): boolean {
    return this.guard.closed;
  }

  /** A time parameter where the database cannot infer its type (inside CASE). */
  time(value: string | null): RawBuilder<string | null> {
    return this.dialect === 'postgres' ? sql<string | null>`${value}::timestamptz` : sql<string | null>`${value}`;
  }

  /**
   * Runs `fn` in one transaction on one connection: BEGIN IMMEDIATE on SQLite (the write lock
   * before the first read, so a second process waits and then sees this one's rows), plain BEGIN
   * on PostgreSQL (row locks do the rest).
   */
  transaction<T>(fn: (trx: Kysely<Tables>) => Promise<T>): Promise<T> {
    const begin = this.dialect === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN';
    return this.db.connection().execute(async (conn) => {
      await sql.raw(begin).execute(conn);
      try {
        const result = await fn(conn);
        await sql.raw('COMMIT').execute(conn);
        return result;
      } catch (error) {
        await sql
          .raw('ROLLBACK')
          .execute(conn)
          .catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * The pick of a claim (`UPDATE … WHERE key IN (pick) RETURNING`, one statement on both databases):
   * on PostgreSQL `FOR UPDATE SKIP LOCKED`, so concurrent claimers pass over each other's rows
   * instead of waiting for them; SQLite takes its write lock for the whole statement, so another
   * process waits and then sees the lease.
   */
  skipLocked<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
    return this.dialect === 'postgres' ? query.forUpdate().skipLocked() : query;
  }

  close(): void {
    this.guard.closed = true;
  }
}

/**
 * Claimed rows (an UPDATE … RETURNING, in no particular order) in the order they were picked: by
 * `first`, then by insertion (`seq`, see {@link StoreDb.seq}).
 */
export function pickedOrder<R extends { seq: number }>(rows: R[], first: (row: R) => string): R[] {
  return rows.sort((a, b) => compareText(first(a), first(b)) || a.seq - b.seq);
}

/** Code-unit order, as the ISO times compare in SQL (not the locale's). */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Refuses every query once the store is closed (a clear error instead of the driver's). */
export class ClosedGuard implements KyselyPlugin {
  closed = false;

  constructor(private readonly what: string) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.closed) throw new Error(`the ${this.what} store is closed`);
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

export const iso = (d: Date): string => d.toISOString();
/** A lease that ends `ms` after `now`. */
export const until = (now: Date, ms: number): string => iso(new Date(now.getTime() + Math.max(0, ms)));
/** SQLite treats a negative LIMIT as "no limit"; callers asking for <= 0 rows get none. */
export const clampLimit = (limit: number): number => (Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0);
/** Rows an UPDATE/DELETE/INSERT touched, as Kysely reports them for either driver. */
export const count = (
  result: { numUpdatedRows?: bigint; numDeletedRows?: bigint; numInsertedOrUpdatedRows?: bigint } | undefined,
): number => Number(result?.numUpdatedRows ?? result?.numDeletedRows ?? result?.numInsertedOrUpdatedRows ?? 0);
