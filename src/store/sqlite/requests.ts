import type Database from 'better-sqlite3';
import {
  changeColumns,
  newPendingRequest,
  REQUEST_COLUMN_LIST,
  toRequestColumns,
  toRequestRecord,
  type RequestColumns,
} from '../request-columns';
import type {
  CreatedOrExisting,
  CreateRequestOptions,
  CreateRequestResult,
  DeliveryOutcome,
  GeneratedLicenseRequest,
  LicenseRequestChange,
  LicenseRequestInput,
  LicenseRequestRecord,
  LicenseRequestRepository,
  PendingLicenseRequest,
} from '../types';
import { LeaseLostError } from '../types';
import { createRequestAtomically, prepareCreateRequest, type CreateRequestStatements } from './create-request';
import { clampLimit, iso } from './database';
import { SqliteRequestLeases } from './request-leases';

const COLUMNS = REQUEST_COLUMN_LIST.join(', ');

/** The read queries, exported so that a test can check their plans (indexes, no full scans). */
export const REQUEST_QUERIES = {
  findByTicket: `SELECT * FROM license_requests WHERE ticket_url = ?
    ORDER BY created_at DESC, rowid DESC LIMIT ?`,
  findByEmail: `SELECT * FROM license_requests WHERE lower(email) = lower(?)
    ORDER BY created_at DESC, rowid DESC LIMIT ?`,
  listPending: `SELECT * FROM license_requests WHERE status = 'pending' ORDER BY created_at, rowid`,
  deliveriesDue: `SELECT * FROM license_requests
    WHERE delivery_status = 'pending' AND delivery_next_at <= ?
    ORDER BY delivery_next_at, rowid LIMIT ?`,
} as const;

function prepare(db: Database.Database) {
  return {
    get: db.prepare('SELECT * FROM license_requests WHERE id = ?'),
    update: db.prepare(
      `UPDATE license_requests SET
         status = @status, failure_reason = @failure_reason, refusal_reason = @refusal_reason,
         issue_url = @issue_url, license_path = @license_path, license_file = @license_file,
         trial_expires_on = @trial_expires_on, issued_to_email = @issued_to_email,
         issued_to_user_count = @issued_to_user_count,
         -- Becoming generated makes the delivery pending in the same write: a crash right after
         -- it leaves a delivery to resume, never a license nobody hands over.
         delivery_status = CASE WHEN @status = 'generated' AND delivery_status = 'none' THEN 'pending' ELSE ` +
        `delivery_status END,
         delivery_next_at = CASE WHEN @status = 'generated' AND delivery_status = 'none' THEN @updated_at ELSE ` +
        `delivery_next_at END,
         updated_at = @updated_at
       WHERE id = @id
       RETURNING *`,
    ),
    // Only a failed request can be claimed, so of two concurrent clicks exactly one wins.
    claimRetry: db.prepare(
      `UPDATE license_requests SET status = 'pending', attempts = attempts + 1, failure_reason = NULL,
         issue_url = NULL, license_path = NULL, updated_at = ?
       WHERE id = ? AND status = 'failed'`,
    ),
    findByTicket: db.prepare(REQUEST_QUERIES.findByTicket),
    findByEmail: db.prepare(REQUEST_QUERIES.findByEmail),
    listPending: db.prepare(REQUEST_QUERIES.listPending),
    deliveriesDue: db.prepare(REQUEST_QUERIES.deliveriesDue),
    // @owner: only while that owner holds the lease (fenced work); NULL: unconditional.
    deliveryDone: db.prepare(
      `UPDATE license_requests SET delivery_status = 'delivered', delivery_attempts = delivery_attempts + 1,
         delivery_next_at = NULL, delivery_error = NULL, delivery_started_at = NULL, updated_at = @updated_at
       WHERE id = @id AND (@owner IS NULL OR claimed_by = @owner) RETURNING *`,
    ),
    deliveryStart: db.prepare(
      `UPDATE license_requests SET claimed_until = @until, delivery_started_at = @now
       WHERE id = @id AND claimed_by = @owner AND status = 'generated' AND delivery_status = 'pending'`,
    ),
    deliveryStarted: db.prepare(`SELECT delivery_started_at FROM license_requests WHERE id = ? AND claimed_by = ?`),
    // Only a pending delivery changes: a late failure report never undoes a delivery.
    deliveryFailed: db.prepare(
      `UPDATE license_requests SET
         delivery_status = CASE WHEN delivery_status = 'delivered' THEN delivery_status ELSE @status END,
         delivery_attempts = delivery_attempts + 1,
         delivery_next_at = CASE WHEN delivery_status = 'delivered' THEN NULL ELSE @next_at END,
         delivery_error = CASE WHEN delivery_status = 'delivered' THEN NULL ELSE @error END,
         delivery_started_at = CASE WHEN @may_have_arrived = 1 THEN delivery_started_at ELSE NULL END,
         updated_at = @updated_at
       WHERE id = @id AND (@owner IS NULL OR claimed_by = @owner) RETURNING *`,
    ),
  };
}

/**
 * License requests in SQLite. better-sqlite3 is synchronous, so within one process no two calls
 * interleave; across processes the SQL itself is safe (ON CONFLICT, conditional UPDATEs, the
 * immediate transaction of createRequest).
 */
