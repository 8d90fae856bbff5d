import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, type Selectable } from 'kysely';
import { Client, Pool, types, type ClientConfig, type CustomTypesConfig, type PoolConfig } from 'pg';
import { describeDatabaseUrl } from '../database-url';
import type { MigrationResult } from '../schema';
import { ClosedGuard, type CopiedTable, type Tables } from '../sql/db';
import { SqlStore } from '../sql/store';
import { importRows } from './import';
import { migratePostgres, PG_MIGRATIONS, type PgMigration } from './migrations';

export interface PostgresStoreOptions {
  /**
   * `postgres://user:password@host:5432/db`. TLS through the URL (`?sslmode=require`,
   * `sslrootcert=...`) or {@link ssl}.
   */
  connectionString: string;
  /** Pool size per process (default 10): replicas × max must stay below the server's max_connections. */
  max?: number;
  /** How long getting a connection may take, pool wait included (default 2000 ms). */
  connectionTimeoutMs?: number;
  /** Server-side statement_timeout for every query (default 5000 ms). */
  statementTimeoutMs?: number;
  /** Client-side limit for one query round trip, catches a dead server/network (default statement + 1000 ms). */
  queryTimeoutMs?: number;
  /** Idle connections are closed after this (default 30000 ms). */
  idleTimeoutMs?: number;
  /** node-postgres TLS options (e.g. `{ ca, rejectUnauthorized: true }`); overrides sslmode of the URL. */
  ssl?: PoolConfig['ssl'];
  /** Shown in pg_stat_activity (default "lr-oncall-bot"). */
  applicationName?: string;
  /** Errors of idle pooled connections (e.g. a server restart); they are replaced on next use. */
  onPoolError?: (error: Error) => void;
  /** Override the migration list (tests only). */
  migrations?: readonly PgMigration[];
}

/**
 * Rows as SQLite returns them (see Tables in ../sql/db.ts): timestamptz as ISO text, jsonb as its
 * text, bigint (seq, late_by_ms, counts) as a number, so both backends share one mapper.
 */
const parseTimestamptz = types.getTypeParser(types.builtins.TIMESTAMPTZ) as (value: string) => Date;
const ROW_PARSERS = new Map<number, (value: string) => unknown>([
  [types.builtins.TIMESTAMPTZ, (value) => parseTimestamptz(value).toISOString()],
  [types.builtins.JSONB, (value) => value],
  [types.builtins.JSON, (value) => value],
  [types.builtins.INT8, Number],
]);
const ROW_TYPES: CustomTypesConfig = {
  getTypeParser: (oid, format) => ROW_PARSERS.get(oid) ?? (types.getTypeParser(oid, format) as unknown),
};

/**
 * The pool as Kysely takes it, except that a connection whose query timed out or lost the server
 * is closed instead of going back to the pool (it may be mid-transaction or still busy on the
 * server).
 */
function discardingBroken(pool: Pool): PostgresPool {
  return {
    connect: async () => {
      const client = await pool.connect();
      let broken: Error | undefined;
      return {
        query: async (text: string, values: readonly unknown[]) => {
          try {
            return await client.query(text, [...values]);
          } catch (error) {
            if (/timeout|terminat|connection/i.test((error as Error).message)) broken = error as Error;
            throw error;
          }
        },
        release: (destroy?: boolean) => client.release(broken ?? destroy),
      } as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}

/**
 * The shared store for several replicas: PostgreSQL through a bounded node-postgres pool.
 *
 * Cross-replica safety comes from the database: unique constraints with ON CONFLICT
 * (idempotency keys, outbox keys), conditional UPDATEs (claimRetry), advisory locks around the
 * duplicate check of createRequest, and `FOR UPDATE SKIP LOCKED` plus a lease column for
 * claims. Open with {@link PostgresStore.open}, which applies pending migrations.
 */
export class PostgresStore extends SqlStore {
  private constructor(
    private readonly db: Kysely<Tables>,
    guard: ClosedGuard,
    /** What opening this store did to the schema. */
    readonly migration: MigrationResult,
    readonly description: string,
  ) {
    super(db, 'postgres', guard);
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const statementTimeoutMs = options.statementTimeoutMs ?? 5000;
    const base: ClientConfig = {
      connectionString: options.connectionString,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 2000,
      application_name: options.applicationName ?? 'lr-oncall-bot',
      ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
    };
    const description = describeDatabaseUrl(options.connectionString);

    // Migrations on a connection of their own, without the statement timeouts of normal queries.
    const migrator = new Client(base);
    migrator.on('error', () => undefined); // reported through the failing query instead
    let migration: MigrationResult;
    await migrator.connect();
    try {
      migration = await migratePostgres(migrator, options.migrations ?? PG_MIGRATIONS, description);
    } finally {
      await migrator.end().catch(() => undefined);
    }

    const pool = new Pool({
      ...base,
      types: ROW_TYPES,
      max: options.max ?? 10,
      idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
      statement_timeout: statementTimeoutMs,
      query_timeout: options.queryTimeoutMs ?? statementTimeoutMs + 1000,
    });
    // Without a listener, a connection dropped by the server would crash the process: the pool
    // listens on idle ones; a checked-out one (between two statements) gets its own listener.
    pool.on('error', (error) => options.onPoolError?.(error));
    pool.on('connect', (client) => client.on('error', (error) => options.onPoolError?.(error)));
    const guard = new ClosedGuard('PostgreSQL');
    const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: discardingBroken(pool) }), plugins: [guard] });
    return new PostgresStore(db, guard, migration, description);
  }

  override async isWritable(): Promise<boolean> {
    return !this.sql.closed && super.isWritable();
  }

  async close(): Promise<void> {
    if (this.sql.closed) return;
    this.sql.close();
    await this.db.destroy();
  }

  /** Copies rows in as given, skipping existing keys (`npm run migrate-store`; see {@link importRows}). */
  importRows<T extends CopiedTable>(table: T, rows: readonly Selectable<Tables[T]>[]): Promise<number> {
    return importRows(this.sql, table, rows);
  }
}
