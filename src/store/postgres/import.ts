import type { Insertable, Selectable } from 'kysely';
import { count, type CopiedTable, type StoreDb, type Tables } from '../sql/db';

/**
 * Inserts rows of `table` as given (ids, timestamps, versions, leases kept), skipping any whose key
 * already exists, so running a copy twice inserts nothing the second time. One transaction per
 * call; one INSERT per row, so the target's `seq` follows the order given. Returns how many rows
 * were inserted. (`npm run migrate-store`.)
 */
export function importRows<T extends CopiedTable>(
  store: StoreDb,
  table: T,
  rows: readonly Selectable<Tables[T]>[],
): Promise<number> {
  return store.transaction(async (trx) => {
    let inserted = 0;
    for (const row of rows)
      inserted += count(
        await trx
          .insertInto(table)
          .values(row as Insertable<Tables[T]>)
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst(),
      );
    return inserted;
  });
}
