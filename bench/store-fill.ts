/**
 * Benchmark and scale-test helpers for the SQLite store, kept out of the production classes:
 * they work on a connection of their own to the store's file (opened, and so migrated, by
 * SqliteStore first).
 */
import type BetterSqlite3 from 'better-sqlite3';
import Database from '../src/store/sqlite/native';
import { toOutboxRow } from '../src/store/sql/rows';
import { toRequestColumns } from '../src/store/request-columns';
import type { LicenseRequestRecord, OutboxEntry } from '../src/store/types';

const positional = (columns: readonly string[]): string => columns.map(() => '?').join(', ');

/**
 * Inserts fully formed records as-is (ids, timestamps, versions from the caller) in ONE
 * transaction: 100,000 requests + 1,000,000 outbox rows take a few seconds. Pass generators to
 * avoid materialising a million objects. Existing keys/ids make it throw and roll back.
 */
export function bulkInsert(
  file: string,
  requests: Iterable<LicenseRequestRecord>,
  outbox: Iterable<OutboxEntry>,
): { requests: number; outbox: number } {
  const db = new Database(file, { timeout: 5000 });
  try {
    // Positional parameters: binding by name costs ~30% more per row, which shows at 1M rows. The
    // columns are those of the mapped row (the same for every row of a table).
    const insert = (table: string, row: object) => {
      const columns = Object.keys(row);
      return db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${positional(columns)})`);
    };
    let insertRequest: BetterSqlite3.Statement | undefined;
    let insertOutbox: BetterSqlite3.Statement | undefined;
    const run = db.transaction(() => {
      const count = { requests: 0, outbox: 0 };
      for (const r of requests) {
        const row = toRequestColumns(r);
        insertRequest ??= insert('license_requests', row);
        insertRequest.run(Object.values(row));
        count.requests++;
      }
      for (const e of outbox) {
        const row = toOutboxRow(e);
        insertOutbox ??= insert('audit_outbox', row);
        insertOutbox.run(Object.values(row));
        count.outbox++;
      }
      return count;
    });
    return run.immediate();
  } finally {
    db.close();
  }
}

/** `EXPLAIN QUERY PLAN` details of a query on the store's file (diagnostics and tests). */
export function explain(file: string, sql: string, ...params: unknown[]): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
  } finally {
    db.close();
  }
}

/** Runs ANALYZE so the planner has statistics (e.g. after a bulk insert). */
export function analyze(file: string): void {
  const db = new Database(file, { timeout: 5000 });
  try {
    db.exec('ANALYZE');
  } finally {
    db.close();
  }
}
