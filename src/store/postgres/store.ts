import { PgLifecycleRepository } from './lifecycle-repository';
import { Client, Pool, type ClientConfig, type PoolConfig } from 'pg';
import { describeDatabaseUrl } from '../database-url';
import type { MigrationResult } from '../schema';
import type { Store } from '../store';
import { iso, PgConnection } from './connection';
import { PgStarDecisions } from './decisions';
import { importRecords, type ImportBatch, type ImportCounts } from './import';
import { migratePostgres, PG_MIGRATIONS, type PgMigration } from './migrations';
import { PgOpenRequests } from './open-requests';
import { PgAuditOutbox } from './outbox';
import { PgUserPreferences } from './preferences';
import { PgLicenseRequests } from './requests';

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
 * The shared store for several replicas: PostgreSQL through a bounded node-postgres pool.
 *
 * Cross-replica safety comes from the database: unique constraints with ON CONFLICT
 * (idempotency keys, outbox keys), conditional UPDATEs (claimRetry), advisory locks around the
 * duplicate check of createRequest, and `FOR UPDATE SKIP LOCKED` plus a lease column for the
 * outbox. Open with {@link PostgresStore.open}, which applies pending migrations.
 */
export class PostgresStore implements Store {
  readonly requests: PgLicenseRequests;
  readonly openRequests: PgOpenRequests;
  readonly outbox: PgAuditOutbox;
  readonly decisions: PgStarDecisions;
  readonly preferences: PgUserPreferences;
  readonly lifecycle: PgLifecycleRepository;
  private readonly pg: PgConnection;

  private constructor(
    pool: Pool,
    /** What opening this store did to the schema. */
    readonly migration: MigrationResult,
    readonly description: string,
  ) {
    this.pg = new PgConnection(pool);
    this.requests = new PgLicenseRequests(this.pg);
    this.openRequests = new PgOpenRequests(this.pg);
    this.outbox = new PgAuditOutbox(this.pg);
    this.decisions = new PgStarDecisions(this.pg);
    this.preferences = new PgUserPreferences(this.pg);
    this.lifecycle = new PgLifecycleRepository(pool);
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
      max: options.max ?? 10,
      idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
      statement_timeout: statementTimeoutMs,
      query_timeout: options.queryTimeoutMs ?? statementTimeoutMs + 1000,
    });
    // Without a listener, an idle connection dropped by the server would crash the process.
    pool.on('error', (error) => options.onPoolError?.(error));
    return new PostgresStore(pool, migration, description);
  }

  async isWritable(): Promise<boolean> {
    if (this.pg.closed) return false;
    try {
      await this.pg.query(
        `INSERT INTO health (id, checked_at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET checked_at = ` +
          `EXCLUDED.checked_at`,
        [iso(new Date())],
      );
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.pg.closed) return;
    this.pg.closed = true;
    await this.pg.pool.end();
  }

  /** Copies records in as given, skipping existing keys (`npm run migrate-store`; see {@link importRecords}). */
  importRecords(batch: ImportBatch): Promise<ImportCounts> {
    return importRecords(this.pg, batch);
  }
}
