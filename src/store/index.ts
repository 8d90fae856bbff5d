import { PostgresStore, type PostgresStoreOptions } from './postgres';
import { SqliteStore, type SqliteStoreOptions } from './sqlite';
import type { Store } from './types';

export * from './types';
export { SqliteStore, DATABASE_FILE_NAME, type SqliteStoreOptions, type StoredPreferences } from './sqlite';
export { PostgresStore, describeDatabaseUrl, type PostgresStoreOptions } from './postgres';
export { secureDataDir, secureFiles, DATA_DIR_MODE, DATA_FILE_MODE, type ModeFix } from './file-modes';
export { SchemaTooNewError, type MigrationResult } from './schema';
export { MIGRATIONS, LATEST_SCHEMA_VERSION, migrate, schemaVersion, type Migration } from './sqlite';

/**
 * Opens (creating if needed) the bot's database `<dataDir>/bot.sqlite3` and applies pending
 * migrations. Throws `SchemaTooNewError` when the file was written by a newer release.
 */
export function openStore(dataDir: string, options?: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(dataDir, options);
}

export interface ConnectStoreOptions {
  /** Folder of the embedded SQLite store, used when no databaseUrl is given. */
  dataDir: string;
  /** `postgres://…` (DATABASE_URL): the shared PostgreSQL store, for several replicas. */
  databaseUrl?: string;
  /** Pool, timeout and TLS settings for PostgreSQL (the URL comes from databaseUrl). */
  postgres?: Omit<PostgresStoreOptions, 'connectionString'>;
  sqlite?: SqliteStoreOptions;
}

/**
 * The store the configuration selects: PostgreSQL when `databaseUrl` is set (migrations applied
 * under an advisory lock), otherwise SQLite in `dataDir`, as {@link openStore}.
 */
export async function connectStore(options: ConnectStoreOptions): Promise<Store> {
  if (options.databaseUrl) return PostgresStore.open({ ...options.postgres, connectionString: options.databaseUrl });
  return openStore(options.dataDir, options.sqlite);
}
