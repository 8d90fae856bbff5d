export { PostgresStore, describeDatabaseUrl, type PostgresStoreOptions } from './postgres-store';
export { PG_MIGRATIONS, MIGRATION_LOCK_KEY, migratePostgres, pgSchemaVersion, type PgMigration } from './migrations';
