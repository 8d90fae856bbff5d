import { randomUUID } from 'node:crypto';
import { Client, Pool, type ClientConfig, type PoolClient, type PoolConfig, type QueryResultRow } from 'pg';
import type { MigrationResult } from '../migrations';
import type {
  ClaimDueOptions,
  CreatedOrExisting,
  CreateRequestOptions,
  CreateRequestResult,
  DeliveryOutcome,
  LicenseRequestInput,
  OpenRequest,
  LicenseRequestRecord,
  LicenseRequestUpdate,
  OutboxEntry,
  OutboxMessage,
  StarDecisionRecord,
  Store,
  UserPreferences,
} from '../types';
import { createRequestAtomically } from './create-request';
import { pgClaimDeliveriesDue, pgClaimPendingRequests, pgClaimRequest, pgReleaseRequestLease, pgRenewRequestLease } from './request-leases';
import { migratePostgres, PG_MIGRATIONS, type PgMigration } from './migrations';
import {
  DECISION_COLUMNS,
  decisionValues,
  OUTBOX_COLUMNS,
  outboxValues,
  placeholders,
  REQUEST_COLUMNS,
  requestValues,
  toOutboxEntry,
  toRequestRecord,
  toStarDecision,
  toOpenRequest,
  type PgDecisionRow,
  type PgOpenRequestRow,
  type PgOutboxRow,
  type PgRequestRow,
} from './rows';

export interface PostgresStoreOptions {
  /**
   * `postgres://user:password@host:5432/db`. TLS through the URL (`?sslmode=require`,
   * `sslrootcert=...`) or {@link ssl}.
   */
  connectionString: string;
  /** Pool size per process (default 10): replicas × max must stay below the server's max_connections. */
  max?: number;
  /** How long getting a connection may take, pool wait included (default 2000 ms). */
  connectionTimeoutMs?: number;
  /** Server-side statement_timeout for every query (default 5000 ms). */
  statementTimeoutMs?: number;
  /** Client-side limit for one query round trip, catches a dead server/network (default statement + 1000 ms). */
  queryTimeoutMs?: number;
  /** Idle connections are closed after this (default 30000 ms). */
  idleTimeoutMs?: number;
  /** node-postgres TLS options (e.g. `{ ca, rejectUnauthorized: true }`); overrides sslmode of the URL. */
  ssl?: PoolConfig['ssl'];
  /** Shown in pg_stat_activity (default "lr-oncall-bot"). */
  applicationName?: string;
  /** Errors of idle pooled connections (e.g. a server restart); they are replaced on next use. */
  onPoolError?: (error: Error) => void;
  /** Override the migration list (tests only). */
  migrations?: readonly PgMigration[];
}

const iso = (d: Date): string => d.toISOString();
const clampLimit = (limit: number): number => (Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0);

/** The URL without its password, for messages. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `postgres://${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'PostgreSQL database';
  }
}

/**
 * The shared store for several replicas: PostgreSQL through a bounded node-postgres pool.
 *
 * Cross-replica safety comes from the database: unique constraints with ON CONFLICT
 * (idempotency keys, outbox keys), conditional UPDATEs (claimRetry), advisory locks around the
 * duplicate check of createRequest, and `FOR UPDATE SKIP LOCKED` plus a lease column for the
 * outbox. Open with {@link PostgresStore.open}, which applies pending migrations.
 */
export class PostgresStore implements Store {
  private closed = false;

  private constructor(
    private readonly pool: Pool,
    /** What opening this store did to the schema. */
    readonly migration: MigrationResult,
    readonly description: string,
  ) {}

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const statementTimeoutMs = options.statementTimeoutMs ?? 5000;
    const base: ClientConfig = {
      connectionString: options.connectionString,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 2000,
      application_name: options.applicationName ?? 'lr-oncall-bot',
      ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
    };
    const description = describeDatabaseUrl(options.connectionString);

    // Migrations on a connection of their own, without the statement timeouts of normal queries.
    const migrator = new Client(base);
    migrator.on('error', () => undefined); // reported through the failing query instead
    let migration: MigrationResult;
    await migrator.connect();
    try {
      migration = await migratePostgres(migrator, options.migrations ?? PG_MIGRATIONS, description);
    } finally {
      await migrator.end().catch(() => undefined);
    }

