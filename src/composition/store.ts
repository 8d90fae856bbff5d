import type { Config } from '../config';
import type { Logger } from '../logger';
import { connectStore } from '../store/connect';
import { describeDatabaseUrl } from '../store/database-url';
import { SqliteStore } from '../store/sqlite';
import type { Store } from '../store/store';

/** The store the configuration selects (see connectStore), with pool errors logged instead of crashing the process. */
export async function openConfiguredStore(deps: { config: Config; logger: Logger }): Promise<Store> {
  const { config, logger } = deps;
  const store = await connectStore({
    dataDir: config.dataDir,
    databaseUrl: config.database.url,
    postgres: {
      max: config.database.poolMax,
      connectionTimeoutMs: config.database.connectTimeoutMs,
      statementTimeoutMs: config.database.statementTimeoutMs,
      onPoolError: (error) =>
        logger.warn(
          { error: error.message },
          'an idle database connection failed (e.g. a PostgreSQL restart); it is replaced on next use',
        ),
    },
  });
  if (store instanceof SqliteStore) {
    for (const fix of store.modeFixes) {
      logger.warn(
        { path: fix.path, from: fix.from, to: fix.to },
        'tightened the permissions of the data folder/file: customer data is for the bot user only',
      );
    }
    // One process per SQLite file: an audit lease found now was left by this bot's previous run
    // (a crash mid-post). Free it, so the restart resends at once instead of after the lease.
    const leftover = (await store.outbox.due(new Date('9999-12-31T23:59:59.999Z'), 100_000)).filter(
      (entry) => entry.claimedUntil,
    );
    if (leftover.length > 0) await store.outbox.releaseClaims(leftover.map((entry) => entry.key));
  }
  return store;
}

/** Which store this is, for the health report and the ready line (a PostgreSQL URL without its password). */
export type DatabaseDescription = ReturnType<typeof describeDatabase>;

export function describeDatabase(config: Config) {
  return config.database.url
    ? { backend: 'postgres' as const, location: describeDatabaseUrl(config.database.url) }
    : { backend: 'sqlite' as const, location: config.dataDir };
}
