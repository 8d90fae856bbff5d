import type { Pool } from 'pg';
import type { LicenseRequestRecord } from '../types';
import { toRequestRecord, type PgRequestRow } from './rows';

/**
 * License request leases on PostgreSQL (see RequestLeases in ../types.ts). Claims pick rows with
 * `FOR UPDATE SKIP LOCKED`, so replicas claiming at the same moment pass over each other's rows
 * instead of waiting, and the lease keeps them away from everyone else once committed.
 */

const iso = (d: Date): string => d.toISOString();
const until = (now: Date, leaseMs: number): string => iso(new Date(now.getTime() + Math.max(0, leaseMs)));
const clamp = (limit: number): number => (Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0);
/** Free for `$owner` at `$now`: never taken, released, expired, or already its own. */
const FREE = `(claimed_until IS NULL OR claimed_until <= $1::timestamptz OR claimed_by = $2)`;

async function claimWhere(
  pool: Pool,
  where: string,
  order: string,
  owner: string,
  now: Date,
  limit: number,
  leaseMs: number,
  free = FREE,
  extra: unknown[] = [],
): Promise<LicenseRequestRecord[]> {
  const { rows } = await pool.query<PgRequestRow>(
    `WITH picked AS (
       SELECT id FROM license_requests WHERE ${where} AND ${free}
       ORDER BY ${order} LIMIT $3
       FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE license_requests r SET claimed_by = $2, claimed_until = $4 FROM picked WHERE r.id = picked.id ` +
      `RETURNING r.*
     )
     SELECT * FROM claimed ORDER BY ${order}`,
    [iso(now), owner, clamp(limit), until(now, leaseMs), ...extra],
  );
  return rows.map(toRequestRecord);
}

/** Never claimed (or released) requests only after `$5` (now - grace): their creator is about to claim them. */
const FREE_PENDING =
  `(claimed_until <= $1::timestamptz OR claimed_by = $2 OR (claimed_until IS NULL AND ` +
  `updated_at <= $5::timestamptz))`;

export function pgClaimPendingRequests(
  pool: Pool,
  owner: string,
  now: Date,
  limit: number,
  leaseMs: number,
  unclaimedGraceMs = 0,
): Promise<LicenseRequestRecord[]> {
  const idleSince = iso(new Date(now.getTime() - Math.max(0, unclaimedGraceMs)));
  return claimWhere(pool, `status = 'pending'`, 'created_at, seq', owner, now, limit, leaseMs, FREE_PENDING, [
    idleSince,
  ]);
}

export function pgClaimDeliveriesDue(
  pool: Pool,
  owner: string,
  now: Date,
  limit: number,
  leaseMs: number,
): Promise<LicenseRequestRecord[]> {
  return claimWhere(
    pool,
    `delivery_status = 'pending' AND delivery_next_at <= $1::timestamptz`,
    'delivery_next_at, seq',
    owner,
    now,
    limit,
    leaseMs,
  );
}

export async function pgClaimRequest(
  pool: Pool,
  id: string,
  owner: string,
  now: Date,
  leaseMs: number,
): Promise<boolean> {
  // A single conditional UPDATE: a concurrent claimer waits for the row lock, re-checks the
  // WHERE against the leased row and updates nothing.
  const result = await pool.query(
    `UPDATE license_requests SET claimed_by = $2, claimed_until = $4
     WHERE id = $3 AND (status = 'pending' OR (status = 'generated' AND delivery_status = 'pending')) AND ${FREE}`,
    [iso(now), owner, id, until(now, leaseMs)],
  );
  return result.rowCount === 1;
}

export async function pgRenewRequestLease(
  pool: Pool,
  id: string,
  owner: string,
  now: Date,
  leaseMs: number,
): Promise<boolean> {
  const result = await pool.query('UPDATE license_requests SET claimed_until = $3 WHERE id = $1 AND claimed_by = $2', [
    id,
    owner,
    until(now, leaseMs),
  ]);
  return result.rowCount === 1;
}

/**
 * Ends `owner`'s lease as expired (not NULL, which reads as "just created, its creator is about to
 * claim it"), so another replica may take a pending request over at once (issue 18: a graceful
 * stop hands its work over without waiting out the lease).
 */
export async function pgReleaseRequestLease(pool: Pool, id: string, owner: string): Promise<void> {
  await pool.query(
    `UPDATE license_requests SET claimed_by = NULL, claimed_until = '1970-01-01T00:00:00.000Z'
     WHERE id = $1 AND claimed_by = $2`,
    [id, owner],
  );
}
