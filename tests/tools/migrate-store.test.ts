/**
 * npm run migrate-store -- --to <postgres url>: the SQLite store copied into PostgreSQL, exactly
 * (ids, timestamps, versions, order), and idempotently.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from '../../src/store/sqlite/native';
import { Client } from 'pg';
import {
  COPIED_TABLES,
  DATABASE_FILE_NAME,
  PostgresStore,
  SqliteStore,
  type LicenseRequestInput,
} from '../../src/store';
import { migrateStore, parseMigrateArgs } from '../../src/tools/migrate-store';
import { usePostgres } from '../support/postgres';
import { TS_REGISTER } from '../../testkit/constants';

const postgres = usePostgres();
/**
 * Tables a copy leaves behind: the target records its own migrations, and the health check's one-row
 * write probe is rewritten at every check. Every other table of the schema is copied.
 */
const NOT_COPIED = ['health', 'schema_migrations'];
const NOTHING_COPIED = Object.fromEntries(COPIED_TABLES.map((table) => [table, 0]));
const T0 = new Date('2025-03-01T10:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const input = (i: number, overrides: Partial<LicenseRequestInput> = {}): LicenseRequestInput => ({
  ticketUrl: `https://t/${i % 2}`,
  email: `Person${i % 3}@Example.com`,
  userCount: 10 + i,
  requestedBySlackId: 'U1',
  requestedByUsername: 'eng',
  licenseExpiresOn: '2025-03-02',
  scopeSummary: 'expired within 30 days',
  adapter: 'local',
  idempotencyKey: `view-${i}`,
  ...overrides,
});

describe('migrate-store arguments (util.parseArgs)', () => {
  it('--to <postgres url> is the target; --help is the usage with exit code 0; anything else exit code 2', () => {
    expect(parseMigrateArgs(['--to', 'postgres://u:p@h:5432/db'])).toEqual({ to: 'postgres://u:p@h:5432/db' });
    expect(parseMigrateArgs(['--help'])).toEqual({
      exitCode: 0,
      usage: expect.stringMatching(/^Usage: npm run migrate-store/),
    });
    for (const argv of [[], ['--to'], ['--to', 'mysql://h/db'], ['--from', 'x'], ['postgres://h/db']])
      expect(parseMigrateArgs(argv)).toMatchObject({ exitCode: 2 });
  });
});

