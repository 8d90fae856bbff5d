import type Database from 'better-sqlite3';

/**
 * The atomic createRequest of the SQLite store (store contract of issue 9, point 1): the
 * idempotency check, the duplicate check and the insert run in ONE immediate transaction. IMMEDIATE
 * takes SQLite's write lock before the first read, so a second connection or process doing the
 * same waits (busy_timeout) and then sees the first one's row: of N concurrent requests for the
 * same ticket or email exactly one is inserted.
 */

/** Pending/generated requests for the same ticket OR the same email (any case) since a date, newest first. */
// The two look-ups are spelled out so each uses its own index (ticket, created_at) and
// (lower(email), created_at): with the OR, SQLite walked the status index over the whole window.
// `+status` keeps SQLite from using the status index for the outer filter (1.4 ms vs 50 µs on
// 20,000 requests that are all pending): the few rows the two look-ups found are filtered instead.
export const SQLITE_DUPLICATES_QUERY = `SELECT * FROM license_requests
  WHERE rowid IN (
      SELECT rowid FROM license_requests WHERE ticket_url = @ticket_url AND created_at >= @since
      UNION
      SELECT rowid FROM license_requests WHERE lower(email) = lower(@email) AND created_at >= @since
    )
    AND +status IN ('pending', 'generated')
  ORDER BY created_at DESC, rowid DESC`;

export type AtomicCreateOutcome<Row> =
  { outcome: 'created' | 'existing'; row: Row } | { outcome: 'duplicates'; rows: Row[] };

export interface CreateRequestStatements {
  getByKey: Database.Statement;
  duplicates: Database.Statement;
  insertIfNew: Database.Statement;
}

export function prepareCreateRequest(db: Database.Database, insertIfNewSql: string): CreateRequestStatements {
  return {
    getByKey: db.prepare('SELECT * FROM license_requests WHERE idempotency_key = ?'),
    duplicates: db.prepare(SQLITE_DUPLICATES_QUERY),
    insertIfNew: db.prepare(insertIfNewSql),
  };
}

export function createRequestAtomically<Row extends { idempotency_key: string; ticket_url: string; email: string }>(
  db: Database.Database,
  stmt: CreateRequestStatements,
  row: Row,
  reissueWindowSince: string | undefined,
): AtomicCreateOutcome<Row> {
  const run = db.transaction((): AtomicCreateOutcome<Row> => {
    const existing = stmt.getByKey.get(row.idempotency_key) as Row | undefined;
    if (existing) return { outcome: 'existing', row: existing };
    if (reissueWindowSince !== undefined) {
      const rows = stmt.duplicates.all({
        ticket_url: row.ticket_url,
        email: row.email,
        since: reissueWindowSince,
      }) as Row[];
      if (rows.length > 0) return { outcome: 'duplicates', rows };
    }
    const inserted = stmt.insertIfNew.get(row) as Row | undefined;
    if (!inserted)
      throw new Error(`license request with idempotency key ${row.idempotency_key} appeared inside the write lock`);
    return { outcome: 'created', row: inserted };
  });
  return run.immediate();
}
