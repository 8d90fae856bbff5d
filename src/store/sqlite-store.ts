import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, MIGRATIONS, type Migration, type MigrationResult } from './migrations';
import { closeSync, openSync } from 'node:fs';
import { DATA_FILE_MODE, secureDataDir, secureFiles, type ModeFix } from './file-modes';
import { createRequestAtomically, prepareCreateRequest } from './sqlite-create-request';
import { SqliteRequestLeases } from './sqlite-request-leases';
import type {
  ClaimDueOptions,
  CreateRequestOptions,
  CreateRequestResult,
  CreatedOrExisting,
  DeliveryOutcome,
  DeliveryStatus,
  LicenseRequestInput,
  OpenRequest,
  LicenseRequestRecord,
  LicenseRequestStatus,
  LicenseRequestUpdate,
  OutboxEntry,
  OutboxMessage,
  StarDecisionRecord,
  Store,
  UserPreferences,
} from './types';

export const DATABASE_FILE_NAME = 'bot.sqlite3';

/** One user's preferences as stored, for copying a store. */
export interface StoredPreferences {
  slackUserId: string;
  prefs: UserPreferences;
  updatedAt: string;
}

export interface SqliteStoreOptions {
  /** How long a write waits for another connection's lock before failing (ms). Default 5000. */
  busyTimeoutMs?: number;
  /** Override the migration list (tests only). */
  migrations?: readonly Migration[];
}

// ---------------------------------------------------------------------------------------------
// Row shapes (snake_case, as stored)

interface LicenseRequestRow {
  id: string;
  idempotency_key: string;
  ticket_url: string;
  email: string;
  user_count: number;
  requested_by_slack_id: string;
  requested_by_username: string;
  license_expires_on: string;
  override_justification: string | null;
  scope_summary: string;
  adapter: string;
  status: LicenseRequestStatus;
  reason: string | null;
  reference: string | null;
  license_file: string | null;
  trial_expires_on: string | null;
  attempts: number;
  delivery_status: DeliveryStatus;
  delivery_attempts: number;
  delivery_next_at: string | null;
  delivery_error: string | null;
  created_at: string;
  updated_at: string;
}

interface OpenRequestRow {
  view_id: string;
  slack_user_id: string;
  stage: OpenRequest['stage'];
  facts: string;
  justification: string | null;
  channel_id: string | null;
  updated_at: string;
}

interface OutboxRow {
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
  created_at: string;
  /** Added by migration 2; absent in rows built for a bulk insert. */
  claimed_until?: string | null;
  post_started_at?: string | null;
}

interface StarDecisionRow {
  id: string;
  ticket_url: string;
  decided_by_slack_id: string;
  verdict: string;
  inputs: string;
  created_at: string;
}

interface PreferencesRow {
  gitlab_username: string | null;
  time_zone: string | null;
}

const REQUEST_COLUMN_LIST = [
  'id', 'idempotency_key', 'ticket_url', 'email', 'user_count', 'requested_by_slack_id', 'requested_by_username',
  'license_expires_on', 'override_justification', 'scope_summary', 'adapter', 'status', 'reason', 'reference',
  'license_file', 'trial_expires_on', 'attempts', 'delivery_status', 'delivery_attempts', 'delivery_next_at',
  'delivery_error', 'created_at', 'updated_at',
] as const satisfies readonly (keyof LicenseRequestRow)[];
const OUTBOX_COLUMN_LIST = [
  'key', 'channel', 'text', 'blocks', 'thread_of_key', 'ts', 'version', 'delivered_version', 'attempts',
  'next_attempt_at', 'last_error', 'created_at',
] as const satisfies readonly (keyof OutboxRow)[];

const REQUEST_COLUMNS = REQUEST_COLUMN_LIST.join(', ');
const REQUEST_NAMED_PARAMS = REQUEST_COLUMN_LIST.map((c) => `@${c}`).join(', ');
const OUTBOX_COLUMNS = OUTBOX_COLUMN_LIST.join(', ');
const positional = (columns: readonly string[]): string => columns.map(() => '?').join(', ');

