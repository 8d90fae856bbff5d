import { SqliteLifecycleRepository } from './lifecycle-repository';
import type Database from 'better-sqlite3';
import type { ModeFix } from '../file-modes';
import type { Store } from '../store';
import { iso, openSqliteDatabase, type SqliteStoreOptions } from './database';
import { SqliteStarDecisions } from './decisions';
import { SqliteExport } from './export';
import type { MigrationResult } from './migrations';
import { SqliteOpenRequests } from './open-requests';
import { SqliteAuditOutbox } from './outbox';
import { SqliteUserPreferences } from './preferences';
import { SqliteLicenseRequests } from './requests';

/**
 * The embedded store: one SQLite file in WAL mode, `<dataDir>/bot.sqlite3`, shared by the
 * repositories over one connection.
 *
 * better-sqlite3 is synchronous, so every method runs to completion without yielding: within
 * one process no two calls interleave. Cross-process safety (two bots on the same file) comes
 * from the SQL itself: `INSERT ... ON CONFLICT`, conditional `UPDATE ... WHERE`, and
 * `busy_timeout` waiting for the write lock.
 */
export class SqliteStore implements Store {
  readonly file: string;
  /** What opening this store did to the schema (empty `applied` when it was up to date). */
  readonly migration: MigrationResult;
  /** Folder/files whose permissions were too open and were tightened when the store opened. */
  readonly modeFixes: ModeFix[];
  readonly requests: SqliteLicenseRequests;
  readonly openRequests: SqliteOpenRequests;
  readonly outbox: SqliteAuditOutbox;
  readonly decisions: SqliteStarDecisions;
  readonly preferences: SqliteUserPreferences;
  readonly lifecycle: SqliteLifecycleRepository;
  private readonly db: Database.Database;
  private readonly healthProbe: Database.Statement;

  constructor(dataDir: string, options: SqliteStoreOptions = {}) {
    const opened = openSqliteDatabase(dataDir, options);
    this.db = opened.db;
    this.file = opened.file;
    this.migration = opened.migration;
    this.modeFixes = opened.modeFixes;
    try {
      this.requests = new SqliteLicenseRequests(this.db);
      this.openRequests = new SqliteOpenRequests(this.db);
      this.outbox = new SqliteAuditOutbox(this.db);
      this.decisions = new SqliteStarDecisions(this.db);
      this.preferences = new SqliteUserPreferences(this.db);
      this.lifecycle = new SqliteLifecycleRepository(this.db);
      this.healthProbe = this.db.prepare(
        `INSERT INTO health (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = ` +
          `excluded.checked_at`,
      );
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  async isWritable(): Promise<boolean> {
    try {
      if (!this.db.open) return false;
      return this.healthProbe.run(iso(new Date())).changes === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closeNow();
  }

  /** Synchronous close, for callers outside an async context. */
  closeNow(): void {
    if (!this.db.open) return;
    try {
      // Lets SQLite refresh planner statistics where useful; cheap (bounded analysis).
      this.db.pragma('optimize');
    } catch {
      // best effort
    }
    this.db.close();
  }

  /** Every stored row, for copying the store elsewhere (`npm run migrate-store`). */
  exportRecords(): SqliteExport {
    return new SqliteExport(this.db);
  }
}
