import { SqliteStore, type SqliteStoreOptions } from './sqlite-store';

export * from './types';
export { SqliteStore, DATABASE_FILE_NAME, type SqliteStoreOptions } from './sqlite-store';
export { secureDataDir, secureFiles, DATA_DIR_MODE, DATA_FILE_MODE, type ModeFix } from './file-modes';
export {
  MIGRATIONS,
  LATEST_SCHEMA_VERSION,
  SchemaTooNewError,
  migrate,
  schemaVersion,
  type Migration,
  type MigrationResult,
} from './migrations';

/**
 * Opens (creating if needed) the bot's database `<dataDir>/bot.sqlite3` and applies pending
 * migrations. Throws `SchemaTooNewError` when the file was written by a newer release.
 */
export function openStore(dataDir: string, options?: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(dataDir, options);
}
