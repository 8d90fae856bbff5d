import { changeColumns, newPendingRequest } from '../request-columns';
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
import { clampLimit, iso, type PgConnection } from './connection';
import { createRequestAtomically } from './create-request';
import {
  pgClaimDeliveriesDue,
  pgClaimPendingRequests,
  pgClaimRequest,
  pgReleaseRequestLease,
  pgRenewRequestLease,
} from './request-leases';
import { requestValues, toRequestRecord, type PgRequestRow } from './rows';

/** License requests in PostgreSQL (cross-replica safety: see PostgresStore). */
export class PgLicenseRequests implements LicenseRequestRepository {
  constructor(private readonly pg: PgConnection) {}

  createRequest(input: LicenseRequestInput, now: Date): Promise<CreatedOrExisting>;
  createRequest(input: LicenseRequestInput, now: Date, options?: CreateRequestOptions): Promise<CreateRequestResult>;
  async createRequest(
    input: LicenseRequestInput,
    now: Date,
    options: CreateRequestOptions = {},
  ): Promise<CreateRequestResult> {
    const values = requestValues(newPendingRequest(input, now));
    const since = options.reissueWindowSince && iso(options.reissueWindowSince);
    const result = await this.pg.withClient((client) => createRequestAtomically(client, input, values, since));
    return result.outcome === 'duplicates'
      ? { outcome: 'duplicates', duplicates: result.rows.map(toRequestRecord) }
      : { outcome: result.outcome, record: toRequestRecord(result.row) };
  }

  async getRequest(id: string): Promise<LicenseRequestRecord | undefined> {
    const [row] = await this.pg.rows<PgRequestRow>('SELECT * FROM license_requests WHERE id = $1', [id]);
    return row && toRequestRecord(row);
  }

  async updateRequest(id: string, change: LicenseRequestChange, now: Date): Promise<LicenseRequestRecord> {
    const c = changeColumns(change);
    const [row] = await this.pg.rows<PgRequestRow>(
      `UPDATE license_requests SET
         status = $2, failure_reason = $3, refusal_reason = $4, issue_url = $5, license_path = $6,
         license_file = $7, trial_expires_on = $8, issued_to_email = $9, issued_to_user_count = $10,
         -- Becoming generated makes the delivery pending in the same write: a crash right after
         -- it leaves a delivery to resume, never a license nobody hands over.
         delivery_status = CASE WHEN $2 = 'generated' AND delivery_status = 'none' THEN 'pending' ELSE ` +
        `delivery_status END,
         delivery_next_at = CASE WHEN $2 = 'generated' AND delivery_status = 'none' THEN $11 ELSE ` +
        `delivery_next_at END,
         updated_at = $11
       WHERE id = $1
       RETURNING *`,
      [
        id,
        c.status,
        c.failure_reason,
        c.refusal_reason,
        c.issue_url,
        c.license_path,
        c.license_file,
        c.trial_expires_on,
        c.issued_to_email,
        c.issued_to_user_count,
        iso(now),
      ],
    );
    if (!row) throw new Error(`license request ${id} not found`);
    return toRequestRecord(row);
  }

  async claimRetry(id: string, now: Date): Promise<boolean> {
    // Conditional: of two concurrent claims the second waits for the first's row lock, re-checks
    // the WHERE against the new row (no longer failed) and updates nothing.
    const result = await this.pg.query(
      `UPDATE license_requests SET status = 'pending', attempts = attempts + 1, failure_reason = NULL,
         issue_url = NULL, license_path = NULL, updated_at = $1
       WHERE id = $2 AND status = 'failed'`,
      [iso(now), id],
    );
    return result.rowCount === 1;
  }

  async findByTicket(ticketUrl: string, limit: number): Promise<LicenseRequestRecord[]> {
    const rows = await this.pg.rows<PgRequestRow>(
      'SELECT * FROM license_requests WHERE ticket_url = $1 ORDER BY created_at DESC, seq DESC LIMIT $2',
      [ticketUrl, clampLimit(limit)],
    );
    return rows.map(toRequestRecord);
  }

  async findByEmail(email: string, limit: number): Promise<LicenseRequestRecord[]> {
    const rows = await this.pg.rows<PgRequestRow>(
      'SELECT * FROM license_requests WHERE lower(email) = lower($1) ORDER BY created_at DESC, seq DESC LIMIT $2',
      [email, clampLimit(limit)],
    );
    return rows.map(toRequestRecord);
  }

  async recordDelivery(id: string, outcome: DeliveryOutcome, now: Date): Promise<LicenseRequestRecord> {
    const [row] = outcome.delivered
      ? await this.pg.rows<PgRequestRow>(
          `UPDATE license_requests SET delivery_status = 'delivered', delivery_attempts = delivery_attempts + 1,
             delivery_next_at = NULL, delivery_error = NULL, updated_at = $2
           WHERE id = $1 RETURNING *`,
          [id, iso(now)],
        )
      : // Only a pending delivery changes: a late failure report never undoes a delivery.
        await this.pg.rows<PgRequestRow>(
          `UPDATE license_requests SET
             delivery_status = CASE WHEN delivery_status = 'delivered' THEN delivery_status ELSE $3 END,
             delivery_attempts = delivery_attempts + 1,
             delivery_next_at = CASE WHEN delivery_status = 'delivered' THEN NULL ELSE $4::timestamptz END,
             delivery_error = CASE WHEN delivery_status = 'delivered' THEN NULL ELSE $5 END,
             updated_at = $2
           WHERE id = $1 RETURNING *`,
          [
            id,
            iso(now),
            outcome.nextAttemptAt ? 'pending' : 'failed',
            outcome.nextAttemptAt ? iso(outcome.nextAttemptAt) : null,
            outcome.error,
          ],
        );
    if (!row) throw new Error(`license request ${id} not found`);
    return toRequestRecord(row);
  }

  // ----- Leases (replicas taking over each other's work: see RequestLeases) ---------------------

  claimRequest(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    return this.whenOpen(() => pgClaimRequest(this.pg.pool, id, owner, now, leaseMs));
  }

  claimPendingRequests(
    owner: string,
    now: Date,
    limit: number,
    leaseMs: number,
    unclaimedGraceMs?: number,
  ): Promise<LicenseRequestRecord[]> {
    return this.whenOpen(() => pgClaimPendingRequests(this.pg.pool, owner, now, limit, leaseMs, unclaimedGraceMs));
  }

  claimDeliveriesDue(owner: string, now: Date, limit: number, leaseMs: number): Promise<LicenseRequestRecord[]> {
    return this.whenOpen(() => pgClaimDeliveriesDue(this.pg.pool, owner, now, limit, leaseMs));
  }

  renewRequestLease(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    return this.whenOpen(() => pgRenewRequestLease(this.pg.pool, id, owner, now, leaseMs));
  }

  releaseRequestLease(id: string, owner: string): Promise<void> {
    return this.whenOpen(() => pgReleaseRequestLease(this.pg.pool, id, owner));
  }

  private async whenOpen<T>(fn: () => Promise<T>): Promise<T> {
    if (this.pg.closed) throw new Error('the PostgreSQL store is closed');
    return fn();
  }
}
