export { PostgresStore, describeDatabaseUrl, type PostgresStoreOptions } from './store';
export { PG_MIGRATIONS, MIGRATION_LOCK_KEY, migratePostgres, pgSchemaVersion, type PgMigration } from './migrations';
export type { ImportBatch, ImportCounts } from './import';
