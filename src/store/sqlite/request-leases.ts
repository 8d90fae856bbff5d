import type Database from 'better-sqlite3';

/**
 * License request leases on SQLite (see RequestLeases in ../types.ts): one process in practice, but the
 * same code path as PostgreSQL. Claims run in IMMEDIATE transactions (under the write lock), so
 * two processes on one file could not take the same row either. Returns raw rows; the store maps
 * them. Timestamps are ISO text with a four-digit year, so they compare as text.
 */
const FREE = `(claimed_until IS NULL OR claimed_until <= @now OR claimed_by = @owner)`;

export class SqliteRequestLeases<Row extends { id: string }> {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      // Never claimed (or released) requests only once idle since @idle: their creator is about to claim them.
      pending: db.prepare(
        `SELECT * FROM license_requests WHERE status = 'pending'
           AND (claimed_until <= @now OR claimed_by = @owner OR (claimed_until IS NULL AND updated_at <= @idle))
         ORDER BY created_at, rowid LIMIT @limit`,
      ),
      deliveries: db.prepare(
        `SELECT * FROM license_requests WHERE delivery_status = 'pending' AND delivery_next_at <= @now AND ${FREE}
         ORDER BY delivery_next_at, rowid LIMIT @limit`,
      ),
      lease: db.prepare('UPDATE license_requests SET claimed_by = @owner, claimed_until = @until WHERE id = @id'),
      claimOne: db.prepare(
        `UPDATE license_requests SET claimed_by = @owner, claimed_until = @until
         WHERE id = @id AND (status = 'pending' OR (status = 'generated' AND delivery_status = 'pending')) AND ${FREE}`,
      ),
      renew: db.prepare('UPDATE license_requests SET claimed_until = @until WHERE id = @id AND claimed_by = @owner'),
      // Expired rather than NULL (which reads as "just created"): free for anyone at once.
      release: db.prepare(
        `UPDATE license_requests SET claimed_by = NULL, claimed_until = '1970-01-01T00:00:00.000Z'
         WHERE id = @id AND claimed_by = @owner`,
      ),
    };
  }

  private claimFrom(
    select: Database.Statement,
    owner: string,
    now: Date,
    limit: number,
    leaseMs: number,
    idle?: Date,
  ): Row[] {
    const params = {
      now: now.toISOString(),
      owner,
      limit: Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0,
      ...(idle ? { idle: idle.toISOString() } : {}),
    };
    const until = new Date(now.getTime() + Math.max(0, leaseMs)).toISOString();
    return this.db
      .transaction((): Row[] => {
        const rows = select.all(params) as (Row & { claimed_by?: string | null; claimed_until?: string | null })[];
        for (const row of rows) {
          this.stmt.lease.run({ owner, until, id: row.id });
          row.claimed_by = owner;
          row.claimed_until = until;
        }
        return rows;
      })
      .immediate();
  }

  claimPending(owner: string, now: Date, limit: number, leaseMs: number, unclaimedGraceMs = 0): Row[] {
    return this.claimFrom(
      this.stmt.pending,
      owner,
      now,
      limit,
      leaseMs,
      new Date(now.getTime() - Math.max(0, unclaimedGraceMs)),
    );
  }

  claimDeliveries(owner: string, now: Date, limit: number, leaseMs: number): Row[] {
    return this.claimFrom(this.stmt.deliveries, owner, now, limit, leaseMs);
  }

  claimOne(id: string, owner: string, now: Date, leaseMs: number): boolean {
    return (
      this.stmt.claimOne.run({
        id,
        owner,
        now: now.toISOString(),
        until: new Date(now.getTime() + Math.max(0, leaseMs)).toISOString(),
      }).changes === 1
    );
  }

  renew(id: string, owner: string, now: Date, leaseMs: number): boolean {
    return (
      this.stmt.renew.run({ id, owner, until: new Date(now.getTime() + Math.max(0, leaseMs)).toISOString() })
        .changes === 1
    );
  }

  release(id: string, owner: string): void {
    this.stmt.release.run({ id, owner });
  }
}
