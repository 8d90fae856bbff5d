import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import {
  changeColumns,
  newPendingRequest,
  newRefusedRequest,
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
  LicenseCopies,
  LicenseRequestRepository,
} from '../types';
import { LeaseLostError } from '../types';
import { LicenseCopyRows } from './copies';
import { clampLimit, count, iso, pickedOrder, until, type StoreDb, type Tables } from './db';
import { deliveryOutcomeColumns, startHandOver } from './delivery';

/** Advisory-lock key spaces of the PostgreSQL duplicate check (two-int form), apart from the migration lock. */
const EMAIL_LOCK_SPACE = 0x4c52656d; // "LRem"
const TICKET_LOCK_SPACE = 0x4c527469; // "LRti"

type Row = Tables['license_requests'];

/** A released lease: expired since long ago, so free for anyone at once. */
const RELEASED = '1970-01-01T00:00:00.000Z';

/**
 * License requests, on either backend. Cross-process and cross-replica safety comes from the SQL:
 * ON CONFLICT on the idempotency key, conditional UPDATEs, leases taken in one transaction
 * (SKIP LOCKED on PostgreSQL), and the atomic create below.
 */
export class LicenseRequests implements LicenseRequestRepository {
  private readonly db: Kysely<Tables>;

  private readonly copies: LicenseCopyRows;

  constructor(private readonly store: StoreDb) {
    this.db = store.db;
    this.copies = new LicenseCopyRows(store);
  }

  // ----- Copies of a license (see LicenseCopies; their rows are in copies.ts) -------------------

  readonly requestCopy: LicenseCopies['requestCopy'] = (input, now, options) =>
    this.copies.requestCopy(input, now, options);
  readonly getCopy: LicenseCopies['getCopy'] = (id) => this.copies.getCopy(id);
  readonly copiesOf: LicenseCopies['copiesOf'] = (requestId) => this.copies.copiesOf(requestId);
  readonly claimCopiesDue: LicenseCopies['claimCopiesDue'] = (owner, now, limit, leaseMs) =>
    this.copies.claimCopiesDue(owner, now, limit, leaseMs);
  readonly renewCopyLease: LicenseCopies['renewCopyLease'] = (id, owner, now, leaseMs) =>
    this.copies.renewCopyLease(id, owner, now, leaseMs);
  readonly releaseCopyLease: LicenseCopies['releaseCopyLease'] = (id, owner) => this.copies.releaseCopyLease(id, owner);
  readonly startCopyAttempt: LicenseCopies['startCopyAttempt'] = (id, owner, now, leaseMs) =>
    this.copies.startCopyAttempt(id, owner, now, leaseMs);
  readonly recordCopyDelivery: LicenseCopies['recordCopyDelivery'] = (id, outcome, now, options) =>
    this.copies.recordCopyDelivery(id, outcome, now, options);

  /** The read queries (a test checks their SQLite plans: indexes, no full scans). */
  readonly queries = {
    findByTicket: (ticketUrl: string, limit: number) =>
      this.db
        .selectFrom('license_requests')
        .selectAll()
        .where('ticket_url', '=', ticketUrl)
        .orderBy('created_at', 'desc')
        .orderBy(this.store.seq, 'desc')
        .limit(clampLimit(limit)),
    findByEmail: (email: string, limit: number) =>
      this.db
        .selectFrom('license_requests')
        .selectAll()
        .where(sql`lower(email)`, '=', sql`lower(${email})`)
        .orderBy('created_at', 'desc')
        .orderBy(this.store.seq, 'desc')
        .limit(clampLimit(limit)),
    createdSince: (since: Date, limit: number) =>
      this.db
        .selectFrom('license_requests')
        .selectAll()
        // Every status spelled out: the (status, created_at) index then serves the date range.
        .where('status', 'in', ['pending', 'generated', 'failed', 'refused'])
        .where('created_at', '>=', iso(since))
        .orderBy('created_at')
        .orderBy('id')
        .limit(clampLimit(limit)),
  };

  /**
   * SQLite: pending/generated requests for the same ticket OR the same email (any case) since a
   * date, newest first. The two look-ups spelled out so each uses its own index (with the OR it
   * walked the status index over the whole window), `+status` keeps it off the status index for the
   * outer filter. (PostgreSQL's is part of createOnPostgres's statement.)
   */
  duplicatesQuery(ticketUrl: string, email: string, since: string, db: Kysely<Tables> = this.db) {
    return sql<Row>`SELECT * FROM license_requests
      WHERE rowid IN (
          SELECT rowid FROM license_requests WHERE ticket_url = ${ticketUrl} AND created_at >= ${since}
          UNION
          SELECT rowid FROM license_requests WHERE lower(email) = lower(${email}) AND created_at >= ${since}
        )
        AND +status IN ('pending', 'generated')
      ORDER BY created_at DESC, rowid DESC`.compile(db);
  }

