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
  LicenseRequestChange,
  LicenseRequestInput,
  LicenseRequestRecord,
  LicenseRequestRepository,
} from '../types';
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
    ) as RequestColumns | undefined;
    if (!row) throw new Error(`license request ${id} not found`);
    return toRequestRecord(row);
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
