import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';

export const iso = (d: Date): string => d.toISOString();
export const clampLimit = (limit: number): number => (Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0);

/** The pool the repositories share, refusing work once the store is closed. */
export class PgConnection {
  closed = false;

  constructor(readonly pool: Pool) {}

  async query<R extends QueryResultRow>(sql: string, values: unknown[] = []): Promise<QueryResult<R>> {
    if (this.closed) throw new Error('the PostgreSQL store is closed');
    return this.pool.query<R>(sql, values);
  }

  async rows<R extends QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
    return (await this.query<R>(sql, values)).rows;
  }

  /** One pooled client for several statements (a transaction). */
  async withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the PostgreSQL store is closed');
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (error) {
      // A timed-out or dropped connection may be mid-transaction: do not hand it to the next caller.
      broken = error as Error;
      throw error;
    } finally {
      client.release(broken && /timeout|terminat|connection/i.test(broken.message) ? broken : undefined);
    }
  }

  /** Runs `fn` inside BEGIN/COMMIT on one client, rolling back when it throws. */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }
}