describe('migrate-store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lr-migrate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function fillSqlite(): Promise<void> {
    const s = new SqliteStore(dir);
    try {
      for (let i = 0; i < 7; i++)
        await s.requests.createRequest(
          input(i, i === 3 ? { overrideJustification: 'manager ok' } : {}),
          at(i < 5 ? i : 5),
        ); // ties at t=5
      const [first] = await s.requests.findByTicket('https://t/0', 1);
      await s.requests.updateRequest(
        first.id,
        {
          status: 'generated',
          licensePath: '/x',
          licenseFile: 'FILE',
          trialExpiresOn: '2025-03-11',
          issuedToMismatch: { email: 'other@example.com', userCount: 9 },
        },
        at(10),
      );
      const [failed] = await s.requests.findByTicket('https://t/1', 1);
      await s.requests.updateRequest(failed.id, { status: 'failed', failureReason: 'adapter down' }, at(11));
      await s.requests.claimRetry(failed.id, at(12));
      const [, refused, stillFailed] = await s.requests.findByTicket('https://t/0', 10);
      await s.requests.updateRequest(refused.id, { status: 'refused', refusalReason: 'out of scope' }, at(13));
      await s.requests.updateRequest(
        stillFailed.id,
        { status: 'failed', failureReason: 'Mechanizer failed', issueUrl: 'https://gitlab.example.com/g/p/-/issues/4' },
        at(14),
      );
      await s.requests.recordDelivery(
        first.id,
        { delivered: false, error: 'user_not_found', nextAttemptAt: at(70) },
        at(15),
      );
      await s.outbox.enqueue(
        { key: 'a', channel: 'C', text: 'a', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a' } }] },
        at(1),
      );
      await s.outbox.markDelivered('a', 'replica-1', 1, '111.1', at(2));
      await s.outbox.enqueue({ key: 'a', channel: 'C', text: 'a v2', blocks: [] }, at(3)); // v2 pending, ts kept
      await s.outbox.enqueue({ key: 'b', channel: 'C', text: 'b', blocks: [], threadOfKey: 'a' }, at(3));
      await s.outbox.claimDue('replica-1', at(3), 10, 30_000);
      await s.outbox.markFailed('b', 'replica-1', 'rate_limited', at(60));
      await s.outbox.enqueue({ key: 'c', channel: 'C', text: 'c', blocks: [] }, at(3));
      await s.outbox.claimDue('replica-1', at(4), 10, 30_000); // leased when the bot stopped
      await s.decisions.recordDecision(
        { ticketUrl: 'https://t/0', decidedBySlackId: 'U1', verdict: 'valid', inputs: { path: [{ q: 1 }] } },
        at(1),
      );
      await s.decisions.recordDecision(
        { ticketUrl: 'https://t/1', decidedBySlackId: 'U2', verdict: 'invalid', inputs: {} },
        at(1),
      );
      await s.preferences.savePreferences('U1', { gitlabUsername: 'eng', timeZone: 'Europe/Paris' }, at(1));
      await s.preferences.savePreferences('U2', { timeZone: 'Asia/Tokyo' }, at(2));
      await s.openRequests.saveOpenRequest(
        { viewId: 'V1', slackUserId: 'U1', stage: 'override', facts: { ticketUrl: 'https://t/0' }, channelId: 'C' },
        at(16),
      );
      await fillFollowUp(s, first.id);
    } finally {
      await s.close();
    }
  }

  /** The generated request's follow-up, as the bot leaves it when it is stopped for the copy. */
  async function fillFollowUp(s: SqliteStore, requestId: string): Promise<void> {
    // Copies of the license: one delivered, one pending (clicked just before the stop).
    const { copy: delivered } = await s.requests.requestCopy(
      { requestId, toSlackId: 'U2', idempotencyKey: 'click-1' },
      at(20),
    );
    await s.requests.recordCopyDelivery(delivered.id, { delivered: true }, at(21));
    await s.requests.requestCopy({ requestId, toSlackId: 'U3', idempotencyKey: 'click-2' }, at(22));
    // Zendesk writes: the license on the ticket done, a note still pending.
    const ticketUrl = 'https://t/0';
    await s.ticketWrites.enqueue({ key: 'license-1', ticketUrl, kind: 'license', requestId, payload: {} }, at(20));
    await s.ticketWrites.claimDue('replica-1', at(20), 10, 30_000);
    await s.ticketWrites.markDone('license-1', 'replica-1', 'now', at(21));
    await s.ticketWrites.enqueue(
      { key: 'note-1', ticketUrl, kind: 'note', requestId, payload: { note: 'generated' }, noticeKey: 'a' },
      at(22),
    );
    // Trial follow-up: the reminder fired, the lapse still to come; its events; a digest run done.
    await s.lifecycle.schedule({ requestId, kind: 'reminder', dueAt: at(30) }, at(20));
    await s.lifecycle.schedule({ requestId, kind: 'lapse', dueAt: at(3600) }, at(20));
    await s.lifecycle.claimDue(at(30), 30_000, 'replica-1', 10);
    await s.lifecycle.complete(`${requestId}:reminder`, 'replica-1', 'fired', at(31));
    await s.lifecycle.recordEvent({ requestId, type: 'reminder_sent', at: at(31).toISOString(), lateByMs: 1000 });
    await s.lifecycle.recordEvent({ requestId, type: 'copy_sent', at: at(32).toISOString(), bySlackId: 'U2' });
    await s.lifecycle.recordEvent({ requestId, type: 'needs_lr', at: at(33).toISOString(), bySlackId: 'U1' });
    await s.lifecycle.claimRun('star-digest:2025-03-03T09:00:00.000Z', 'replica-1', at(40), 60_000);
    await s.lifecycle.completeRun('star-digest:2025-03-03T09:00:00.000Z', 'replica-1', at(41));
    await s.isWritable();
  }

  /** Rows per table, for every table of the SQLite store. */
  function sqliteCounts(): Record<string, number> {
    const db = new Database(join(dir, DATABASE_FILE_NAME), { readonly: true });
    try {
      const tables = db
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
        .pluck()
        .all() as string[];
      return Object.fromEntries(
        tables.map((table) => [table, db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number]),
      );
    } finally {
      db.close();
    }
  }

  /** Rows per table, for every table of the PostgreSQL store. */
  async function postgresCounts(url: string): Promise<Record<string, number>> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
      );
      const counts: Record<string, number> = {};
      for (const { table_name: table } of rows)
        counts[table] = (await client.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table}`)).rows[0].n;
      return counts;
    } finally {
      await client.end();
    }
  }

  it('copies every table of the schema: a table a migration adds and the copy forgets fails here', async () => {
    await fillSqlite();
    const url = await postgres().createDatabase();
    const result = await migrateStore({ dataDir: dir, to: url, batchSize: 3 });

    const inSqlite = sqliteCounts();
    const inPostgres = await postgresCounts(url);
    // The two schemas have the same tables, and the rows above reach every one of them (a new table
    // needs a row in fillSqlite, written by the store's own code).
    expect(Object.keys(inPostgres).sort()).toEqual(Object.keys(inSqlite).sort());
    const copied = Object.keys(inSqlite).filter((table) => !NOT_COPIED.includes(table));
    expect(copied.filter((table) => inSqlite[table] === 0)).toEqual([]);
    const expected = Object.fromEntries(copied.map((table) => [table, inSqlite[table]]));
    expect(Object.fromEntries(copied.map((table) => [table, inPostgres[table]]))).toEqual(expected);
    expect(result.read).toEqual(expected);
    expect(result.copied).toEqual(expected);
  });

  it('copies the follow-up: license copies, pending Zendesk writes, lifecycle jobs and events, digest runs', async () => {
    await fillSqlite();
    const url = await postgres().createDatabase();
    await migrateStore({ dataDir: dir, to: url });

    const source = new SqliteStore(dir);
    const target = await PostgresStore.open({ connectionString: url });
    try {
      const [first] = (await source.requests.findByTicket('https://t/0', 10)).filter((r) => r.status === 'generated');
      const copyIds = (
        await Promise.all(
          ['click-1', 'click-2'].map((key) =>
            source.requests.requestCopy({ requestId: first.id, toSlackId: 'U9', idempotencyKey: key }, at(50)),
          ),
        )
      ).map(({ created, copy }) => {
        expect(created).toBe(false);
        return copy.id;
      });
      for (const id of copyIds) expect(await target.requests.getCopy(id)).toEqual(await source.requests.getCopy(id));
      // The pending copy is handed over by the new store, the delivered one never again.
      expect((await target.requests.claimCopiesDue('replica-2', at(60), 10, 30_000)).map((c) => c.id)).toEqual([
        copyIds[1],
      ]);

      for (const key of ['license-1', 'note-1'])
        expect(await target.ticketWrites.get(key)).toEqual(await source.ticketWrites.get(key));
      expect(await target.ticketWrites.forRequest(first.id)).toEqual(await source.ticketWrites.forRequest(first.id));
      expect((await target.ticketWrites.claimDue('replica-2', at(60), 10, 30_000)).map((w) => w.key)).toEqual([
        'note-1',
      ]);

      expect(await target.lifecycle.listEvents(first.id)).toEqual(await source.lifecycle.listEvents(first.id));
      expect(await target.lifecycle.resolution(first.id)).toEqual(await source.lifecycle.resolution(first.id));
      // Scheduling again returns the stored job: the lapse kept its due time; the fired reminder never runs again.
      expect(await target.lifecycle.schedule({ requestId: first.id, kind: 'lapse', dueAt: at(9) }, at(60))).toEqual(
        await source.lifecycle.schedule({ requestId: first.id, kind: 'lapse', dueAt: at(9) }, at(60)),
      );
      expect((await target.lifecycle.claimDue(at(7200), 30_000, 'replica-2', 10)).map((j) => j.kind)).toEqual([
        'lapse',
      ]);
      // The digest that ran is not sent a second time.
      expect(
        await target.lifecycle.claimRun('star-digest:2025-03-03T09:00:00.000Z', 'replica-2', at(7200), 60_000),
      ).toBe(false);

      expect(await target.openRequests.getOpenRequest('V1')).toEqual(await source.openRequests.getOpenRequest('V1'));
    } finally {
      source.closeNow();
      await target.close();
    }
  });

  it('copies requests, outbox, decisions and preferences exactly; a second run copies nothing', async () => {
    await fillSqlite();
    const url = await postgres().createDatabase();

    const first = await migrateStore({ dataDir: dir, to: url, batchSize: 3 });
    expect(first.read).toMatchObject({ license_requests: 7, audit_outbox: 3, star_decisions: 2, user_preferences: 2 });
    expect(first.copied).toEqual(first.read);

    const source = new SqliteStore(dir);
    const rows = source.exportRecords();
    const target = await PostgresStore.open({ connectionString: url });
    try {
      for (const { id } of rows.rows('license_requests'))
        expect(await target.requests.getRequest(id)).toEqual(await source.requests.getRequest(id));
      for (const { key } of rows.rows('audit_outbox'))
        expect(await target.outbox.get(key)).toEqual(await source.outbox.get(key));
      expect(await target.decisions.listDecisions(at(0))).toEqual(await source.decisions.listDecisions(at(0)));
      expect(await target.preferences.getPreferences('U1')).toEqual({
        gitlabUsername: 'eng',
        timeZone: 'Europe/Paris',
      });
      expect(await target.preferences.getPreferences('U2')).toEqual({ timeZone: 'Asia/Tokyo' });
      // Orders (ties included) and queries agree.
      for (const ticket of ['https://t/0', 'https://t/1'])
        expect(await target.requests.findByTicket(ticket, 50)).toEqual(await source.requests.findByTicket(ticket, 50));
      expect(await target.requests.findByEmail('person1@example.com', 50)).toEqual(
        await source.requests.findByEmail('person1@example.com', 50),
      );
      expect(await target.outbox.due(at(100), 50)).toEqual(await source.outbox.due(at(100), 50));
      expect(await target.outbox.backlog()).toBe(await source.outbox.backlog());
    } finally {
      source.closeNow();
      await target.close();
    }

    const again = await migrateStore({ dataDir: dir, to: url });
    expect(again.read).toEqual(first.read);
    expect(again.copied).toEqual(NOTHING_COPIED);

    // Something new on the SQLite side (e.g. the copy ran while the bot still worked): only that is copied.
    const s = new SqliteStore(dir);
    await s.requests.createRequest(input(99), at(99));
    await s.close();
    const third = await migrateStore({ dataDir: dir, to: url });
    expect(third.copied).toEqual({ ...NOTHING_COPIED, license_requests: 1 });
  });

  it('refuses a DATA_DIR without a store instead of copying nothing', async () => {
    const url = await postgres().createDatabase();
    await expect(migrateStore({ dataDir: join(dir, 'typo'), to: url })).rejects.toThrow(/no SQLite store at .*typo/);
  });

  it('runs as a command: --to <url>, prints a summary without the password', async () => {
    await fillSqlite();
    const url = (await postgres().createDatabase()).replace('postgres@', 'postgres:s3cret@');
    const run = promisify(execFile);
    const command = (args: string[]) =>
      run(process.execPath, ['-r', TS_REGISTER, 'src/tools/migrate-store.ts', ...args], {
        cwd: join(__dirname, '..', '..'),
        env: { ...process.env, DATA_DIR: dir },
      });
    const { stdout } = await command(['--to', url]);
    expect(stdout).toContain('license_requests: 7 copied, 0 already there');
    expect(stdout).toContain('audit_outbox: 3 copied');
    expect(stdout).toContain('user_preferences: 2 copied');
    expect(stdout).toContain('ticket_writes: 2 copied');
    expect(stdout).not.toContain('s3cret');
  }, 30_000);
});