    const pool = new Pool({
      ...base,
      max: options.max ?? 10,
      idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
      statement_timeout: statementTimeoutMs,
      query_timeout: options.queryTimeoutMs ?? statementTimeoutMs + 1000,
    });
    // Without a listener, an idle connection dropped by the server would crash the process.
    pool.on('error', (error) => options.onPoolError?.(error));
    return new PostgresStore(pool, migration, description);
  }

  private async rows<R extends QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
    if (this.closed) throw new Error('the PostgreSQL store is closed');
    return (await this.pool.query<R>(sql, values)).rows;
  }

  private async withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the PostgreSQL store is closed');
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (error) {
      // A timed-out or dropped connection may be mid-transaction: do not hand it to the next caller.
      broken = error as Error;
      throw error;
    } finally {
      client.release(broken && /timeout|terminat|connection/i.test(broken.message) ? broken : undefined);
    }
  }

  // ----- LicenseRequestStore -------------------------------------------------------------------

  createRequest(input: LicenseRequestInput, now: Date): Promise<CreatedOrExisting>;
  createRequest(input: LicenseRequestInput, now: Date, options?: CreateRequestOptions): Promise<CreateRequestResult>;
  async createRequest(input: LicenseRequestInput, now: Date, options: CreateRequestOptions = {}): Promise<CreateRequestResult> {
    const at = iso(now);
    const values = requestValues({ ...input, id: randomUUID(), status: 'pending', attempts: 0, createdAt: at, updatedAt: at });
    const since = options.reissueWindowSince && iso(options.reissueWindowSince);
    const result = await this.withClient((client) => createRequestAtomically(client, input, values, since));
    return result.outcome === 'duplicates'
      ? { outcome: 'duplicates', duplicates: result.rows.map(toRequestRecord) }
      : { outcome: result.outcome, record: toRequestRecord(result.row) };
  }

  async getRequest(id: string): Promise<LicenseRequestRecord | undefined> {
    const [row] = await this.rows<PgRequestRow>('SELECT * FROM license_requests WHERE id = $1', [id]);
    return row && toRequestRecord(row);
  }

  async updateRequest(id: string, update: LicenseRequestUpdate, now: Date): Promise<LicenseRequestRecord> {
    // undefined = keep the stored value, null = clear it.
    const keep = (v: string | null | undefined): boolean => v === undefined;
    const [row] = await this.rows<PgRequestRow>(
      `UPDATE license_requests SET
         status = $2,
         reason = CASE WHEN $3 THEN reason ELSE $4 END,
         reference = CASE WHEN $5 THEN reference ELSE $6 END,
         license_file = CASE WHEN $7 THEN license_file ELSE $8 END,
         trial_expires_on = CASE WHEN $9 THEN trial_expires_on ELSE $10 END,
         -- Becoming generated makes the delivery pending in the same write: a crash right after
         -- it leaves a delivery to resume, never a license nobody hands over.
         delivery_status = CASE WHEN $2 = 'generated' AND delivery_status = 'none' THEN 'pending' ELSE delivery_status END,
         delivery_next_at = CASE WHEN $2 = 'generated' AND delivery_status = 'none' THEN $11 ELSE delivery_next_at END,
         updated_at = $11
       WHERE id = $1
       RETURNING *`,
      [
        id,
        update.status,
        keep(update.reason), update.reason ?? null,
        keep(update.reference), update.reference ?? null,
        keep(update.licenseFile), update.licenseFile ?? null,
        keep(update.trialExpiresOn), update.trialExpiresOn ?? null,
        iso(now),
      ],
    );
    if (!row) throw new Error(`license request ${id} not found`);
    return toRequestRecord(row);
  }

  async claimRetry(id: string, now: Date): Promise<boolean> {
    // Conditional: of two concurrent claims the second waits for the first's row lock, re-checks
    // the WHERE against the new row (no longer failed) and updates nothing.
    const result = await this.pool.query(
      `UPDATE license_requests SET status = 'pending', attempts = attempts + 1, updated_at = $1
       WHERE id = $2 AND status = 'failed'`,
      [iso(now), id],
    );
    return result.rowCount === 1;
  }

  async findRecentDuplicates(key: { ticketUrl: string; email: string; userCount: number }, since: Date): Promise<LicenseRequestRecord[]> {
    const rows = await this.rows<PgRequestRow>(
      `SELECT * FROM license_requests
       WHERE ticket_url = $1 AND lower(email) = lower($2) AND user_count = $3
         AND status IN ('pending', 'generated') AND created_at >= $4
       ORDER BY created_at DESC, seq DESC`,
      [key.ticketUrl, key.email, key.userCount, iso(since)],
    );
    return rows.map(toRequestRecord);
  }

  async findByTicket(ticketUrl: string, limit: number): Promise<LicenseRequestRecord[]> {
    const rows = await this.rows<PgRequestRow>(
      'SELECT * FROM license_requests WHERE ticket_url = $1 ORDER BY created_at DESC, seq DESC LIMIT $2',
      [ticketUrl, clampLimit(limit)],
    );
    return rows.map(toRequestRecord);
  }

  async findByEmail(email: string, limit: number): Promise<LicenseRequestRecord[]> {
    const rows = await this.rows<PgRequestRow>(
      'SELECT * FROM license_requests WHERE lower(email) = lower($1) ORDER BY created_at DESC, seq DESC LIMIT $2',
      [email, clampLimit(limit)],
    );
    return rows.map(toRequestRecord);
  }

  async listPending(): Promise<LicenseRequestRecord[]> {
    const rows = await this.rows<PgRequestRow>(`SELECT * FROM license_requests WHERE status = 'pending' ORDER BY created_at, seq`);
    return rows.map(toRequestRecord);
  }

  async listDeliveriesDue(now: Date, limit: number): Promise<LicenseRequestRecord[]> {
    const rows = await this.rows<PgRequestRow>(
      `SELECT * FROM license_requests WHERE delivery_status = 'pending' AND delivery_next_at <= $1
       ORDER BY delivery_next_at, seq LIMIT $2`,
      [iso(now), clampLimit(limit)],
    );
    return rows.map(toRequestRecord);
  }

  async recordDelivery(id: string, outcome: DeliveryOutcome, now: Date): Promise<LicenseRequestRecord> {
    const [row] = outcome.delivered
      ? await this.rows<PgRequestRow>(
          `UPDATE license_requests SET delivery_status = 'delivered', delivery_attempts = delivery_attempts + 1,
             delivery_next_at = NULL, delivery_error = NULL, updated_at = $2
           WHERE id = $1 RETURNING *`,
          [id, iso(now)],
        )
      : // Only a pending delivery changes: a late failure report never undoes a delivery.
        await this.rows<PgRequestRow>(
          `UPDATE license_requests SET
             delivery_status = CASE WHEN delivery_status = 'delivered' THEN delivery_status ELSE $3 END,
             delivery_attempts = delivery_attempts + 1,
             delivery_next_at = CASE WHEN delivery_status = 'delivered' THEN NULL ELSE $4::timestamptz END,
             delivery_error = CASE WHEN delivery_status = 'delivered' THEN NULL ELSE $5 END,
             updated_at = $2
           WHERE id = $1 RETURNING *`,
          [id, iso(now), outcome.nextAttemptAt ? 'pending' : 'failed', outcome.nextAttemptAt ? iso(outcome.nextAttemptAt) : null, outcome.error],
        );
    if (!row) throw new Error(`license request ${id} not found`);
    return toRequestRecord(row);
  }

  // ----- RequestLeaseStore (HA: see request-leases.ts) ----------------------------------------

  claimRequest(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    return this.whenOpen(() => pgClaimRequest(this.pool, id, owner, now, leaseMs));
  }

  claimPendingRequests(owner: string, now: Date, limit: number, leaseMs: number, unclaimedGraceMs?: number): Promise<LicenseRequestRecord[]> {
    return this.whenOpen(() => pgClaimPendingRequests(this.pool, owner, now, limit, leaseMs, unclaimedGraceMs));
  }

  claimDeliveriesDue(owner: string, now: Date, limit: number, leaseMs: number): Promise<LicenseRequestRecord[]> {
    return this.whenOpen(() => pgClaimDeliveriesDue(this.pool, owner, now, limit, leaseMs));
  }

  renewRequestLease(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    return this.whenOpen(() => pgRenewRequestLease(this.pool, id, owner, now, leaseMs));
  }

  releaseRequestLease(id: string, owner: string): Promise<void> {
    return this.whenOpen(() => pgReleaseRequestLease(this.pool, id, owner));
  }

  private async whenOpen<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the PostgreSQL store is closed');
    return fn();
  }

  // ----- OpenRequestStore ----------------------------------------------------------------------

  async saveOpenRequest(open: Omit<OpenRequest, 'updatedAt'>, now: Date): Promise<void> {
    await this.rows(
      `INSERT INTO open_requests (view_id, slack_user_id, stage, facts, justification, channel_id, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)
       ON CONFLICT (view_id) DO UPDATE SET slack_user_id = EXCLUDED.slack_user_id, stage = EXCLUDED.stage,
         facts = EXCLUDED.facts, justification = EXCLUDED.justification, channel_id = EXCLUDED.channel_id,
         updated_at = EXCLUDED.updated_at`,
      [open.viewId, open.slackUserId, open.stage, JSON.stringify(open.facts), open.justification ?? null, open.channelId ?? null, iso(now)],
    );
  }

  async getOpenRequest(viewId: string): Promise<OpenRequest | undefined> {
    const [row] = await this.rows<PgOpenRequestRow>('SELECT * FROM open_requests WHERE view_id = $1', [viewId]);
    return row && toOpenRequest(row);
  }

  async pruneOpenRequests(before: Date): Promise<number> {
    const result = await this.pool.query('DELETE FROM open_requests WHERE updated_at < $1', [iso(before)]);
    return result.rowCount ?? 0;
  }

  // ----- AuditOutbox ---------------------------------------------------------------------------

  async enqueue(message: OutboxMessage, now: Date): Promise<OutboxEntry> {
    // Same rules as the SQLite store: a new version is due now; ts/created_at/lease are kept;
    // channel and thread only change while the message was never posted.
    const [row] = await this.rows<PgOutboxRow>(
      `INSERT INTO audit_outbox (key, channel, text, blocks, thread_of_key, ts, version, delivered_version, attempts, next_attempt_at, last_error, created_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, NULL, 1, 0, 0, $6, NULL, $6)
       ON CONFLICT (key) DO UPDATE SET
         text = EXCLUDED.text,
         blocks = EXCLUDED.blocks,
         channel = CASE WHEN audit_outbox.ts IS NULL THEN EXCLUDED.channel ELSE audit_outbox.channel END,
         thread_of_key = CASE WHEN audit_outbox.ts IS NULL THEN EXCLUDED.thread_of_key ELSE audit_outbox.thread_of_key END,
         version = audit_outbox.version + 1,
         attempts = 0,
         last_error = NULL,
         next_attempt_at = EXCLUDED.next_attempt_at
       RETURNING *`,
      [message.key, message.channel, message.text, JSON.stringify(message.blocks ?? []), message.threadOfKey ?? null, iso(now)],
    );
    return toOutboxEntry(row!);
  }

  async due(now: Date, limit: number): Promise<OutboxEntry[]> {
    const rows = await this.rows<PgOutboxRow>(
      `SELECT * FROM audit_outbox WHERE version > delivered_version AND next_attempt_at <= $1
       ORDER BY created_at, seq LIMIT $2`,
      [iso(now), clampLimit(limit)],
    );
    return rows.map(toOutboxEntry);
  }

  async claimDue(now: Date, limit: number, leaseMs: number, options: ClaimDueOptions = {}): Promise<OutboxEntry[]> {
    // SKIP LOCKED: a concurrent claimer passes over the rows this statement is taking instead of
    // waiting for them, and the lease keeps them away from everyone after this commits.
    const rows = await this.rows<PgOutboxRow>(
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
    if (keys.length > 0) await this.rows('UPDATE audit_outbox SET claimed_until = NULL WHERE key = ANY($1::text[])', [keys]);
  }

  async get(key: string): Promise<OutboxEntry | undefined> {
    const [row] = await this.rows<PgOutboxRow>('SELECT * FROM audit_outbox WHERE key = $1', [key]);
    return row && toOutboxEntry(row);
  }

  async markDelivered(key: string, version: number, ts: string, _now: Date): Promise<void> {
    await this.rows(
      'UPDATE audit_outbox SET ts = $2, delivered_version = GREATEST(delivered_version, $3), claimed_until = NULL WHERE key = $1',
      [key, ts, version],
    );
  }

  async markFailed(key: string, error: string, nextAttemptAt: Date): Promise<void> {
    await this.rows(
      'UPDATE audit_outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, claimed_until = NULL WHERE key = $1',
      [key, iso(nextAttemptAt), error],
    );
  }

  async markPostStarted(key: string, now: Date | null): Promise<void> {
    await this.rows('UPDATE audit_outbox SET post_started_at = $2 WHERE key = $1 AND ts IS NULL', [key, now ? iso(now) : null]);
  }

  async backlog(): Promise<number> {
    const [row] = await this.rows<{ n: number }>('SELECT COUNT(*)::int AS n FROM audit_outbox WHERE version > delivered_version');
    return row?.n ?? 0;
  }

  // ----- StarDecisionStore ---------------------------------------------------------------------

  async recordDecision(decision: Omit<StarDecisionRecord, 'id' | 'createdAt'>, now: Date): Promise<StarDecisionRecord> {
    const [row] = await this.rows<PgDecisionRow>(
      `INSERT INTO star_decisions (${DECISION_COLUMNS.join(', ')}) VALUES ($1, $2, $3, $4, $5::jsonb, $6) RETURNING *`,
      decisionValues({ ...decision, inputs: decision.inputs ?? {}, id: randomUUID(), createdAt: iso(now) }),
    );
    return toStarDecision(row!);
  }

  async listDecisions(since: Date): Promise<StarDecisionRecord[]> {
    const rows = await this.rows<PgDecisionRow>('SELECT * FROM star_decisions WHERE created_at >= $1 ORDER BY created_at, seq', [iso(since)]);
    return rows.map(toStarDecision);
  }

  // ----- UserPreferenceStore -------------------------------------------------------------------

  async getPreferences(slackUserId: string): Promise<UserPreferences> {
    const [row] = await this.rows<{ gitlab_username: string | null; time_zone: string | null }>(
      'SELECT gitlab_username, time_zone FROM user_preferences WHERE slack_user_id = $1',
      [slackUserId],
    );
    const prefs: UserPreferences = {};
    if (row?.gitlab_username != null) prefs.gitlabUsername = row.gitlab_username;
    if (row?.time_zone != null) prefs.timeZone = row.time_zone;
    return prefs;
  }

  async savePreferences(slackUserId: string, prefs: UserPreferences, now: Date): Promise<void> {
    await this.rows(
      `INSERT INTO user_preferences (slack_user_id, gitlab_username, time_zone, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (slack_user_id) DO UPDATE SET
         gitlab_username = COALESCE(EXCLUDED.gitlab_username, user_preferences.gitlab_username),
         time_zone = COALESCE(EXCLUDED.time_zone, user_preferences.time_zone),
         updated_at = EXCLUDED.updated_at`,
      [slackUserId, prefs.gitlabUsername ?? null, prefs.timeZone ?? null, iso(now)],
    );
  }

  // ----- Store ---------------------------------------------------------------------------------

  async isWritable(): Promise<boolean> {
    if (this.closed) return false;
    try {
      await this.rows(
        `INSERT INTO health (id, checked_at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET checked_at = EXCLUDED.checked_at`,
        [iso(new Date())],
      );
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  // ----- Copying a store in (npm run migrate-store) --------------------------------------------

  /**
   * Inserts records as given (ids, timestamps, versions kept), skipping any whose key already
   * exists, so running a copy twice inserts nothing the second time. One transaction per call.
   * Returns how many rows were inserted.
   */
  async importRecords(batch: {
    requests?: LicenseRequestRecord[];
    outbox?: OutboxEntry[];
    decisions?: StarDecisionRecord[];
    preferences?: { slackUserId: string; prefs: UserPreferences; updatedAt: string }[];
  }): Promise<{ requests: number; outbox: number; decisions: number; preferences: number }> {
    return this.withClient(async (client) => {
      const count = { requests: 0, outbox: 0, decisions: 0, preferences: 0 };
      await client.query('BEGIN');
      try {
        for (const r of batch.requests ?? []) {
          const res = await client.query(
            `INSERT INTO license_requests (${REQUEST_COLUMNS.join(', ')}) VALUES (${placeholders(REQUEST_COLUMNS.length)}) ON CONFLICT DO NOTHING`,
            requestValues(r),
          );
          count.requests += res.rowCount ?? 0;
        }
        for (const e of batch.outbox ?? []) {
          // Text parameters into jsonb columns are parsed by the server (the column type decides).
          const res = await client.query(
            `INSERT INTO audit_outbox (${OUTBOX_COLUMNS.join(', ')}) VALUES (${placeholders(OUTBOX_COLUMNS.length)}) ON CONFLICT DO NOTHING`,
            outboxValues(e),
          );
          count.outbox += res.rowCount ?? 0;
        }
        for (const d of batch.decisions ?? []) {
          const res = await client.query(
            `INSERT INTO star_decisions (${DECISION_COLUMNS.join(', ')}) VALUES ($1, $2, $3, $4, $5::jsonb, $6) ON CONFLICT DO NOTHING`,
            decisionValues(d),
          );
          count.decisions += res.rowCount ?? 0;
        }
        for (const p of batch.preferences ?? []) {
          const res = await client.query(
            `INSERT INTO user_preferences (slack_user_id, gitlab_username, time_zone, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
            [p.slackUserId, p.prefs.gitlabUsername ?? null, p.prefs.timeZone ?? null, p.updatedAt],
          );
          count.preferences += res.rowCount ?? 0;
        }
        await client.query('COMMIT');
        return count;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }
}
