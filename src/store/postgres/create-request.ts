import type { PoolClient } from 'pg';
import { placeholders, REQUEST_COLUMNS, type PgRequestRow } from './rows';

/**
 * The atomic createRequest of the PostgreSQL store (store contract of issue 9, point 1).
 *
 * With a duplicate check, the transaction first takes two transaction-level advisory locks: one
 * on the lower-cased email, then one on the ticket URL, always in that order (separate key
 * spaces), so two creates for the same email or the same ticket are serialised across all
 * replicas, and no two transactions can wait on each other in a cycle. The second one then
 * sees the first one's committed row (READ COMMITTED: each statement takes a new snapshot).
 * The insert itself is `ON CONFLICT (idempotency_key) DO NOTHING`, so a redelivery racing the
 * first delivery on another replica is `existing`, never an error.
 */

/** Advisory-lock key spaces (first argument of the two-int form), distinct from the migration lock. */
const EMAIL_LOCK_SPACE = 0x4c52656d; // "LRem"
const TICKET_LOCK_SPACE = 0x4c527469; // "LRti"

const DUPLICATES = `SELECT * FROM license_requests
  WHERE (ticket_url = $1 OR lower(email) = lower($2))
    AND status IN ('pending', 'generated') AND created_at >= $3
  ORDER BY created_at DESC, seq DESC`;

const INSERT_IF_NEW = `INSERT INTO license_requests (${REQUEST_COLUMNS.join(', ')})
  VALUES (${placeholders(REQUEST_COLUMNS.length)})
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING *`;

const BY_KEY = 'SELECT * FROM license_requests WHERE idempotency_key = $1';

export type PgCreateOutcome =
  { outcome: 'created' | 'existing'; row: PgRequestRow } | { outcome: 'duplicates'; rows: PgRequestRow[] };

/** Runs on `client` inside BEGIN/COMMIT of its own. `values` in REQUEST_COLUMNS order. */
export async function createRequestAtomically(
  client: PoolClient,
  key: { idempotencyKey: string; ticketUrl: string; email: string },
  values: unknown[],
  reissueWindowSince: string | undefined,
): Promise<PgCreateOutcome> {
  await client.query('BEGIN');
  try {
    const result = await inTransaction(client, key, values, reissueWindowSince);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function inTransaction(
  client: PoolClient,
  key: { idempotencyKey: string; ticketUrl: string; email: string },
  values: unknown[],
  reissueWindowSince: string | undefined,
): Promise<PgCreateOutcome> {
  if (reissueWindowSince !== undefined) {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext(lower($2)))', [EMAIL_LOCK_SPACE, key.email]);
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [TICKET_LOCK_SPACE, key.ticketUrl]);
  }
  const existing = await client.query<PgRequestRow>(BY_KEY, [key.idempotencyKey]);
  if (existing.rows[0]) return { outcome: 'existing', row: existing.rows[0] };
  if (reissueWindowSince !== undefined) {
    const duplicates = await client.query<PgRequestRow>(DUPLICATES, [key.ticketUrl, key.email, reissueWindowSince]);
    if (duplicates.rows.length > 0) return { outcome: 'duplicates', rows: duplicates.rows };
  }
  const inserted = await client.query<PgRequestRow>(INSERT_IF_NEW, values);
  if (inserted.rows[0]) return { outcome: 'created', row: inserted.rows[0] };
  // Same key inserted concurrently (without our locks, e.g. a different ticket): it has committed
  // by now (ON CONFLICT waited for it), and this statement's fresh snapshot sees it.
  const winner = await client.query<PgRequestRow>(BY_KEY, [key.idempotencyKey]);
  if (!winner.rows[0]) throw new Error(`license request with idempotency key ${key.idempotencyKey} vanished`);
  return { outcome: 'existing', row: winner.rows[0] };
}
