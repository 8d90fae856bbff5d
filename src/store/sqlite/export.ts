import type Database from 'better-sqlite3';
import type { Selectable } from 'kysely';
import type { CopiedTable, Tables } from '../sql/db';

/**
 * Every stored row, oldest first (insertion order), as the table holds it, for copying the store
 * elsewhere (`npm run migrate-store`). Streams synchronously: nothing is loaded at once.
 */
export class SqliteExport {
  constructor(private readonly db: Database.Database) {}

  *rows<T extends CopiedTable>(table: T): Generator<Selectable<Tables[T]>> {
    for (const row of this.db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).iterate())
      yield row as Selectable<Tables[T]>;
  }
}
