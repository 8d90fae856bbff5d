import type { PostgresStoreOptions } from './postgres';
import { SqliteStore, type SqliteStoreOptions } from './sqlite';
import type { Store } from './store';

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
 * under an advisory lock), otherwise SQLite in `dataDir` (created and migrated if needed).
 *
 * The PostgreSQL backend and its driver are loaded only when selected: a bot on SQLite never
 * carries them (about 4 MB of heap and 15 MB of resident memory).
 */
export async function connectStore(options: ConnectStoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    const { PostgresStore } = await import('./postgres');
    return PostgresStore.open({ ...options.postgres, connectionString: options.databaseUrl });
  }
  return new SqliteStore(options.dataDir, options.sqlite);
}
