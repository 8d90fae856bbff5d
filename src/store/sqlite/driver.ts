import type Database from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from 'kysely';

/**
 * Kysely's SQLite dialect, with two changes to its driver:
 *
 * - One queue per database FILE in this process, not per connection. better-sqlite3 waits for
 *   another connection's lock synchronously (busy_timeout), so a second store on the same file in
 *   the same process, writing while the first is between two statements of a transaction, would
 *   block the only thread the first needs to finish: both fail with "database is locked". Other
 *   processes are unaffected (they progress while this one waits).
 * - Statements are prepared once per SQL text (Kysely's own driver prepares on every query).
 */
export function sqliteDialect(db: Database.Database, file: string): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new QueuedSqliteDriver(db, queueOf(file)),
    createIntrospector: (kysely) => new SqliteIntrospector(kysely),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}

class Queue {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves, in turn, with the function that lets the next one in. */
  async enter(): Promise<() => void> {
    let leave!: () => void;
    const previous = this.tail;
    this.tail = new Promise((resolve) => (leave = resolve));
    await previous;
    return leave;
  }
}

const queues = new Map<string, Queue>();

function queueOf(file: string): Queue {
  let queue = queues.get(file);
  if (!queue) queues.set(file, (queue = new Queue()));
  return queue;
}

/** Statements kept per connection; claims with IN (…) of varying length make a few texts more. */
const MAX_STATEMENTS = 200;

class CachedConnection implements DatabaseConnection {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  async executeQuery<R>({ sql, parameters }: CompiledQuery): Promise<QueryResult<R>> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (this.statements.size >= MAX_STATEMENTS) this.statements.clear();
      this.statements.set(sql, stmt);
    }
    if (stmt.reader) return { rows: stmt.all(parameters) as R[] };
    const { changes } = stmt.run(parameters);
    return { numAffectedRows: BigInt(changes), rows: [] };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not used by the store');
  }
}

class QueuedSqliteDriver implements Driver {
  private readonly connection: CachedConnection;
  private leave?: () => void;

  constructor(
    db: Database.Database,
    private readonly queue: Queue,
  ) {
    this.connection = new CachedConnection(db);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    this.leave = await this.queue.enter();
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('BEGIN IMMEDIATE'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('COMMIT'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }

  async releaseConnection(): Promise<void> {
    const leave = this.leave;
    this.leave = undefined;
    leave?.();
  }

  async destroy(): Promise<void> {}
}