  createRequest(input: LicenseRequestInput, now: Date): Promise<CreatedOrExisting>;
  createRequest(input: LicenseRequestInput, now: Date, options?: CreateRequestOptions): Promise<CreateRequestResult>;
  /**
   * Atomic: the idempotency check, the duplicate check and the insert. SQLite: one BEGIN IMMEDIATE
   * transaction, so a second writer waits and then sees this one's row. PostgreSQL: one statement
   * (createOnPostgres).
   */
  async createRequest(
    input: LicenseRequestInput,
    now: Date,
    options: CreateRequestOptions = {},
  ): Promise<CreateRequestResult> {
    const row = {
      ...toRequestColumns(
        options.refusalReason === undefined
          ? newPendingRequest(input, now)
          : newRefusedRequest(input, now, options.refusalReason),
      ),
      ...(options.lease ? { claimed_by: options.lease.owner, claimed_until: until(now, options.lease.leaseMs) } : {}),
    };
    const since = options.reissueWindowSince && iso(options.reissueWindowSince);
    if (this.store.dialect === 'postgres') return this.createOnPostgres(row, since);
    return this.store.transaction(async (trx): Promise<CreateRequestResult> => {
      const existing = await this.byKey(row.idempotency_key, trx);
      if (existing) return { outcome: 'existing', record: toRequestRecord(existing) };
      if (since !== undefined) {
        const { rows } = await trx.executeQuery(this.duplicatesQuery(row.ticket_url, row.email, since, trx));
        if (rows.length > 0) return { outcome: 'duplicates', duplicates: rows.map(toRequestRecord) };
      }
      const inserted = await trx.insertInto('license_requests').values(row).returningAll().executeTakeFirstOrThrow();
      return { outcome: 'created', record: toRequestRecord(inserted) };
    });
  }

  private byKey(key: string, db: Kysely<Tables> = this.db) {
    return db.selectFrom('license_requests').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
  }

  /**
   * PostgreSQL, in one round trip: the function of migration 12 takes the advisory locks (with a
   * duplicate check: on the lower-cased email then on the ticket, always in that order, so no
   * cycle; they serialise creates for the same email or ticket across replicas), then checks the
   * idempotency key and the duplicates and inserts, all as one autocommit statement. It answers
   * the existing row, the duplicates, or the row inserted; which one is told by the key and the id.
   */
  private async createOnPostgres(
    row: Partial<Row> & RequestColumns,
    since: string | undefined,
  ): Promise<CreateRequestResult> {
    const candidate = JSON.stringify(row);
    const { rows } = await sql<RequestColumns>`SELECT * FROM create_license_request(
        ${candidate}::jsonb, ${since ?? null}::timestamptz, ${EMAIL_LOCK_SPACE}, ${TICKET_LOCK_SPACE})`.execute(
      this.db,
    );
    const first = rows[0];
    if (first && first.idempotency_key !== row.idempotency_key)
      return { outcome: 'duplicates', duplicates: rows.map(toRequestRecord) };
    if (first) return { outcome: first.id === row.id ? 'created' : 'existing', record: toRequestRecord(first) };
    // Same key inserted concurrently (without our locks): committed by now (ON CONFLICT waited
    // for it), so a new statement sees it.
    const winner = await this.byKey(row.idempotency_key);
    if (!winner) throw new Error(`license request with idempotency key ${row.idempotency_key} vanished`);
    return { outcome: 'existing', record: toRequestRecord(winner) };
  }

  async getRequest(id: string): Promise<LicenseRequestRecord | undefined> {
    const row = await this.db.selectFrom('license_requests').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRequestRecord(row);
  }

  async updateRequest(id: string, change: LicenseRequestChange, now: Date): Promise<LicenseRequestRecord> {
    const at = iso(now);
    // Becoming generated makes the delivery pending in the same write: a crash right after it
    // leaves a delivery to resume, never a license nobody hands over.
    const startDelivery =
      change.status === 'generated'
        ? {
            delivery_status: sql<RequestColumns['delivery_status']>`CASE WHEN delivery_status = 'none'
              THEN 'pending' ELSE delivery_status END`,
            delivery_next_at: sql<string>`CASE WHEN delivery_status = 'none'
              THEN ${this.store.time(at)} ELSE delivery_next_at END`,
          }
        : {};
    const row = await this.db
      .updateTable('license_requests')
      .set({ ...changeColumns(change), ...startDelivery, updated_at: at })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new Error(`license request ${id} not found`);
    return toRequestRecord(row);
  }

  async claimRetry(id: string, now: Date): Promise<boolean> {
    // Only a failed request can be claimed, so of two concurrent clicks exactly one wins.
    const result = await this.db
      .updateTable('license_requests')
      .set((eb) => ({
        status: 'pending',
        attempts: eb('attempts', '+', 1),
        failure_reason: null,
        issue_url: null,
        license_path: null,
        updated_at: iso(now),
      }))
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .executeTakeFirst();
    return count(result) === 1;
  }

