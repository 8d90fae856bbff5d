export { SqliteStore } from './store';
export { DATABASE_FILE_NAME, openSqliteDatabase, type SqliteStoreOptions, type OpenedSqlite } from './database';
export { SqliteExport, type StoredPreferences } from './export';
export { REQUEST_QUERIES } from './requests';
export { SQLITE_DUPLICATES_QUERY } from './create-request';
export { OUTBOX_COLUMN_LIST, OUTBOX_QUERIES, toOutboxRow } from './outbox';
export { MIGRATIONS, LATEST_SCHEMA_VERSION, migrate, schemaVersion, type Migration } from './migrations';
