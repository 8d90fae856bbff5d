import { sql } from 'kysely';
import type { DeliveryOutcome } from '../types';
import { count, iso, until, type StoreDb } from './db';

/**
 * The columns one hand-over attempt sets, the same on a request's first delivery and on a copy
 * (both tables name them alike). A late failure report never undoes a delivery, and a send that
 * may still have reached Slack stays marked: the next copy says it replaces it.
 */
export function deliveryOutcomeColumns(store: StoreDb, outcome: DeliveryOutcome, now: Date) {
  const attempts = sql<number>`delivery_attempts + 1`;
  if (outcome.delivered)
    return {
      delivery_status: 'delivered' as const,
      delivery_attempts: attempts,
      delivery_next_at: null,
      delivery_error: null,
      delivery_started_at: null,
      updated_at: iso(now),
    };
  const next = outcome.nextAttemptAt ? iso(outcome.nextAttemptAt) : null;
  return {
    delivery_status: sql<'pending' | 'delivered' | 'failed'>`CASE WHEN delivery_status = 'delivered'
      THEN delivery_status ELSE ${next ? 'pending' : 'failed'} END`,
    delivery_attempts: attempts,
    delivery_next_at: sql<
      string | null
    >`CASE WHEN delivery_status = 'delivered' THEN NULL ELSE ${store.time(next)} END`,
    delivery_error: sql<string | null>`CASE WHEN delivery_status = 'delivered' THEN NULL ELSE ${outcome.error} END`,
    ...(outcome.mayHaveArrived ? {} : { delivery_started_at: null }),
    updated_at: iso(now),
  };
}

/**
 * The fence right before a hand-over becomes visible, on a request's first delivery or on a copy:
 * in one transaction (the row locked on PostgreSQL, the write lock on SQLite) the mark it
 * replaces is read, the lease checked and extended, and the new mark set. `interruptedAt`: an
 * earlier attempt started then and never finished (it may have arrived).
 */
export function startHandOver(
  store: StoreDb,
  table: 'license_requests' | 'license_copies',
  at: { id: string; owner: string; now: Date; leaseMs: number },
): Promise<{ held: false } | { held: true; interruptedAt?: string }> {
  return store.transaction(async (trx) => {
    let read = trx.selectFrom(table).select('delivery_started_at').where('id', '=', at.id);
    if (store.dialect === 'postgres') read = read.forUpdate();
    const before = await read.executeTakeFirst();
    let update = trx
      .updateTable(table)
      .set({ claimed_until: until(at.now, at.leaseMs), delivery_started_at: iso(at.now) })
      .where('id', '=', at.id)
      .where('claimed_by', '=', at.owner)
      .where('delivery_status', '=', 'pending');
    // A request hands over only once its license exists; a copy exists only for one.
    if (table === 'license_requests') update = update.where(sql<boolean>`status = 'generated'`);
    const result = await update.executeTakeFirst();
    if (count(result) !== 1) return { held: false as const };
    const previous = before?.delivery_started_at;
    return previous ? { held: true as const, interruptedAt: previous } : { held: true as const };
  });
}
