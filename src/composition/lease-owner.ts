import { hostname } from 'node:os';
import type { Config } from '../config';

/**
 * The name this process holds request leases under. SQLite: one process per data folder, so a
 * fixed name lets a restarted bot take its unfinished requests back at once. PostgreSQL: unique
 * per process (REPLICA_ID, else host name and pid), so a replica never mistakes another's lease
 * for its own; a restarted container with the same host name and pid 1 takes its own back at once.
 */
export function leaseOwner(config: Config): string {
  if (config.replica.id) return config.replica.id;
  return config.database.url ? `${hostname()}:${process.pid}` : 'local';
}
