/**
 * What only the PostgreSQL store has: migrations under an advisory lock for replicas starting
 * together, and a bounded pool that survives a server restart. Behaviour shared with SQLite is in
 * store-contract.test.ts.
 */
import { Client } from 'pg';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, PostgresStore, SchemaTooNewError } from '../../src/store';
import { PG_MIGRATIONS } from '../../src/store/postgres';
import { newPendingRequest, newRefusedRequest, toRequestColumns } from '../../src/store/request-columns';
import type { LicenseRequestInput, LicenseRequestRecord } from '../../src/store';
import { usePostgres } from '../support/postgres';
import { eventually } from '../../testkit/eventually';
import { LEGACY_REQUESTS_SQL, MIGRATED_REQUESTS } from './support/legacy-requests';

const server = usePostgres();

async function sql<T>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A license request as the emergency form submits it; the key (and ticket or email) per test. */
const requestInput = (
  fields: Pick<LicenseRequestInput, 'ticketUrl' | 'idempotencyKey'> & Partial<LicenseRequestInput>,
): LicenseRequestInput => ({
  email: 'admin@customer.example',
  userCount: 250,
  requestedBySlackId: 'U0ENGINEER',
  requestedByUsername: 'jdoe',
  licenseExpiresOn: '2026-11-22',
  scopeSummary: 'grace period ended',
  adapter: 'local',
  ...fields,
});

