export { SqliteStore } from './store';
export { DATABASE_FILE_NAME, openSqliteDatabase, type SqliteStoreOptions, type OpenedSqlite } from './database';
export { SqliteExport } from './export';
export { MIGRATIONS, LATEST_SCHEMA_VERSION, migrate, schemaVersion, type Migration } from './migrations';