/** Shared SQL, also used by the tests to check the query plans. */
export const QUERIES = {
  findByTicket: `SELECT * FROM license_requests WHERE ticket_url = ?
    ORDER BY created_at DESC, rowid DESC LIMIT ?`,
  findByEmail: `SELECT * FROM license_requests WHERE lower(email) = lower(?)
    ORDER BY created_at DESC, rowid DESC LIMIT ?`,
  findRecentDuplicates: `SELECT * FROM license_requests
    WHERE ticket_url = @ticket_url AND lower(email) = lower(@email) AND user_count = @user_count
      AND status IN ('pending', 'generated') AND created_at >= @since
    ORDER BY created_at DESC, rowid DESC`,
  listPending: `SELECT * FROM license_requests WHERE status = 'pending' ORDER BY created_at, rowid`,
  deliveriesDue: `SELECT * FROM license_requests
    WHERE delivery_status = 'pending' AND delivery_next_at <= ?
    ORDER BY delivery_next_at, rowid LIMIT ?`,
  due: `SELECT * FROM audit_outbox
    WHERE version > delivered_version AND next_attempt_at <= ?
    ORDER BY created_at, rowid LIMIT ?`,
  backlog: `SELECT COUNT(*) FROM audit_outbox WHERE version > delivered_version`,
} as const;

// ---------------------------------------------------------------------------------------------
// Mapping helpers

const iso = (d: Date): string => d.toISOString();

function toRequestRecord(row: LicenseRequestRow): LicenseRequestRecord {
  const record: LicenseRequestRecord = {
    id: row.id,
    ticketUrl: row.ticket_url,
    email: row.email,
    userCount: row.user_count,
    requestedBySlackId: row.requested_by_slack_id,
    requestedByUsername: row.requested_by_username,
    licenseExpiresOn: row.license_expires_on,
    scopeSummary: row.scope_summary,
    adapter: row.adapter,
    idempotencyKey: row.idempotency_key,
    status: row.status,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.delivery_status && row.delivery_status !== 'none') {
    record.deliveryStatus = row.delivery_status;
    record.deliveryAttempts = row.delivery_attempts;
    if (row.delivery_next_at !== null) record.deliveryNextAt = row.delivery_next_at;
    if (row.delivery_error !== null) record.deliveryError = row.delivery_error;
  }
  if (row.override_justification !== null) record.overrideJustification = row.override_justification;
  if (row.reason !== null) record.reason = row.reason;
  if (row.reference !== null) record.reference = row.reference;
  if (row.license_file !== null) record.licenseFile = row.license_file;
  if (row.trial_expires_on !== null) record.trialExpiresOn = row.trial_expires_on;
  return record;
}