export class SqliteLicenseRequests implements LicenseRequestRepository {
  private readonly stmt: ReturnType<typeof prepare>;
  private readonly createStmt: CreateRequestStatements;
  private readonly leases: SqliteRequestLeases<RequestColumns & { id: string }>;

  constructor(private readonly db: Database.Database) {
    this.stmt = prepare(db);
    this.leases = new SqliteRequestLeases(db);
    this.createStmt = prepareCreateRequest(
      db,
      `INSERT INTO license_requests (${COLUMNS}) VALUES (${REQUEST_COLUMN_LIST.map((c) => `@${c}`).join(', ')})
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING *`,
    );
  }

  createRequest(input: LicenseRequestInput, now: Date): Promise<CreatedOrExisting>;
  createRequest(input: LicenseRequestInput, now: Date, options?: CreateRequestOptions): Promise<CreateRequestResult>;
  async createRequest(
    input: LicenseRequestInput,
    now: Date,
    options: CreateRequestOptions = {},
  ): Promise<CreateRequestResult> {
    const row = toRequestColumns(newPendingRequest(input, now));
    const since = options.reissueWindowSince && iso(options.reissueWindowSince);
    const result = createRequestAtomically(this.db, this.createStmt, row, since);
    return result.outcome === 'duplicates'
      ? { outcome: 'duplicates', duplicates: result.rows.map(toRequestRecord) }
      : { outcome: result.outcome, record: toRequestRecord(result.row) };
  }

  async getRequest(id: string): Promise<LicenseRequestRecord | undefined> {
    const row = this.stmt.get.get(id) as RequestColumns | undefined;
    return row && toRequestRecord(row);
  }

  async updateRequest(id: string, change: LicenseRequestChange, now: Date): Promise<LicenseRequestRecord> {
    const row = this.stmt.update.get({ id, ...changeColumns(change), updated_at: iso(now) }) as
      RequestColumns | undefined;
    if (!row) throw new Error(`license request ${id} not found`);
    return toRequestRecord(row);
  }

  async claimRetry(id: string, now: Date): Promise<boolean> {
    return this.stmt.claimRetry.run(iso(now), id).changes === 1;
  }

  async findByTicket(ticketUrl: string, limit: number): Promise<LicenseRequestRecord[]> {
    return (this.stmt.findByTicket.all(ticketUrl, clampLimit(limit)) as RequestColumns[]).map(toRequestRecord);
  }

  async findByEmail(email: string, limit: number): Promise<LicenseRequestRecord[]> {
    return (this.stmt.findByEmail.all(email, clampLimit(limit)) as RequestColumns[]).map(toRequestRecord);
  }

  async listPending(): Promise<PendingLicenseRequest[]> {
    const records = (this.stmt.listPending.all() as RequestColumns[]).map(toRequestRecord);
    return records.filter((r): r is PendingLicenseRequest => r.status === 'pending');
  }

  async listDeliveriesDue(now: Date, limit: number): Promise<GeneratedLicenseRequest[]> {
    // Only generated requests ever have a pending delivery (see the update statement).
    const rows = this.stmt.deliveriesDue.all(iso(now), clampLimit(limit)) as RequestColumns[];
    return rows.map(toRequestRecord).filter((r): r is GeneratedLicenseRequest => r.status === 'generated');
  }

  async recordDelivery(
    id: string,
    outcome: DeliveryOutcome,
    now: Date,
    options: { owner?: string } = {},
  ): Promise<LicenseRequestRecord> {
    const owner = options.owner ?? null;
    const row = (
      outcome.delivered
        ? this.stmt.deliveryDone.get({ id, updated_at: iso(now), owner })
        : this.stmt.deliveryFailed.get({
            id,
            owner,
            may_have_arrived: outcome.mayHaveArrived ? 1 : 0,
            updated_at: iso(now),
            error: outcome.error,
            status: outcome.nextAttemptAt ? 'pending' : 'failed',
            next_at: outcome.nextAttemptAt ? iso(outcome.nextAttemptAt) : null,
          })
    ) as RequestColumns | undefined;
    if (!row) {
      if (options.owner !== undefined && this.stmt.get.get(id)) throw new LeaseLostError(id);
      throw new Error(`license request ${id} not found`);
    }
    return toRequestRecord(row);
  }

  async startDeliveryAttempt(
    id: string,
    owner: string,
    now: Date,
    leaseMs: number,
  ): Promise<{ held: false } | { held: true; interruptedAt?: string }> {
    const start = this.db.transaction(() => {
      const before = this.stmt.deliveryStarted.get(id, owner) as { delivery_started_at: string | null } | undefined;
      const changed = this.stmt.deliveryStart.run({
        id,
        owner,
        now: iso(now),
        until: iso(new Date(now.getTime() + Math.max(0, leaseMs))),
      }).changes;
      return changed === 1 ? { held: true as const, previous: before?.delivery_started_at ?? null } : undefined;
    });
    const started = start.immediate();
    if (!started) return { held: false };
    return started.previous ? { held: true, interruptedAt: started.previous } : { held: true };
  }

  // ----- Leases (several bots on one store: see RequestLeases) ----------------------------------

  async claimRequest(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    return this.leases.claimOne(id, owner, now, leaseMs);
  }

  async claimPendingRequests(
    owner: string,
    now: Date,
    limit: number,
    leaseMs: number,
    unclaimedGraceMs?: number,
  ): Promise<LicenseRequestRecord[]> {
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
}
