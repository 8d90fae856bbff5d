/**
 * Databases written by the store code before the Kysely query layer (commit 6f60957) open with
 * today's store, read back exactly what that code read, and take writes: on both backends.
 * The fixtures were written by that code (tests/store/fixtures/today/make.js says how): a SQLite
 * file, a pg_dump of a PostgreSQL database, and what the old code read from each.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  PostgresStore,
  SqliteStore,
  type LicenseRequestInput,
  type Store,
} from '../../src/store';
import { usePostgres } from '../support/postgres';

const FIXTURES = join(__dirname, 'fixtures', 'today');
type Ids = Record<'r1' | 'r2' | 'r3' | 'r4' | 'r5', string>;
const today = JSON.parse(readFileSync(join(FIXTURES, 'today-reads.json'), 'utf8')) as Record<
  'sqlite' | 'postgres',
  { ids: Ids; reads: unknown }
>;
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 30, 9, minutes));
const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

/** The schema version the fixtures were written at; later migrations run when the store opens them. */
const FIXTURE_SCHEMA_VERSION = 6;
const migratedForward = {
  from: FIXTURE_SCHEMA_VERSION,
  to: LATEST_SCHEMA_VERSION,
  // Versions increase but need not be contiguous (a number may be left to another branch's migration).
  applied: MIGRATIONS.map((m) => m.version).filter((version) => version > FIXTURE_SCHEMA_VERSION),
};

/**
 * What the old code read, plus what later migrations give old rows: every request written before the
 * license-kind question was checked as a paid license.
 */
function withMigratedDefaults(reads: unknown): unknown {
  const copy = json(reads) as { requests: Record<string, Record<string, unknown> | null> };
  for (const request of Object.values(copy.requests)) if (request) request.licenseKind = 'paid';
  return copy;
}

/** The same reads as make.js does with the old code. */
async function reads(store: Store, ids: Ids) {
  const requests: Record<string, unknown> = {};
  for (const [name, id] of Object.entries(ids)) requests[name] = await store.requests.getRequest(id);
  return json({
    requests,
    byEmail: (await store.requests.findByEmail('customer2@example.com', 10)).map((x) => x.id),
    outbox: { 'audit:1': await store.outbox.get('audit:1'), 'audit:2': await store.outbox.get('audit:2') },
    backlog: await store.outbox.backlog(),
    decisions: await store.decisions.listDecisions(at(0)),
    preferences: await store.preferences.getPreferences('U0ENGINEER'),
    openRequest: await store.openRequests.getOpenRequest('V-OPEN'),
    events: await store.lifecycle.listEvents(ids.r5),
    resolution: await store.lifecycle.resolution(ids.r5),
    openTrialIds: await store.lifecycle.openTrialIds('2026-12-01', 10),
    decisionsBy: await store.lifecycle.decisionsBy('U0ENGINEER', 10),
  });
}

