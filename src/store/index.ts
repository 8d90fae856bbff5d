import { SqliteStore, type SqliteStoreOptions } from './sqlite';

export * from './types';
export * from './ticket-write-types';
export type { Store } from './store';
export { COPIED_TABLES, type CopiedTable } from './sql/db';
export { SqliteStore, DATABASE_FILE_NAME, type SqliteStoreOptions } from './sqlite';
export { PostgresStore, describeDatabaseUrl, type PostgresStoreOptions } from './postgres';
export { connectStore, type ConnectStoreOptions } from './connect';
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