function toRequestRow(r: LicenseRequestRecord): LicenseRequestRow {
  return {
    id: r.id,
    idempotency_key: r.idempotencyKey,
    ticket_url: r.ticketUrl,
    email: r.email,
    user_count: r.userCount,
    requested_by_slack_id: r.requestedBySlackId,
    requested_by_username: r.requestedByUsername,
    license_expires_on: r.licenseExpiresOn,
    override_justification: r.overrideJustification ?? null,
    scope_summary: r.scopeSummary,
    adapter: r.adapter,
    status: r.status,
    reason: r.reason ?? null,
    reference: r.reference ?? null,
    license_file: r.licenseFile ?? null,
    trial_expires_on: r.trialExpiresOn ?? null,
    attempts: r.attempts,
    delivery_status: r.deliveryStatus ?? 'none',
    delivery_attempts: r.deliveryAttempts ?? 0,
    delivery_next_at: r.deliveryNextAt ?? null,
    delivery_error: r.deliveryError ?? null,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

function toOutboxEntry(row: OutboxRow): OutboxEntry {
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
  if (row.claimed_until != null) entry.claimedUntil = row.claimed_until;
  if (row.post_started_at) entry.postStartedAt = row.post_started_at;
  return entry;
}

function toOutboxRow(e: OutboxEntry): OutboxRow {
  return {
    key: e.key,
    channel: e.channel,
    text: e.text,
    blocks: JSON.stringify(e.blocks),
    thread_of_key: e.threadOfKey ?? null,
    ts: e.ts ?? null,
    version: e.version,
    delivered_version: e.deliveredVersion,
    attempts: e.attempts,
    next_attempt_at: e.nextAttemptAt,
    last_error: e.lastError ?? null,
    created_at: e.createdAt,
  };
}

function toStarDecision(row: StarDecisionRow): StarDecisionRecord {
  return {
    id: row.id,
    ticketUrl: row.ticket_url,
    decidedBySlackId: row.decided_by_slack_id,
    verdict: row.verdict,
    inputs: JSON.parse(row.inputs) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

/** SQLite treats a negative LIMIT as "no limit"; callers asking for <= 0 rows get none. */
const clampLimit = (limit: number): number => (Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0);

// ---------------------------------------------------------------------------------------------

/**
 * The embedded store: one SQLite file in WAL mode, `<dataDir>/bot.sqlite3`.
 *
 * better-sqlite3 is synchronous, so every method runs to completion without yielding: within
 * one process no two calls interleave. Cross-process safety (two bots on the same file) comes
 * from the SQL itself: `INSERT ... ON CONFLICT`, conditional `UPDATE ... WHERE`, and
 * `busy_timeout` waiting for the write lock.
 */
export class SqliteStore implements Store {
  readonly file: string;
  /** What opening this store did to the schema (empty `applied` when it was up to date). */
  readonly migration: MigrationResult;
  /** Folder/files whose permissions were too open and were tightened when the store opened. */
  readonly modeFixes: ModeFix[];
  private readonly db: Database.Database;
  private readonly stmt: ReturnType<typeof prepareStatements>;
  private readonly createStmt: ReturnType<typeof prepareCreateRequest>;
  private readonly leases: SqliteRequestLeases<LicenseRequestRow>;

  constructor(dataDir: string, options: SqliteStoreOptions = {}) {
    // Every license and customer email is in here: the folder is the owner's only (0700).
    const fixes = secureDataDir(dataDir);
    this.file = join(dataDir, DATABASE_FILE_NAME);
    // Created 0600 before SQLite opens it (SQLite would create it 0644 under umask 022); SQLite
    // gives the -wal/-shm files the mode of the database file.
    closeSync(openSync(this.file, 'a', DATA_FILE_MODE));
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    const db = new Database(this.file, { timeout: busyTimeoutMs });
    try {
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal') {
        throw new Error(`Could not switch ${this.file} to WAL journal mode (got "${String(mode)}")`);
      }
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      this.migration = migrate(db, options.migrations ?? MIGRATIONS);
      this.stmt = prepareStatements(db);
      this.createStmt = prepareCreateRequest(db, INSERT_REQUEST_IF_NEW);
      this.leases = new SqliteRequestLeases(db);
      // The database and its -wal/-shm (they exist now, WAL mode is on) are 0600, whatever the umask.
      this.modeFixes = [...fixes, ...secureFiles([this.file, `${this.file}-wal`, `${this.file}-shm`])];
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
  }

  // ----- LicenseRequestStore -------------------------------------------------------------------

  createRequest(input: LicenseRequestInput, now: Date): Promise<CreatedOrExisting>;
  createRequest(input: LicenseRequestInput, now: Date, options?: CreateRequestOptions): Promise<CreateRequestResult>;
  async createRequest(input: LicenseRequestInput, now: Date, options: CreateRequestOptions = {}): Promise<CreateRequestResult> {
    const at = iso(now);
    const row = toRequestRow({ ...input, id: randomUUID(), status: 'pending', attempts: 0, createdAt: at, updatedAt: at });
    const since = options.reissueWindowSince && iso(options.reissueWindowSince);
    const result = createRequestAtomically(this.db, this.createStmt, row, since);
    return result.outcome === 'duplicates'
      ? { outcome: 'duplicates', duplicates: result.rows.map(toRequestRecord) }
      : { outcome: result.outcome, record: toRequestRecord(result.row) };
  }

  async getRequest(id: string): Promise<LicenseRequestRecord | undefined> {
    const row = this.stmt.getRequest.get(id) as LicenseRequestRow | undefined;
    return row && toRequestRecord(row);
  }

  async updateRequest(id: string, update: LicenseRequestUpdate, now: Date): Promise<LicenseRequestRecord> {
    // undefined = keep the stored value, null = clear it.
    const keep = (v: string | null | undefined): 0 | 1 => (v === undefined ? 1 : 0);
    const row = this.stmt.updateRequest.get({
      id,
      status: update.status,
      updated_at: iso(now),
      reason: update.reason ?? null,
      keep_reason: keep(update.reason),
      reference: update.reference ?? null,
      keep_reference: keep(update.reference),
      license_file: update.licenseFile ?? null,
      keep_license_file: keep(update.licenseFile),
      trial_expires_on: update.trialExpiresOn ?? null,
      keep_trial_expires_on: keep(update.trialExpiresOn),
    }) as LicenseRequestRow | undefined;
    if (!row) throw new Error(`license request ${id} not found`);
    return toRequestRecord(row);
  }

  async claimRetry(id: string, now: Date): Promise<boolean> {
    return this.stmt.claimRetry.run(iso(now), id).changes === 1;
  }

  async findRecentDuplicates(
    key: { ticketUrl: string; email: string; userCount: number },
    since: Date,
  ): Promise<LicenseRequestRecord[]> {
    const rows = this.stmt.findRecentDuplicates.all({
      ticket_url: key.ticketUrl,
      email: key.email,
      user_count: key.userCount,
      since: iso(since),
    }) as LicenseRequestRow[];
    return rows.map(toRequestRecord);
  }

  async findByTicket(ticketUrl: string, limit: number): Promise<LicenseRequestRecord[]> {
    return (this.stmt.findByTicket.all(ticketUrl, clampLimit(limit)) as LicenseRequestRow[]).map(toRequestRecord);
  }

  async findByEmail(email: string, limit: number): Promise<LicenseRequestRecord[]> {
    return (this.stmt.findByEmail.all(email, clampLimit(limit)) as LicenseRequestRow[]).map(toRequestRecord);
  }

  async listPending(): Promise<LicenseRequestRecord[]> {
    return (this.stmt.listPending.all() as LicenseRequestRow[]).map(toRequestRecord);
  }

  async listDeliveriesDue(now: Date, limit: number): Promise<LicenseRequestRecord[]> {
    return (this.stmt.deliveriesDue.all(iso(now), clampLimit(limit)) as LicenseRequestRow[]).map(toRequestRecord);
  }

  async recordDelivery(id: string, outcome: DeliveryOutcome, now: Date): Promise<LicenseRequestRecord> {
    const row = (
      outcome.delivered
        ? this.stmt.deliveryDone.get({ id, updated_at: iso(now) })
        : this.stmt.deliveryFailed.get({
            id,
            updated_at: iso(now),
            error: outcome.error,
            status: outcome.nextAttemptAt ? 'pending' : 'failed',
            next_at: outcome.nextAttemptAt ? iso(outcome.nextAttemptAt) : null,
          })
    ) as LicenseRequestRow | undefined;
    if (!row) throw new Error(`license request ${id} not found`);
    return toRequestRecord(row);
  }

  // ----- RequestLeaseStore (HA: see sqlite-request-leases.ts) ---------------------------------

  async claimRequest(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    return this.leases.claimOne(id, owner, now, leaseMs);
  }

  async claimPendingRequests(owner: string, now: Date, limit: number, leaseMs: number, unclaimedGraceMs?: number): Promise<LicenseRequestRecord[]> {
    return this.leases.claimPending(owner, now, limit, leaseMs, unclaimedGraceMs).map(toRequestRecord);
  }

  async claimDeliveriesDue(owner: string, now: Date, limit: number, leaseMs: number): Promise<LicenseRequestRecord[]> {
    return this.leases.claimDeliveries(owner, now, limit, leaseMs).map(toRequestRecord);
  }

  async renewRequestLease(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    return this.leases.renew(id, owner, now, leaseMs);
  }

  async releaseRequestLease(id: string, owner: string): Promise<void> {
    this.leases.release(id, owner);
  }

  // ----- OpenRequestStore ----------------------------------------------------------------------

  async saveOpenRequest(open: Omit<OpenRequest, 'updatedAt'>, now: Date): Promise<void> {
    this.stmt.saveOpenRequest.run({
      view_id: open.viewId,
      slack_user_id: open.slackUserId,
      stage: open.stage,
      facts: JSON.stringify(open.facts),
      justification: open.justification ?? null,
      channel_id: open.channelId ?? null,
      updated_at: iso(now),
    });
  }

  async getOpenRequest(viewId: string): Promise<OpenRequest | undefined> {
    const row = this.stmt.getOpenRequest.get(viewId) as OpenRequestRow | undefined;
    if (!row) return undefined;
    const open: OpenRequest = {
      viewId: row.view_id,
      slackUserId: row.slack_user_id,
      stage: row.stage,
      facts: JSON.parse(row.facts) as Record<string, unknown>,
      updatedAt: row.updated_at,
    };
    if (row.justification !== null) open.justification = row.justification;
    if (row.channel_id !== null) open.channelId = row.channel_id;
    return open;
  }

  async pruneOpenRequests(before: Date): Promise<number> {
    return this.stmt.pruneOpenRequests.run(iso(before)).changes;
  }

  // ----- AuditOutbox ---------------------------------------------------------------------------

  async enqueue(message: OutboxMessage, now: Date): Promise<OutboxEntry> {
    const at = iso(now);
    const row = this.stmt.enqueue.get({
      key: message.key,
      channel: message.channel,
      text: message.text,
      blocks: JSON.stringify(message.blocks ?? []),
      thread_of_key: message.threadOfKey ?? null,
      now: at,
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
    const release = this.db.prepare('UPDATE audit_outbox SET claimed_until = NULL WHERE key = ?');
    this.db.transaction(() => keys.forEach((key) => release.run(key)))();
  }

  async get(key: string): Promise<OutboxEntry | undefined> {
    const row = this.stmt.getOutbox.get(key) as OutboxRow | undefined;
    return row && toOutboxEntry(row);
  }

  async markDelivered(key: string, version: number, ts: string, _now: Date): Promise<void> {
    this.stmt.markDelivered.run({ key, version, ts });
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

  // ----- StarDecisionStore ---------------------------------------------------------------------

  async recordDecision(
    decision: Omit<StarDecisionRecord, 'id' | 'createdAt'>,
    now: Date,
  ): Promise<StarDecisionRecord> {
    const record: StarDecisionRecord = {
      id: randomUUID(),
      ticketUrl: decision.ticketUrl,
      decidedBySlackId: decision.decidedBySlackId,
      verdict: decision.verdict,
      inputs: decision.inputs,
      createdAt: iso(now),
    };
    this.stmt.insertDecision.run({
      id: record.id,
      ticket_url: record.ticketUrl,
      decided_by_slack_id: record.decidedBySlackId,
      verdict: record.verdict,
      inputs: JSON.stringify(record.inputs ?? {}),
      created_at: record.createdAt,
    });
    // Return what a later read would return (e.g. JSON drops undefined values).
    return { ...record, inputs: JSON.parse(JSON.stringify(record.inputs ?? {})) as Record<string, unknown> };
  }

  async listDecisions(since: Date): Promise<StarDecisionRecord[]> {
    return (this.stmt.listDecisions.all(iso(since)) as StarDecisionRow[]).map(toStarDecision);
  }

  // ----- UserPreferenceStore -------------------------------------------------------------------

  async getPreferences(slackUserId: string): Promise<UserPreferences> {
    const row = this.stmt.getPreferences.get(slackUserId) as PreferencesRow | undefined;
    const prefs: UserPreferences = {};
    if (row?.gitlab_username != null) prefs.gitlabUsername = row.gitlab_username;
    if (row?.time_zone != null) prefs.timeZone = row.time_zone;
    return prefs;
  }

  async savePreferences(slackUserId: string, prefs: UserPreferences, now: Date): Promise<void> {
    this.stmt.savePreferences.run({
      slack_user_id: slackUserId,
      gitlab_username: prefs.gitlabUsername ?? null,
      time_zone: prefs.timeZone ?? null,
      updated_at: iso(now),
    });
  }

  // ----- Store ---------------------------------------------------------------------------------

  async isWritable(): Promise<boolean> {
    try {
      if (!this.db.open) return false;
      return this.stmt.healthProbe.run(iso(new Date())).changes === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closeNow();
  }

  /** Synchronous close, for callers outside an async context. */
  closeNow(): void {
    if (!this.db.open) return;
    try {
      // Lets SQLite refresh planner statistics where useful; cheap (bounded analysis).
      this.db.pragma('optimize');
    } catch {
      // best effort
    }
    this.db.close();
  }

  // ----- Benchmark / maintenance helpers (not part of Store) -----------------------------------

  /**
   * Inserts fully formed records as-is (ids, timestamps, versions from the caller) in ONE
   * transaction, with the same prepared statements as a normal insert. Meant for benchmarks
   * and fixtures: 100,000 requests + 1,000,000 outbox rows take a few seconds. Pass generators
   * to avoid materialising a million objects. Existing keys/ids make it throw and roll back.
   */
  bulkInsertForBenchmark(
    requests: Iterable<LicenseRequestRecord>,
    outbox: Iterable<OutboxEntry>,
  ): { requests: number; outbox: number } {
    const run = this.db.transaction(() => {
      let nRequests = 0;
      let nOutbox = 0;
      for (const r of requests) {
        const row = toRequestRow(r);
        this.stmt.insertRequestRaw.run(REQUEST_COLUMN_LIST.map((c) => row[c]));
        nRequests++;
      }
      for (const e of outbox) {
        const row = toOutboxRow(e);
        this.stmt.insertOutboxRaw.run(OUTBOX_COLUMN_LIST.map((c) => row[c]));
        nOutbox++;
      }
      return { requests: nRequests, outbox: nOutbox };
    });
    return run.immediate();
  }

  /**
   * Every stored row, oldest first (insertion order), as the records the store returns, for
   * copying the store elsewhere (`npm run migrate-store`). Streams: nothing is loaded at once.
   */
  *exportRequests(): Generator<LicenseRequestRecord> {
    for (const row of this.db.prepare('SELECT * FROM license_requests ORDER BY rowid').iterate()) yield toRequestRecord(row as LicenseRequestRow);
  }

  *exportOutbox(): Generator<OutboxEntry> {
    for (const row of this.db.prepare('SELECT * FROM audit_outbox ORDER BY rowid').iterate()) yield toOutboxEntry(row as OutboxRow);
  }

  *exportDecisions(): Generator<StarDecisionRecord> {
    for (const row of this.db.prepare('SELECT * FROM star_decisions ORDER BY rowid').iterate()) yield toStarDecision(row as StarDecisionRow);
  }

  *exportPreferences(): Generator<StoredPreferences> {
    for (const row of this.db.prepare('SELECT * FROM user_preferences ORDER BY rowid').iterate()) {
      const r = row as PreferencesRow & { slack_user_id: string; updated_at: string };
      const prefs: UserPreferences = {};
      if (r.gitlab_username != null) prefs.gitlabUsername = r.gitlab_username;
      if (r.time_zone != null) prefs.timeZone = r.time_zone;
      yield { slackUserId: r.slack_user_id, prefs, updatedAt: r.updated_at };
    }
  }

  /** `EXPLAIN QUERY PLAN` details for one of {@link QUERIES} (diagnostics and tests). */
  explain(sql: string, ...params: unknown[]): string[] {
    const rows = this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
    return rows.map((r) => r.detail);
  }

  /** Runs ANALYZE so the planner has statistics (e.g. after a bulk insert). */
  analyze(): void {
    this.db.exec('ANALYZE');
  }

  /** Reads one PRAGMA value (diagnostics and tests), e.g. `pragma('journal_mode')`. */
  pragma(name: string): unknown {
    return this.db.pragma(name, { simple: true });
  }
}

const INSERT_REQUEST_IF_NEW = `INSERT INTO license_requests (${REQUEST_COLUMNS}) VALUES (${REQUEST_NAMED_PARAMS})
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING *`;

function prepareStatements(db: Database.Database) {
  return {
    // Positional parameters: binding by name costs ~30% more per row, which shows at 1M rows.
    insertRequestRaw: db.prepare(
      `INSERT INTO license_requests (${REQUEST_COLUMNS}) VALUES (${positional(REQUEST_COLUMN_LIST)})`,
    ),
    getRequest: db.prepare('SELECT * FROM license_requests WHERE id = ?'),
    updateRequest: db.prepare(
      `UPDATE license_requests SET
         status = @status,
         reason = CASE WHEN @keep_reason THEN reason ELSE @reason END,
         reference = CASE WHEN @keep_reference THEN reference ELSE @reference END,
         license_file = CASE WHEN @keep_license_file THEN license_file ELSE @license_file END,
         trial_expires_on = CASE WHEN @keep_trial_expires_on THEN trial_expires_on ELSE @trial_expires_on END,
         -- Becoming generated makes the delivery pending in the same write: a crash right after
         -- it leaves a delivery to resume, never a license nobody hands over.
         delivery_status = CASE WHEN @status = 'generated' AND delivery_status = 'none' THEN 'pending' ELSE delivery_status END,
         delivery_next_at = CASE WHEN @status = 'generated' AND delivery_status = 'none' THEN @updated_at ELSE delivery_next_at END,
         updated_at = @updated_at
       WHERE id = @id
       RETURNING *`,
    ),
    // Only a failed request can be claimed, so of two concurrent clicks exactly one wins.
    claimRetry: db.prepare(
      `UPDATE license_requests SET status = 'pending', attempts = attempts + 1, updated_at = ?
       WHERE id = ? AND status = 'failed'`,
    ),
    findRecentDuplicates: db.prepare(QUERIES.findRecentDuplicates),
    deliveriesDue: db.prepare(QUERIES.deliveriesDue),
    deliveryDone: db.prepare(
      `UPDATE license_requests SET delivery_status = 'delivered', delivery_attempts = delivery_attempts + 1,
         delivery_next_at = NULL, delivery_error = NULL, updated_at = @updated_at
       WHERE id = @id RETURNING *`,
    ),
    // Only a pending delivery changes: a late failure report never undoes a delivery.
    deliveryFailed: db.prepare(
      `UPDATE license_requests SET
         delivery_status = CASE WHEN delivery_status = 'delivered' THEN delivery_status ELSE @status END,
         delivery_attempts = delivery_attempts + 1,
         delivery_next_at = CASE WHEN delivery_status = 'delivered' THEN NULL ELSE @next_at END,
         delivery_error = CASE WHEN delivery_status = 'delivered' THEN NULL ELSE @error END,
         updated_at = @updated_at
       WHERE id = @id RETURNING *`,
    ),
    saveOpenRequest: db.prepare(
      `INSERT INTO open_requests (view_id, slack_user_id, stage, facts, justification, channel_id, updated_at)
       VALUES (@view_id, @slack_user_id, @stage, @facts, @justification, @channel_id, @updated_at)
       ON CONFLICT (view_id) DO UPDATE SET slack_user_id = excluded.slack_user_id, stage = excluded.stage,
         facts = excluded.facts, justification = excluded.justification, channel_id = excluded.channel_id,
         updated_at = excluded.updated_at`,
    ),
    getOpenRequest: db.prepare('SELECT * FROM open_requests WHERE view_id = ?'),
    pruneOpenRequests: db.prepare('DELETE FROM open_requests WHERE updated_at < ?'),
    markPostStarted: db.prepare('UPDATE audit_outbox SET post_started_at = @now WHERE key = @key AND ts IS NULL'),
    findByTicket: db.prepare(QUERIES.findByTicket),
    findByEmail: db.prepare(QUERIES.findByEmail),
    listPending: db.prepare(QUERIES.listPending),

    // New key: version 1, due now. Existing key: new text/blocks, version + 1, due now again,
    // attempts/last_error reset. ts and created_at are kept (the Slack message is updated in
    // place and keeps its place in the queue). channel/thread_of_key only change while the
    // message was never posted: a posted message cannot move.
    enqueue: db.prepare(
      `INSERT INTO audit_outbox (${OUTBOX_COLUMNS})
       VALUES (@key, @channel, @text, @blocks, @thread_of_key, NULL, 1, 0, 0, @now, NULL, @now)
       ON CONFLICT (key) DO UPDATE SET
         text = excluded.text,
         blocks = excluded.blocks,
         channel = CASE WHEN audit_outbox.ts IS NULL THEN excluded.channel ELSE audit_outbox.channel END,
         thread_of_key = CASE WHEN audit_outbox.ts IS NULL THEN excluded.thread_of_key ELSE audit_outbox.thread_of_key END,
         version = audit_outbox.version + 1,
         attempts = 0,
         last_error = NULL,
         next_attempt_at = excluded.next_attempt_at
       RETURNING *`,
    ),
    insertOutboxRaw: db.prepare(
      `INSERT INTO audit_outbox (${OUTBOX_COLUMNS}) VALUES (${positional(OUTBOX_COLUMN_LIST)})`,
    ),
    getOutbox: db.prepare('SELECT * FROM audit_outbox WHERE key = ?'),
    due: db.prepare(QUERIES.due),
    claimable: db.prepare(
      `SELECT * FROM audit_outbox
       WHERE version > delivered_version AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
       ORDER BY created_at, rowid LIMIT ?`,
    ),
    lease: db.prepare('UPDATE audit_outbox SET claimed_until = ? WHERE key = ?'),
    markDelivered: db.prepare(
      `UPDATE audit_outbox SET
         ts = @ts,
         delivered_version = MAX(delivered_version, @version),
         claimed_until = NULL
       WHERE key = @key`,
    ),
    markFailed: db.prepare(
      `UPDATE audit_outbox SET attempts = attempts + 1, next_attempt_at = @next_attempt_at, last_error = @error,
         claimed_until = NULL
       WHERE key = @key`,
    ),
    backlog: db.prepare(QUERIES.backlog).pluck(),

    insertDecision: db.prepare(
      `INSERT INTO star_decisions (id, ticket_url, decided_by_slack_id, verdict, inputs, created_at)
       VALUES (@id, @ticket_url, @decided_by_slack_id, @verdict, @inputs, @created_at)`,
    ),
    listDecisions: db.prepare('SELECT * FROM star_decisions WHERE created_at >= ? ORDER BY created_at, rowid'),

    getPreferences: db.prepare('SELECT gitlab_username, time_zone FROM user_preferences WHERE slack_user_id = ?'),
    savePreferences: db.prepare(
      `INSERT INTO user_preferences (slack_user_id, gitlab_username, time_zone, updated_at)
       VALUES (@slack_user_id, @gitlab_username, @time_zone, @updated_at)
       ON CONFLICT (slack_user_id) DO UPDATE SET
         gitlab_username = COALESCE(excluded.gitlab_username, user_preferences.gitlab_username),
         time_zone = COALESCE(excluded.time_zone, user_preferences.time_zone),
         updated_at = excluded.updated_at`,
    ),

    healthProbe: db.prepare(
      `INSERT INTO health (id, checked_at) VALUES (1, ?)
       ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`,
    ),
  };
}