/** Writes on the old rows: every repository, leases and claims included. */
async function writes(store: Store, ids: Ids): Promise<void> {
  const { requests, outbox, lifecycle } = store;
  // The duplicate check sees the old generated request of the same email (any case), not the refused one.
  const input: LicenseRequestInput = {
    ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/999',
    email: 'CUSTOMER2@example.com',
    userCount: 5,
    requestedBySlackId: 'U0OTHER',
    requestedByUsername: 'other',
    licenseExpiresOn: '2027-01-31',
    scopeSummary: 'in scope',
    adapter: 'local',
    idempotencyKey: 'view-new',
  };
  const duplicate = await requests.createRequest(input, at(50), { reissueWindowSince: at(0) });
  expect(duplicate.outcome === 'duplicates' && duplicate.duplicates.map((r) => r.id)).toEqual([ids.r2]);
  const existing = await requests.createRequest({ ...input, idempotencyKey: 'view-1' }, at(50));
  expect(existing.outcome === 'existing' && existing.record.id).toBe(ids.r1);

  // r1's old lease (replica-a until 09:11) holds, then expires.
  expect(await requests.claimPendingRequests('replica-b', at(10), 10, 60_000)).toEqual([]);
  expect((await requests.claimPendingRequests('replica-b', at(12), 10, 60_000)).map((r) => r.id)).toEqual([ids.r1]);
  expect(await requests.renewRequestLease(ids.r1, 'replica-b', at(12), 60_000)).toBe(true);
  expect((await requests.claimDeliveriesDue('replica-b', at(21), 10, 60_000)).map((r) => r.id)).toEqual([ids.r2]);
  const delivered = await requests.recordDelivery(ids.r2, { delivered: true }, at(22));
  expect(delivered.status === 'generated' && delivered.delivery).toEqual({ status: 'delivered', attempts: 2 });
  const generated = await requests.updateRequest(ids.r1, { status: 'generated', trialExpiresOn: '2027-01-01' }, at(23));
  expect(generated.status === 'generated' && generated.delivery).toEqual({
    status: 'pending',
    attempts: 0,
    nextAt: at(23).toISOString(),
  });
  expect(await requests.claimRetry(ids.r3, at(24))).toBe(true);
  expect(await requests.getRequest(ids.r3)).toMatchObject({ status: 'pending', attempts: 1 });

  // The outbox: audit:1's old lease (until 09:06, taken before leases had an owner) holds until it
  // runs out, and nobody can renew or end it meanwhile.
  const leasedByOldCode = await outbox.get('audit:1');
  expect(leasedByOldCode).not.toHaveProperty('claimedBy');
  expect(await outbox.claimDue('replica-b', at(5), 10, 60_000)).toEqual([]);
  expect(await outbox.renewLease(leasedByOldCode!, 'replica-b', at(5), 60_000)).toBe(false);
  expect(await outbox.markFailed('audit:1', 'replica-b', 'x', at(5))).toBe(false);
  // A new version of a delivered message keeps its ts; the old claim has expired.
  const edited = await outbox.enqueue({ key: 'audit:1', channel: 'C-OTHER', text: 'third', blocks: [] }, at(31));
  expect(edited).toMatchObject({ version: 3, deliveredVersion: 1, ts: '1700000000.000100', channel: 'C-AUDIT' });
  const claimed = await outbox.claimDue('replica-b', at(31), 10, 60_000);
  expect(claimed.map((e) => [e.key, e.claimedBy])).toEqual([
    ['audit:1', 'replica-b'],
    ['audit:2', 'replica-b'],
  ]);
  // Now the lease has an owner: the fence holds for it alone.
  expect(await outbox.renewLease(claimed[0], 'replica-c', at(31), 60_000)).toBe(false);
  expect(await outbox.renewLease(claimed[0], 'replica-b', at(31), 60_000)).toBe(true);
  await outbox.markDelivered('audit:1', 'replica-b', 3, '1700000000.000100', at(32));
  await outbox.markDelivered('audit:2', 'replica-b', 1, '1700000000.000200', at(32));
  expect(await outbox.backlog()).toBe(0);
  expect(await outbox.get('audit:2')).not.toHaveProperty('claimedBy');

  // Lifecycle: both old jobs are due, run and done; the once-only event and the finished run stay as they were.
  const jobs = await lifecycle.claimDue(at(41), 60_000, 'replica-b', 10);
  expect(jobs.map((j) => j.kind)).toEqual(['lapse', 'reminder']);
  for (const job of jobs) expect(await lifecycle.complete(job.id, 'replica-b', 'fired', at(41))).toBe(true);
  expect(await lifecycle.claimDue(at(43), 60_000, 'replica-b', 10)).toEqual([]);
  const again = await lifecycle.recordEvent({ requestId: ids.r5, type: 'needs_lr', at: at(44).toISOString() });
  expect(again).toMatchObject({ recorded: false, event: { bySlackId: 'U0LR' } });
  expect(await lifecycle.claimRun('star-digest:2026-11-30T09:00:00.000Z', 'replica-b', at(45), 60_000)).toBe(false);

  await store.preferences.savePreferences('U0ENGINEER', { timeZone: 'Europe/Paris' }, at(46));
  expect(await store.preferences.getPreferences('U0ENGINEER')).toEqual({
    gitlabUsername: 'engineer',
    timeZone: 'Europe/Paris',
  });
  expect(await store.openRequests.pruneOpenRequests(at(9))).toBe(1);
  expect(await store.isWritable()).toBe(true);
}

describe('a SQLite database written by the previous store code', () => {
  it('migrates forward, reads back what the old code read, and takes writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lr-forward-'));
    copyFileSync(join(FIXTURES, 'bot.sqlite3'), join(dir, 'bot.sqlite3'));
    const store = new SqliteStore(dir);
    try {
      expect(store.migration).toEqual(migratedForward);
      expect(await reads(store, today.sqlite.ids)).toEqual(withMigratedDefaults(today.sqlite.reads));
      await writes(store, today.sqlite.ids);
    } finally {
      store.closeNow();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a PostgreSQL database written by the previous store code', () => {
  const postgres = usePostgres();

  it('migrates forward, reads back what the old code read, and takes writes', async () => {
    const url = await postgres().createDatabase();
    const client = new Client({ connectionString: url });
    await client.connect();
    // pg_dump's psql commands (\restrict) are not SQL.
    await client.query(
      readFileSync(join(FIXTURES, 'postgres.sql'), 'utf8')
        .split('\n')
        .filter((line) => !line.startsWith('\\'))
        .join('\n'),
    );
    await client.end();
    const store = await PostgresStore.open({ connectionString: url, max: 2 });
    try {
      expect(store.migration).toEqual(migratedForward);
      expect(await reads(store, today.postgres.ids)).toEqual(withMigratedDefaults(today.postgres.reads));
      await writes(store, today.postgres.ids);
    } finally {
      await store.close();
    }
  });
});