describe('PostgreSQL migrations', () => {
  it('mirror the SQLite versions', () => {
    expect(PG_MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(PG_MIGRATIONS[PG_MIGRATIONS.length - 1].version).toBe(LATEST_SCHEMA_VERSION);
  });

  it('the create function of migration 12 inserts every column the code writes, and no other', async () => {
    // A column added to RequestColumns without a migration replacing the function would be dropped
    // silently on PostgreSQL (jsonb_populate_record ignores keys it is not asked for).
    const url = await server().createDatabase();
    await (await PostgresStore.open({ connectionString: url })).close();
    const [{ definition }] = await sql<{ definition: string }>(
      url,
      "SELECT pg_get_functiondef('create_license_request'::regproc) AS definition",
    );
    const inserted = /INSERT INTO license_requests \(([^)]*)\)/.exec(definition)?.[1] ?? '';
    const input = requestInput({ ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/9', idempotencyKey: 'columns' });
    const now = new Date('2026-12-05T10:00:00.000Z');
    const written = (record: LicenseRequestRecord) => [
      ...Object.keys(toRequestColumns(record)),
      'claimed_by', // with a lease (createRequest's `lease` option)
      'claimed_until',
    ];
    const columns = inserted.split(',').map((c) => c.trim());
    expect([...columns].sort()).toEqual([...written(newPendingRequest(input, now))].sort());
    expect([...columns].sort()).toEqual([...written(newRefusedRequest(input, now, 'out of scope'))].sort());
  });

  it('five replicas opening a fresh database at once: migrations applied exactly once, all stores work', async () => {
    const url = await server().createDatabase();
    const stores = await Promise.all(Array.from({ length: 5 }, () => PostgresStore.open({ connectionString: url })));
    try {
      const applied = stores.map((s) => s.migration.applied);
      expect(applied.filter((a) => a.length > 0)).toEqual([PG_MIGRATIONS.map((m) => m.version)]);
      expect(stores.every((s) => s.migration.to === LATEST_SCHEMA_VERSION)).toBe(true);
      expect(await sql(url, 'SELECT version, name FROM schema_migrations ORDER BY version')).toEqual(
        PG_MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
      );
      expect(await Promise.all(stores.map((s) => s.isWritable()))).toEqual([true, true, true, true, true]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('migration 4 gives each meaning of reason/reference its own field, mapping the rows already there', async () => {
    const url = await server().createDatabase();
    await (
      await PostgresStore.open({ connectionString: url, migrations: PG_MIGRATIONS.filter((m) => m.version <= 3) })
    ).close();
    await sql(url, LEGACY_REQUESTS_SQL);
    const store = await PostgresStore.open({ connectionString: url });
    try {
      expect(store.migration.applied).toEqual(PG_MIGRATIONS.filter((m) => m.version >= 4).map((m) => m.version));
      for (const expected of MIGRATED_REQUESTS) expect(await store.requests.getRequest(expected.id)).toEqual(expected);
    } finally {
      await store.close();
    }
  });

  it('refuses a database written by a newer release, naming it without the password', async () => {
    const url = await server().createDatabase();
    await (await PostgresStore.open({ connectionString: url })).close();
    await sql(url, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', now())`, [
      LATEST_SCHEMA_VERSION + 1,
    ]);
    const withPassword = url.replace('postgres@', 'postgres:s3cret@');
    const error = await PostgresStore.open({ connectionString: withPassword }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaTooNewError);
    expect((error as Error).message).toMatch(/newer release/);
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('a failing migration rolls back every pending one', async () => {
    const url = await server().createDatabase();
    const bad = [...PG_MIGRATIONS, { version: 99, name: 'bad', up: 'CREATE TABLE later (x int); SELECT * FROM nope;' }];
    await expect(PostgresStore.open({ connectionString: url, migrations: bad })).rejects.toThrow(
      /Migration 99 \("bad"\) failed/,
    );
    expect(await sql(url, `SELECT to_regclass('license_requests') AS t, to_regclass('later') AS l`)).toEqual([
      { t: null, l: null },
    ]);
  });
});

describe('PostgreSQL pool and faults', () => {
  it('answers not writable (quickly, without throwing) while the server is down, and recovers after it restarts', async () => {
    const pg = server();
    if (pg.external) return; // cannot stop a server we did not start
    const url = await pg.createDatabase();
    const poolErrors: Error[] = [];
    const store = await PostgresStore.open({
      connectionString: url,
      max: 2,
      connectionTimeoutMs: 500,
      // Far longer than any other wait here, so "quickly" below is told apart on a loaded machine too.
      queryTimeoutMs: 30_000,
      onPoolError: (e) => poolErrors.push(e),
    });
    try {
      const { record } = await store.requests.createRequest(
        {
          ticketUrl: 'https://t/1',
          email: 'a@b.c',
          userCount: 1,
          requestedBySlackId: 'U1',
          requestedByUsername: 'u',
          licenseExpiresOn: '2025-03-02',
          scopeSummary: 's',
          adapter: 'local',
          idempotencyKey: 'k1',
        },
        new Date(),
      );
      expect(await store.isWritable()).toBe(true);
      await pg.stop();
      const started = Date.now();
      expect(await store.isWritable()).toBe(false);
      // Without waiting for a query timeout: the refused connection is the answer.
      expect(Date.now() - started).toBeLessThan(10_000);
      await pg.start();
      expect(await store.isWritable()).toBe(true);
      expect((await store.requests.getRequest(record.id))?.idempotencyKey).toBe('k1');
    } finally {
      await store.close();
    }
    expect(await store.isWritable()).toBe(false);
    await expect(store.requests.getRequest('x')).rejects.toThrow(/closed/);
  }, 45_000);
});

describe('PostgreSQL duplicate-check locks', () => {
  // The key spaces and hashes every earlier version locked with (server-side hashtext): a replica
  // of an older version holding them during a rolling upgrade must hold off this version's create.
  const EMAIL_SPACE = 0x4c52656d;
  const TICKET_SPACE = 0x4c527469;

  it.each([
    ['email', `SELECT pg_advisory_xact_lock(${EMAIL_SPACE}, hashtext(lower($1)))`, "O'Brien\\ops@Customer.example"],
    [
      'ticket',
      `SELECT pg_advisory_xact_lock(${TICKET_SPACE}, hashtext($1))`,
      "https://gitlab.zendesk.com/agent/tickets/7?q='\\",
    ],
  ])(
    'a create for the same %s waits for the lock an older version holds (quotes and backslashes included)',
    async (what, lock, value) => {
      const url = await server().createDatabase();
      const store = await PostgresStore.open({ connectionString: url });
      const older = new Client({ connectionString: url });
      await older.connect();
      try {
        await older.query('BEGIN');
        await older.query(lock, [what === 'email' ? value.toLowerCase() : value]);
        let settled = false;
        const now = new Date('2026-12-05T10:00:00.000Z');
        const create = store.requests
          .createRequest(
            requestInput({
              ticketUrl: what === 'ticket' ? value : 'https://gitlab.zendesk.com/agent/tickets/8',
              email: what === 'email' ? value : 'admin@customer.example',
              idempotencyKey: `lock-${what}`,
            }),
            now,
            { reissueWindowSince: new Date('2026-11-01T00:00:00.000Z') },
          )
          .finally(() => (settled = true));
        // The create is blocked on the lock: the server shows it waiting for an advisory lock.
        await eventually(async () => {
          const waiting = await sql<{ n: number }>(
            url,
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' " +
              "AND wait_event = 'advisory'",
          );
          expect(waiting[0].n).toBe(1);
        });
        expect(settled).toBe(false);
        await older.query('COMMIT');
        expect((await create).outcome).toBe('created');
      } finally {
        await older.end();
        await store.close();
      }
    },
  );
});
