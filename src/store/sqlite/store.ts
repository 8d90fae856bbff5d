import type Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { ModeFix } from '../file-modes';
import { ClosedGuard, type Tables } from '../sql/db';
import { SqlStore } from '../sql/store';
import { sqliteDialect } from './driver';
import { openSqliteDatabase, type SqliteStoreOptions } from './database';
import { SqliteExport } from './export';
import type { MigrationResult } from './migrations';

/**
 * The embedded store: one SQLite file in WAL mode, `<dataDir>/bot.sqlite3`, shared by the
 * repositories over one connection (./driver.ts queues its use). Cross-process
 * safety (two bots on the same file) comes from the SQL itself: `INSERT ... ON CONFLICT`,
 * conditional `UPDATE ... WHERE`, claims in BEGIN IMMEDIATE, and `busy_timeout` waiting for the
 * write lock.
 */
export class SqliteStore extends SqlStore {
  readonly file: string;
  /** What opening this store did to the schema (empty `applied` when it was up to date). */
  readonly migration: MigrationResult;
  /** Folder/files whose permissions were too open and were tightened when the store opened. */
  readonly modeFixes: ModeFix[];
  private readonly raw: Database.Database;

  constructor(dataDir: string, options: SqliteStoreOptions = {}) {
    const opened = openSqliteDatabase(dataDir, options);
    const guard = new ClosedGuard('SQLite');
    super(new Kysely<Tables>({ dialect: sqliteDialect(opened.db, opened.file), plugins: [guard] }), 'sqlite', guard);
    this.raw = opened.db;
    this.file = opened.file;
    this.migration = opened.migration;
    this.modeFixes = opened.modeFixes;
  }

  override async isWritable(): Promise<boolean> {
    return this.raw.open && super.isWritable();
  }

  async close(): Promise<void> {
    this.closeNow();
  }

  /** Synchronous close, for callers outside an async context. */
  closeNow(): void {
    this.sql.close();
    if (!this.raw.open) return;
    try {
      // Lets SQLite refresh planner statistics where useful; cheap (bounded analysis).
      this.raw.pragma('optimize');
    } catch {
      // best effort
    }
    this.raw.close();
  }

  /** Every stored row, for copying the store elsewhere (`npm run migrate-store`). */
  exportRecords(): SqliteExport {
    return new SqliteExport(this.raw);
  }
}
