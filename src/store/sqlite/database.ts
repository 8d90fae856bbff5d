import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { DATA_FILE_MODE, secureDataDir, secureFiles, type ModeFix } from '../file-modes';
import Database from './native';
import { migrate, MIGRATIONS, type Migration, type MigrationResult } from './migrations';

export const DATABASE_FILE_NAME = 'bot.sqlite3';

export interface SqliteStoreOptions {
  /** How long a write waits for another connection's lock before failing (ms). Default 5000. */
  busyTimeoutMs?: number;
  /** Override the migration list (tests only). */
  migrations?: readonly Migration[];
}

export interface OpenedSqlite {
  db: BetterSqlite3.Database;
  file: string;
  migration: MigrationResult;
  /** Folder/files whose permissions were too open and were tightened on opening. */
  modeFixes: ModeFix[];
}

/**
 * Opens (creating if needed) `<dataDir>/bot.sqlite3` in WAL mode and applies pending migrations.
 * Throws `SchemaTooNewError` when the file was written by a newer release.
 */
export function openSqliteDatabase(dataDir: string, options: SqliteStoreOptions = {}): OpenedSqlite {
  // Every license and customer email is in here: the folder is the owner's only (0700).
  const fixes = secureDataDir(dataDir);
  const file = join(dataDir, DATABASE_FILE_NAME);
  // Created 0600 before SQLite opens it (SQLite would create it 0644 under umask 022); SQLite
  // gives the -wal/-shm files the mode of the database file.
  closeSync(openSync(file, 'a', DATA_FILE_MODE));
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const db = new Database(file, { timeout: busyTimeoutMs });
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (String(mode).toLowerCase() !== 'wal') {
      throw new Error(`Could not switch ${file} to WAL journal mode (got "${String(mode)}")`);
    }
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const migration = migrate(db, options.migrations ?? MIGRATIONS);
    // The database and its -wal/-shm (they exist now, WAL mode is on) are 0600, whatever the umask.
    const modeFixes = [...fixes, ...secureFiles([file, `${file}-wal`, `${file}-shm`])];
    return { db, file, migration, modeFixes };
  } catch (err) {
    db.close();
    throw err;
  }
}