  async findByTicket(ticketUrl: string, limit: number): Promise<LicenseRequestRecord[]> {
    return (await this.queries.findByTicket(ticketUrl, limit).execute()).map(toRequestRecord);
  }

  async findByEmail(email: string, limit: number): Promise<LicenseRequestRecord[]> {
    return (await this.queries.findByEmail(email, limit).execute()).map(toRequestRecord);
  }

  async createdSince(since: Date, limit: number): Promise<LicenseRequestRecord[]> {
    return (await this.queries.createdSince(since, limit).execute()).map(toRequestRecord);
  }

  async recordDelivery(
    id: string,
    outcome: DeliveryOutcome,
    now: Date,
    options: { owner?: string } = {},
  ): Promise<LicenseRequestRecord> {
    let update = this.db
      .updateTable('license_requests')
      .set(deliveryOutcomeColumns(this.store, outcome, now))
      .where('id', '=', id);
    // With an owner: the completion of fenced work, only while that owner holds the lease.
    if (options.owner !== undefined) update = update.where('claimed_by', '=', options.owner);
    const row = await update.returningAll().executeTakeFirst();
    if (!row) {
      if (options.owner !== undefined && (await this.getRequest(id))) throw new LeaseLostError(id);
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
    return startHandOver(this.store, 'license_requests', { id, owner, now, leaseMs });
  }

  // ----- Leases (several bots on one store: see RequestLeases) ----------------------------------

  /** Free for `owner` at `now`: never taken, released, expired, or already its own. */
  private free(now: Date, owner: string) {
    return sql<boolean>`(claimed_until IS NULL OR claimed_until <= ${iso(now)} OR claimed_by = ${owner})`;
  }

  async claimRequest(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    // One conditional UPDATE: a concurrent claimer waits for the row lock (or the write lock),
    // re-checks the WHERE against the leased row and updates nothing.
    const result = await this.db
      .updateTable('license_requests')
      .set({ claimed_by: owner, claimed_until: until(now, leaseMs) })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'pending'),
          eb.and([eb('status', '=', 'generated'), eb('delivery_status', '=', 'pending')]),
        ]),
      )
      .where(this.free(now, owner))
      .executeTakeFirst();
    return count(result) === 1;
  }

  async claimPendingRequests(
    owner: string,
    now: Date,
    limit: number,
    leaseMs: number,
  ): Promise<LicenseRequestRecord[]> {
    return this.claim(
      owner,
      now,
      leaseMs,
      this.db
        .selectFrom('license_requests')
        .select('id')
        .where('status', '=', 'pending')
        .where(this.free(now, owner))
        .orderBy('created_at')
        .orderBy(this.store.seq)
        .limit(clampLimit(limit)),
      (row) => row.created_at,
    );
  }

  async claimDeliveriesDue(owner: string, now: Date, limit: number, leaseMs: number): Promise<LicenseRequestRecord[]> {
    return this.claim(
      owner,
      now,
      leaseMs,
      this.db
        .selectFrom('license_requests')
        .select('id')
        .where('delivery_status', '=', 'pending')
        .where('delivery_next_at', '<=', iso(now))
        .where(this.free(now, owner))
        .orderBy('delivery_next_at')
        .orderBy(this.store.seq)
        .limit(clampLimit(limit)),
      (row) => row.delivery_next_at ?? '',
    );
  }

  /** Picks and leases in one statement (see StoreDb.skipLocked); returns them in the picked order. */
  private async claim(
    owner: string,
    now: Date,
    leaseMs: number,
    pick: SelectQueryBuilder<Tables, 'license_requests', { id: string }>,
    order: (row: Row) => string,
  ): Promise<LicenseRequestRecord[]> {
    const rows = await this.db
      .updateTable('license_requests')
      .set({ claimed_by: owner, claimed_until: until(now, leaseMs) })
      .where('id', 'in', this.store.skipLocked(pick))
      .returningAll()
      .returning(this.store.seq.as('seq'))
      .execute();
    return pickedOrder(rows, order).map(toRequestRecord);
  }

  async renewRequestLease(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('license_requests')
      .set({ claimed_until: until(now, leaseMs) })
      .where('id', '=', id)
      .where('claimed_by', '=', owner)
      .executeTakeFirst();
    return count(result) === 1;
  }

  async releaseRequestLease(id: string, owner: string): Promise<void> {
    // Expired: another replica may take a pending request over at once (a graceful stop hands its work over).
    await this.db
      .updateTable('license_requests')
      .set({ claimed_by: null, claimed_until: RELEASED })
      .where('id', '=', id)
      .where('claimed_by', '=', owner)
      .execute();
  }
}
