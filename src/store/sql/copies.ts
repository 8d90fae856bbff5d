import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DeliveryOutcome, LicenseCopies, LicenseCopy, LicenseCopyInput } from '../types';
import { LeaseLostError } from '../types';
import { clampLimit, count, iso, pickedOrder, until, type CopyRow, type StoreDb, type Tables } from './db';
import { deliveryOutcomeColumns, startHandOver } from './delivery';

/** A released lease: expired since long ago, so free for anyone at once. */
const RELEASED = '1970-01-01T00:00:00.000Z';

export function toCopy(row: CopyRow): LicenseCopy {
  return {
    id: row.id,
    requestId: row.request_id,
    toSlackId: row.to_slack_id,
    idempotencyKey: row.idempotency_key,
    delivery: {
      status: row.delivery_status,
      attempts: row.delivery_attempts,
      ...(row.delivery_next_at !== null ? { nextAt: row.delivery_next_at } : {}),
      ...(row.delivery_error !== null ? { error: row.delivery_error } : {}),
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Copies of licenses, on either backend: the same lease, fence and completion rules as the first
 * delivery in requests.ts, on rows of their own (a request may have any number of copies).
 */
export class LicenseCopyRows implements LicenseCopies {
  private readonly db: Kysely<Tables>;

  constructor(private readonly store: StoreDb) {
    this.db = store.db;
  }

  async requestCopy(
    input: LicenseCopyInput,
    now: Date,
    options: { lease?: { owner: string; leaseMs: number } } = {},
  ): Promise<{ created: boolean; copy: LicenseCopy }> {
    const at = iso(now);
    const inserted = await this.db
      .insertInto('license_copies')
      .values({
        id: randomUUID(),
        request_id: input.requestId,
        to_slack_id: input.toSlackId,
        idempotency_key: input.idempotencyKey,
        delivery_status: 'pending',
        delivery_attempts: 0,
        delivery_next_at: at,
        delivery_error: null,
        delivery_started_at: null,
        claimed_by: options.lease?.owner ?? null,
        claimed_until: options.lease ? until(now, options.lease.leaseMs) : null,
        created_at: at,
        updated_at: at,
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { created: true, copy: toCopy(inserted) };
    // The same click again (ON CONFLICT waited for a concurrent insert to commit, so it is visible now).
    const existing = await this.db
      .selectFrom('license_copies')
      .selectAll()
      .where('idempotency_key', '=', input.idempotencyKey)
      .executeTakeFirst();
    if (!existing) throw new Error(`license copy with idempotency key ${input.idempotencyKey} vanished`);
    return { created: false, copy: toCopy(existing) };
  }

  async getCopy(id: string): Promise<LicenseCopy | undefined> {
    const row = await this.db.selectFrom('license_copies').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toCopy(row);
  }

  async copiesOf(requestId: string): Promise<LicenseCopy[]> {
    const rows = await this.db
      .selectFrom('license_copies')
      .selectAll()
      .where('request_id', '=', requestId)
      .orderBy('created_at')
      .orderBy(this.store.seq)
      .execute();
    return rows.map(toCopy);
  }

  async claimCopiesDue(owner: string, now: Date, limit: number, leaseMs: number): Promise<LicenseCopy[]> {
    const pick = this.db
      .selectFrom('license_copies')
      .select('id')
      .where('delivery_status', '=', 'pending')
      .where('delivery_next_at', '<=', iso(now))
      .where(sql<boolean>`(claimed_until IS NULL OR claimed_until <= ${iso(now)} OR claimed_by = ${owner})`)
      .orderBy('delivery_next_at')
      .orderBy(this.store.seq)
      .limit(clampLimit(limit));
    const rows = await this.db
      .updateTable('license_copies')
      .set({ claimed_by: owner, claimed_until: until(now, leaseMs) })
      .where('id', 'in', this.store.skipLocked(pick))
      .returningAll()
      .returning(this.store.seq.as('seq'))
      .execute();
    return pickedOrder(rows, (row) => row.delivery_next_at ?? '').map(toCopy);
  }

  async renewCopyLease(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('license_copies')
      .set({ claimed_until: until(now, leaseMs) })
      .where('id', '=', id)
      .where('claimed_by', '=', owner)
      .executeTakeFirst();
    return count(result) === 1;
  }

  async releaseCopyLease(id: string, owner: string): Promise<void> {
    await this.db
      .updateTable('license_copies')
      .set({ claimed_by: null, claimed_until: RELEASED })
      .where('id', '=', id)
      .where('claimed_by', '=', owner)
      .execute();
  }

  async startCopyAttempt(
    id: string,
    owner: string,
    now: Date,
    leaseMs: number,
  ): Promise<{ held: false } | { held: true; interruptedAt?: string }> {
    return startHandOver(this.store, 'license_copies', { id, owner, now, leaseMs });
  }

  async recordCopyDelivery(
    id: string,
    outcome: DeliveryOutcome,
    now: Date,
    options: { owner?: string } = {},
  ): Promise<LicenseCopy> {
    let update = this.db
      .updateTable('license_copies')
      .set(deliveryOutcomeColumns(this.store, outcome, now))
      .where('id', '=', id);
    if (options.owner !== undefined) update = update.where('claimed_by', '=', options.owner);
    const row = await update.returningAll().executeTakeFirst();
    if (!row) {
      if (options.owner !== undefined && (await this.getCopy(id))) throw new LeaseLostError(id);
      throw new Error(`license copy ${id} not found`);
    }
    return toCopy(row);
  }
}
