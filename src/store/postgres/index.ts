export { PostgresStore, type PostgresStoreOptions } from './store';
export { describeDatabaseUrl } from '../database-url';
export { PG_MIGRATIONS, MIGRATION_LOCK_KEY, migratePostgres, pgSchemaVersion, type PgMigration } from './migrations';
