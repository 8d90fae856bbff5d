import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  DATABASE_FILE_NAME,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  SchemaTooNewError,
  SqliteStore,
  migrate,
  openStore,
  schemaVersion,
  type LicenseRequestInput,
  type LicenseRequestRecord,
  type Migration,
  type OutboxEntry,
} from '../../src/store';
import { QUERIES } from '../../src/store/sqlite-store';

const T0 = new Date('2025-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let dirs: string[] = [];
let stores: SqliteStore[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lr-store-test-'));
  dirs.push(dir);
  return dir;
}

function open(dir = tempDir()): SqliteStore {
  const store = new SqliteStore(dir);
  stores.push(store);
  return store;
}

afterEach(() => {
  for (const s of stores) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  stores = [];
  dirs = [];
});

let seq = 0;
function input(overrides: Partial<LicenseRequestInput> = {}): LicenseRequestInput {
  seq++;
  return {
    ticketUrl: 'https://support.gitlab.com/hc/en-us/requests/100',
    email: 'Jane.Doe@Example.com',
    userCount: 250,
    requestedBySlackId: 'U123',
    requestedByUsername: 'jdoe',
    licenseExpiresOn: '2025-03-02',
    scopeSummary: 'expired within 30 days',
    adapter: 'local',
    idempotencyKey: `view-${seq}`,
    ...overrides,
  };
}

/** createRequest without a duplicate window, in the `{ record, created }` shape these tests read. */
async function insert(store: SqliteStore, request: LicenseRequestInput, now: Date): Promise<{ record: LicenseRequestRecord; created: boolean }> {
  const result = await store.createRequest(request, now);
  if (result.outcome === 'duplicates') throw new Error('no duplicate check was asked for');
  return { record: result.record, created: result.outcome === 'created' };
}

describe('opening', () => {
  it('creates the folder and bot.sqlite3 with WAL, synchronous=NORMAL, busy_timeout, foreign keys', () => {
    const dir = join(tempDir(), 'nested', 'data');
    const store = open(dir);
    expect(store.file).toBe(join(dir, DATABASE_FILE_NAME));
    expect(existsSync(join(dir, 'bot.sqlite3'))).toBe(true);
    expect(store.pragma('journal_mode')).toBe('wal');
    expect(store.pragma('synchronous')).toBe(1); // NORMAL
    expect(store.pragma('foreign_keys')).toBe(1);
    expect(store.pragma('busy_timeout')).toBe(5000);
    expect(store.migration).toEqual({ from: 0, to: LATEST_SCHEMA_VERSION, applied: MIGRATIONS.map((m) => m.version) });

    // WAL is persistent: a fresh connection to the same file sees it.
    const raw = new Database(store.file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('openStore returns a working Store', async () => {
    const dir = tempDir();
    const store = openStore(dir);
    try {
      expect(store.isWritable()).toBe(true);
      const { created } = await insert(store, input(), T0);
      expect(created).toBe(true);
    } finally {
      store.close();
    }
  });

  it('reopening the same folder keeps the data and does not re-run migrations', async () => {
    const dir = tempDir();
    const first = new SqliteStore(dir);
    const { record } = await insert(first, input(), T0);
    await first.enqueue({ key: 'k1', channel: 'C1', text: 'hello', blocks: [] }, T0);
    await first.savePreferences('U1', { timeZone: 'Europe/Paris' }, T0);
    first.close();

    const readMigrations = () => {
      const raw = new Database(join(dir, DATABASE_FILE_NAME), { readonly: true });
      try {
        return raw.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all();
      } finally {
        raw.close();
      }
    };
    const before = readMigrations();
    expect(before).toHaveLength(MIGRATIONS.length);

    const second = open(dir);
    expect(second.migration).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION, applied: [] });
    expect(await second.getRequest(record.id)).toEqual(record);
    expect((await second.get('k1'))?.text).toBe('hello');
    expect(await second.getPreferences('U1')).toEqual({ timeZone: 'Europe/Paris' });
    expect(readMigrations()).toEqual(before);
  });

  it('refuses to open a database written by a newer release, without touching it', () => {
    const dir = tempDir();
    new SqliteStore(dir).close();
    const file = join(dir, DATABASE_FILE_NAME);
    const raw = new Database(file);
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      LATEST_SCHEMA_VERSION + 41,
      'from the future',
      T0.toISOString(),
    );
    raw.close();

    let error: unknown;
    try {
      new SqliteStore(dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SchemaTooNewError);
    expect((error as Error).message).toContain(`schema version ${LATEST_SCHEMA_VERSION + 41}`);
    expect((error as Error).message).toContain(`up to ${LATEST_SCHEMA_VERSION}`);
    expect((error as Error).message).toMatch(/newer release/);
    expect(() => openStore(dir)).toThrow(/newer release/);

    const check = new Database(file, { readonly: true });
    try {
      expect(schemaVersion(check)).toBe(LATEST_SCHEMA_VERSION + 41);
    } finally {
      check.close();
    }
  });
});

describe('migrate()', () => {
  const m1: Migration = { version: 1, name: 'a', up: 'CREATE TABLE a (x INTEGER);' };
  const m2: Migration = { version: 2, name: 'b', up: 'CREATE TABLE b (x INTEGER); INSERT INTO b VALUES (1);' };
  const m3bad: Migration = { version: 3, name: 'bad', up: 'CREATE TABLE c (x INTEGER); SELECT * FROM nope;' };
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(join(tempDir(), 'm.sqlite3'));
  });
  afterEach(() => db.close());
  const tables = () =>
    (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map(
      (r) => r.name,
    );

  it('applies pending migrations in order, records them, and is a no-op when re-run', () => {
    expect(migrate(db, [m1])).toEqual({ from: 0, to: 1, applied: [1] });
    expect(migrate(db, [m1])).toEqual({ from: 1, to: 1, applied: [] });
    expect(migrate(db, [m1, m2])).toEqual({ from: 1, to: 2, applied: [2] });
    expect(migrate(db, [m1, m2])).toEqual({ from: 2, to: 2, applied: [] });
    expect(db.prepare('SELECT COUNT(*) FROM b').pluck().get()).toBe(1); // m2 ran once
    expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual([
      { version: 1, name: 'a' },
      { version: 2, name: 'b' },
    ]);
  });

  it('rolls back every pending migration when one fails', () => {
    expect(() => migrate(db, [m1, m2, m3bad])).toThrow(/Migration 3 \("bad"\) failed/);
    expect(tables()).toEqual([]);
    expect(schemaVersion(db)).toBe(0);
  });

  it('rejects a migration list that is not strictly increasing', () => {
    expect(() => migrate(db, [m2, m1])).toThrow(/Invalid migration list/);
    expect(() => migrate(db, [m1, { ...m2, version: 1 }])).toThrow(/Invalid migration list/);
  });

  it('throws SchemaTooNewError when the database is ahead of the code', () => {
    migrate(db, [m1, m2]);
    expect(() => migrate(db, [m1])).toThrow(SchemaTooNewError);
  });
});

describe('license requests', () => {
  it('createRequest stores every field and returns a pending record', async () => {
    const store = open();
    const req = input({ overrideJustification: 'manager approved' });
    const { record, created } = await insert(store, req, T0);
    expect(created).toBe(true);
    expect(record).toEqual({
      ...req,
      id: expect.stringMatching(UUID_RE),
      status: 'pending',
      attempts: 0,
      createdAt: T0.toISOString(),
      updatedAt: T0.toISOString(),
    });
    expect(await store.getRequest(record.id)).toEqual(record);
    expect(await store.getRequest('nope')).toBeUndefined();
  });

  it('optional fields are absent (not null) when unset', async () => {
    const store = open();
    const { record } = await insert(store, input(), T0);
    for (const k of ['overrideJustification', 'reason', 'reference', 'licenseFile', 'trialExpiresOn']) {
      expect(record).not.toHaveProperty(k);
    }
  });

  it('createRequest is idempotent on idempotencyKey', async () => {
    const store = open();
    const first = await insert(store, input({ idempotencyKey: 'view-X' }), T0);
    const again = await insert(store, input({ idempotencyKey: 'view-X', userCount: 999 }), at(5));
    expect(again.created).toBe(false);
    expect(again.record).toEqual(first.record);
    expect(await store.findByTicket(first.record.ticketUrl, 10)).toHaveLength(1);
  });

  it('createRequest creates exactly one record under concurrent calls, also from two connections', async () => {
    const dir = tempDir();
    const a = open(dir);
    const b = open(dir);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => insert(i % 2 ? a : b, input({ idempotencyKey: 'same' }), at(i))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.record.id)).size).toBe(1);
  });

  it('updateRequest sets status, keeps undefined fields, clears null fields', async () => {
    const store = open();
    const { record } = await insert(store, input(), T0);
    const generated = await store.updateRequest(
      record.id,
      { status: 'generated', reference: '/licenses/x', licenseFile: 'LICENSE', trialExpiresOn: '2025-03-11' },
      at(10),
    );
    expect(generated).toMatchObject({
      status: 'generated',
      reference: '/licenses/x',
      licenseFile: 'LICENSE',
      trialExpiresOn: '2025-03-11',
      updatedAt: at(10).toISOString(),
      createdAt: T0.toISOString(),
    });
    const failed = await store.updateRequest(record.id, { status: 'failed', reason: 'boom', licenseFile: null }, at(20));
    expect(failed.status).toBe('failed');
    expect(failed.reason).toBe('boom');
    expect(failed.reference).toBe('/licenses/x'); // undefined = keep
    expect(failed).not.toHaveProperty('licenseFile'); // null = clear
    expect(await store.getRequest(record.id)).toEqual(failed);
    await expect(store.updateRequest('missing', { status: 'failed' }, T0)).rejects.toThrow(/not found/);
  });

  it('claimRetry moves failed -> pending exactly once and bumps attempts', async () => {
    const dir = tempDir();
    const store = open(dir);
    const other = open(dir);
    const { record } = await insert(store, input(), T0);
    expect(await store.claimRetry(record.id, at(1))).toBe(false); // pending, not failed
    await store.updateRequest(record.id, { status: 'failed', reason: 'adapter down' }, at(2));

    const claims = await Promise.all([store.claimRetry(record.id, at(3)), other.claimRetry(record.id, at(3))]);
    expect(claims.sort()).toEqual([false, true]);
    const after = await store.getRequest(record.id);
    expect(after).toMatchObject({ status: 'pending', attempts: 1, updatedAt: at(3).toISOString() });

    await store.updateRequest(record.id, { status: 'failed' }, at(4));
    expect(await store.claimRetry(record.id, at(5))).toBe(true);
    expect((await store.getRequest(record.id))?.attempts).toBe(2);
    await store.updateRequest(record.id, { status: 'generated' }, at(6));
    expect(await store.claimRetry(record.id, at(7))).toBe(false);
    expect(await store.claimRetry('missing', at(7))).toBe(false);
  });

  it('findRecentDuplicates matches ticket + email (any case) + user count, pending/generated, since inclusive', async () => {
    const store = open();
    const base = { ticketUrl: 'https://t/1', email: 'Ops@Corp.com', userCount: 10 };
    const old = (await insert(store, input({ ...base }), at(0))).record;
    const pending = (await insert(store, input({ ...base, email: 'ops@corp.com' }), at(100))).record;
    const generated = (await insert(store, input({ ...base, email: 'OPS@CORP.COM' }), at(200))).record;
    await store.updateRequest(generated.id, { status: 'generated' }, at(201));
    const failed = (await insert(store, input({ ...base }), at(300))).record;
    await store.updateRequest(failed.id, { status: 'failed' }, at(301));
    const refused = (await insert(store, input({ ...base }), at(400))).record;
    await store.updateRequest(refused.id, { status: 'refused' }, at(401));
    await insert(store, input({ ...base, userCount: 11 }), at(500));
    await insert(store, input({ ...base, ticketUrl: 'https://t/2' }), at(500));
    await insert(store, input({ ...base, email: 'other@corp.com' }), at(500));

    const found = await store.findRecentDuplicates({ ...base, email: 'oPs@cOrP.cOm' }, at(100));
    expect(found.map((r) => r.id)).toEqual([generated.id, pending.id]); // newest first, `old` is before since
    expect((await store.findRecentDuplicates(base, at(0))).map((r) => r.id)).toEqual([
      generated.id,
      pending.id,
      old.id,
    ]);
    expect(await store.findRecentDuplicates(base, at(1000))).toEqual([]);
  });

  it('findByTicket and findByEmail return newest first, honour the limit, email is case-insensitive', async () => {
    const store = open();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const email = i % 2 ? 'Mixed.Case@Example.COM' : 'mixed.case@example.com';
      ids.push((await insert(store, input({ ticketUrl: 'https://t/42', email }), at(i * 10))).record.id);
    }
    await insert(store, input({ ticketUrl: 'https://t/43', email: 'someone@else.com' }), at(100));
    const newestFirst = [...ids].reverse();

    expect((await store.findByTicket('https://t/42', 10)).map((r) => r.id)).toEqual(newestFirst);
    expect((await store.findByTicket('https://t/42', 2)).map((r) => r.id)).toEqual(newestFirst.slice(0, 2));
    expect(await store.findByTicket('https://t/404', 10)).toEqual([]);
    expect(await store.findByTicket('https://t/42', 0)).toEqual([]);

    expect((await store.findByEmail('MIXED.case@example.com', 10)).map((r) => r.id)).toEqual(newestFirst);
    expect((await store.findByEmail('mixed.case@EXAMPLE.com', 3)).map((r) => r.id)).toEqual(newestFirst.slice(0, 3));
    const [withOriginalCase] = await store.findByEmail('mixed.case@example.com', 1);
    expect(withOriginalCase?.email).toBe('mixed.case@example.com'); // stored as typed
    expect(await store.findByEmail('nobody@example.com', 10)).toEqual([]);
  });

  it('listPending returns only pending requests, oldest first', async () => {
    const store = open();
    const a = (await insert(store, input(), at(2))).record;
    const b = (await insert(store, input(), at(1))).record;
    const c = (await insert(store, input(), at(3))).record;
    await store.updateRequest(c.id, { status: 'generated' }, at(4));
    expect((await store.listPending()).map((r) => r.id)).toEqual([b.id, a.id]);
  });
});

describe('createRequest with a re-issue window (one atomic step)', () => {
  const WINDOW_SINCE = at(-10 * 86_400);

  it('of concurrent requests for the same ticket and email from two connections, exactly one is created (20 runs)', async () => {
    for (let run = 0; run < 20; run++) {
      const dir = tempDir();
      const a = open(dir);
      const b = open(dir);
      const ticketUrl = `https://t/race-${run}`;
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? a : b).createRequest(input({ ticketUrl, email: i % 3 ? 'ops@corp.com' : 'OPS@corp.com' }), at(i), { reissueWindowSince: WINDOW_SINCE }),
        ),
      );
      expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
      expect(results.filter((r) => r.outcome === 'duplicates')).toHaveLength(5);
      expect(await a.findByTicket(ticketUrl, 10)).toHaveLength(1);
    }
  });

  it('matches the same ticket OR the same email (any case), pending or generated, inside the window; newest first', async () => {
    const store = open();
    const since = { reissueWindowSince: at(100) };
    const old = (await insert(store, input({ ticketUrl: 'https://t/1', email: 'a@x.com' }), at(0))).record;
    const byEmail = (await insert(store, input({ ticketUrl: 'https://t/2', email: 'Ops@Corp.com' }), at(200))).record;
    const byTicket = (await insert(store, input({ ticketUrl: 'https://t/1', email: 'b@x.com' }), at(300))).record;
    await store.updateRequest(byTicket.id, { status: 'generated' }, at(301));
    const failed = (await insert(store, input({ ticketUrl: 'https://t/1', email: 'c@x.com' }), at(400))).record;
    await store.updateRequest(failed.id, { status: 'failed' }, at(401));

    const result = await store.createRequest(input({ ticketUrl: 'https://t/1', email: 'oPs@cOrP.cOm' }), at(500), since);
    expect(result.outcome).toBe('duplicates');
    expect(result.outcome === 'duplicates' && result.duplicates.map((r) => r.id)).toEqual([byTicket.id, byEmail.id]);
    expect(old.id).toBeDefined();
    const fresh = await store.createRequest(input({ ticketUrl: 'https://t/9', email: 'new@x.com' }), at(500), since);
    expect(fresh.outcome).toBe('created');
  });

  it('a redelivery of the same idempotency key is `existing`, before any duplicate check', async () => {
    const store = open();
    const first = await store.createRequest(input({ idempotencyKey: 'V1:submit' }), at(0), { reissueWindowSince: WINDOW_SINCE });
    const again = await store.createRequest(input({ idempotencyKey: 'V1:submit' }), at(1), { reissueWindowSince: WINDOW_SINCE });
    expect(first.outcome).toBe('created');
    expect(again).toEqual({ outcome: 'existing', record: first.outcome === 'created' ? first.record : undefined });
  });

  it('without a window (a confirmed re-issue) a duplicate is inserted', async () => {
    const store = open();
    await insert(store, input(), at(0));
    expect((await store.createRequest(input(), at(1))).outcome).toBe('created');
  });
});

describe('license delivery (durable step)', () => {
  it('becomes pending in the same write as generated, is due, and is recorded once delivered', async () => {
    const store = open();
    const { record } = await insert(store, input(), T0);
    expect(await store.listDeliveriesDue(at(100), 10)).toEqual([]);
    const generated = await store.updateRequest(record.id, { status: 'generated', licenseFile: 'L' }, at(1));
    expect(generated).toMatchObject({ deliveryStatus: 'pending', deliveryAttempts: 0, deliveryNextAt: at(1).toISOString() });
    expect((await store.listDeliveriesDue(at(1), 10)).map((r) => r.id)).toEqual([record.id]);

    const failed = await store.recordDelivery(record.id, { delivered: false, error: 'ratelimited', nextAttemptAt: at(60) }, at(2));
    expect(failed).toMatchObject({ deliveryStatus: 'pending', deliveryAttempts: 1, deliveryError: 'ratelimited', deliveryNextAt: at(60).toISOString() });
    expect(await store.listDeliveriesDue(at(59), 10)).toEqual([]);
    expect(await store.listDeliveriesDue(at(60), 10)).toHaveLength(1);

    const done = await store.recordDelivery(record.id, { delivered: true }, at(61));
    expect(done).toMatchObject({ deliveryStatus: 'delivered', deliveryAttempts: 2 });
    expect(done).not.toHaveProperty('deliveryError');
    // A late failure report never undoes a delivery; updating the record again keeps it delivered.
    expect((await store.recordDelivery(record.id, { delivered: false, error: 'late', nextAttemptAt: at(90) }, at(62))).deliveryStatus).toBe('delivered');
    expect((await store.updateRequest(record.id, { status: 'generated', reason: 'x' }, at(63))).deliveryStatus).toBe('delivered');
    expect(await store.listDeliveriesDue(at(1000), 10)).toEqual([]);
  });

  it('gives up when no next attempt is given', async () => {
    const store = open();
    const { record } = await insert(store, input(), T0);
    await store.updateRequest(record.id, { status: 'generated' }, at(1));
    expect((await store.recordDelivery(record.id, { delivered: false, error: 'x', nextAttemptAt: null }, at(2))).deliveryStatus).toBe('failed');
    expect(await store.listDeliveriesDue(at(1000), 10)).toEqual([]);
  });
});

describe('open requests', () => {
  it('are kept per view, replaced by the next step, and pruned', async () => {
    const store = open();
    await store.saveOpenRequest({ viewId: 'V1', slackUserId: 'U1', stage: 'override', facts: { email: 'a@b.c' }, channelId: 'C1' }, at(0));
    expect(await store.getOpenRequest('V1')).toEqual({ viewId: 'V1', slackUserId: 'U1', stage: 'override', facts: { email: 'a@b.c' }, channelId: 'C1', updatedAt: at(0).toISOString() });
    await store.saveOpenRequest({ viewId: 'V1', slackUserId: 'U1', stage: 'reissue', facts: { email: 'a@b.c' }, justification: 'because' }, at(5));
    expect(await store.getOpenRequest('V1')).toMatchObject({ stage: 'reissue', justification: 'because' });
    expect(await store.getOpenRequest('V2')).toBeUndefined();
    expect(await store.pruneOpenRequests(at(6))).toBe(1);
    expect(await store.getOpenRequest('V1')).toBeUndefined();
  });
});

describe('audit outbox', () => {
  const msg = (key: string, text = `text of ${key}`) => ({ key, channel: 'C-AUDIT', text, blocks: [{ type: 'section', text }] });

  it('enqueue creates version 1, due now; get returns it', async () => {
    const store = open();
    const entry = await store.enqueue({ ...msg('req-1'), threadOfKey: 'parent' }, T0);
    expect(entry).toEqual({
      key: 'req-1',
      channel: 'C-AUDIT',
      text: 'text of req-1',
      blocks: [{ type: 'section', text: 'text of req-1' }],
      threadOfKey: 'parent',
      version: 1,
      deliveredVersion: 0,
      attempts: 0,
      nextAttemptAt: T0.toISOString(),
      createdAt: T0.toISOString(),
    });
    expect(entry).not.toHaveProperty('ts');
    expect(await store.get('req-1')).toEqual(entry);
    expect(await store.get('missing')).toBeUndefined();
    expect(await store.backlog()).toBe(1);
  });

  it('versioning: deliver v1, enqueue v2 -> due again with ts kept; deliver v2 clears it', async () => {
    const store = open();
    await store.enqueue(msg('req-1', 'pending'), T0);
    expect((await store.due(at(1), 10)).map((e) => e.key)).toEqual(['req-1']);
    await store.markDelivered('req-1', 1, '1700000000.000100', at(1));
    expect(await store.due(at(2), 10)).toEqual([]);
    expect(await store.backlog()).toBe(0);

    const v2 = await store.enqueue({ ...msg('req-1', 'generated'), channel: 'C-OTHER' }, at(5));
    expect(v2).toMatchObject({
      version: 2,
      deliveredVersion: 1,
      ts: '1700000000.000100',
      text: 'generated',
      channel: 'C-AUDIT', // already posted: the message cannot move
      createdAt: T0.toISOString(),
      nextAttemptAt: at(5).toISOString(),
    });
    const due = await store.due(at(5), 10);
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({ key: 'req-1', version: 2, ts: '1700000000.000100', text: 'generated' });
    expect(await store.backlog()).toBe(1);

    await store.markDelivered('req-1', 2, '1700000000.000100', at(6));
    expect(await store.due(at(7), 10)).toEqual([]);
    expect(await store.get('req-1')).toMatchObject({ version: 2, deliveredVersion: 2 });
  });

  it('delivering an old version never marks the newer one delivered', async () => {
    const store = open();
    await store.enqueue(msg('k'), T0); // v1
    await store.enqueue(msg('k', 'newer'), at(1)); // v2 while v1 is in flight
    await store.markDelivered('k', 1, '111.222', at(2)); // the v1 send completes late
    expect(await store.get('k')).toMatchObject({ version: 2, deliveredVersion: 1, ts: '111.222' });
    expect((await store.due(at(2), 10)).map((e) => [e.key, e.version])).toEqual([['k', 2]]);

    await store.markDelivered('k', 2, '111.222', at(3));
    await store.markDelivered('k', 1, '111.222', at(4)); // a stale ack arriving after v2's
    expect(await store.get('k')).toMatchObject({ version: 2, deliveredVersion: 2 });
    expect(await store.due(at(5), 10)).toEqual([]);
    await expect(store.markDelivered('missing', 1, '1.2', at(5))).resolves.toBeUndefined();
  });

  it('re-enqueueing resets attempts, last error and backoff; channel may change while never posted', async () => {
    const store = open();
    await store.enqueue(msg('k'), T0);
    await store.markFailed('k', 'rate_limited', at(3600));
    await store.markFailed('k', 'rate_limited', at(7200));
    expect(await store.get('k')).toMatchObject({ attempts: 2, lastError: 'rate_limited' });
    const again = await store.enqueue({ ...msg('k', 'v2'), channel: 'C-NEW' }, at(10));
    expect(again).toMatchObject({ version: 2, attempts: 0, nextAttemptAt: at(10).toISOString(), channel: 'C-NEW' });
    expect(again).not.toHaveProperty('lastError');
    expect(again).not.toHaveProperty('ts');
    expect((await store.due(at(10), 10)).map((e) => e.key)).toEqual(['k']);
  });

  it('due is ordered by createdAt (ties in insertion order), honours limit, skips delivered and future', async () => {
    const store = open();
    await store.enqueue(msg('c'), at(30));
    await store.enqueue(msg('a'), at(10));
    await store.enqueue(msg('b'), at(20));
    await store.enqueue(msg('tie-1'), at(40));
    await store.enqueue(msg('tie-2'), at(40));
    await store.enqueue(msg('delivered'), at(5));
    await store.markDelivered('delivered', 1, '1.1', at(6));
    await store.enqueue(msg('later'), at(1000)); // not due yet at t=100

    expect((await store.due(at(100), 10)).map((e) => e.key)).toEqual(['a', 'b', 'c', 'tie-1', 'tie-2']);
    expect((await store.due(at(100), 2)).map((e) => e.key)).toEqual(['a', 'b']);
    expect(await store.due(at(100), 0)).toEqual([]);
    expect((await store.due(at(1000), 10)).map((e) => e.key)).toEqual(['a', 'b', 'c', 'tie-1', 'tie-2', 'later']);
    expect(await store.backlog()).toBe(6);
  });

  it('markFailed increments attempts and its backoff is respected by due()', async () => {
    const store = open();
    await store.enqueue(msg('a'), T0);
    await store.enqueue(msg('b'), at(1));
    await store.markFailed('a', 'channel_not_found', at(60));
    expect(await store.get('a')).toMatchObject({
      attempts: 1,
      lastError: 'channel_not_found',
      nextAttemptAt: at(60).toISOString(),
      version: 1,
      deliveredVersion: 0,
    });
    expect((await store.due(at(59), 10)).map((e) => e.key)).toEqual(['b']);
    expect((await store.due(at(60), 10)).map((e) => e.key)).toEqual(['a', 'b']); // inclusive, created_at order
    expect(await store.backlog()).toBe(2); // backing-off entries still count as backlog
    await expect(store.markFailed('missing', 'x', at(1))).resolves.toBeUndefined();
  });
});

describe('STAR decisions', () => {
  it('records decisions with JSON inputs and lists them since a date, oldest first', async () => {
    const store = open();
    const d1 = await store.recordDecision(
      { ticketUrl: 'https://t/1', decidedBySlackId: 'U1', verdict: 'valid', inputs: { answers: [1, 'b'], nested: { ok: true } } },
      at(10),
    );
    expect(d1).toEqual({
      id: expect.stringMatching(UUID_RE),
      ticketUrl: 'https://t/1',
      decidedBySlackId: 'U1',
      verdict: 'valid',
      inputs: { answers: [1, 'b'], nested: { ok: true } },
      createdAt: at(10).toISOString(),
    });
    const d0 = await store.recordDecision({ ticketUrl: 'https://t/0', decidedBySlackId: 'U2', verdict: 'invalid', inputs: {} }, at(5));
    const d2 = await store.recordDecision({ ticketUrl: 'https://t/2', decidedBySlackId: 'U1', verdict: 'valid', inputs: {} }, at(20));
    expect(await store.listDecisions(at(0))).toEqual([d0, d1, d2]);
    expect((await store.listDecisions(at(10))).map((d) => d.id)).toEqual([d1.id, d2.id]);
    expect(await store.listDecisions(at(21))).toEqual([]);
  });
});

describe('user preferences', () => {
  it('returns {} for unknown users and merges saves (undefined keeps the old value)', async () => {
    const store = open();
    expect(await store.getPreferences('U1')).toEqual({});
    await store.savePreferences('U1', { gitlabUsername: 'jdoe' }, T0);
    expect(await store.getPreferences('U1')).toEqual({ gitlabUsername: 'jdoe' });
    await store.savePreferences('U1', { timeZone: 'America/New_York' }, at(1));
    expect(await store.getPreferences('U1')).toEqual({ gitlabUsername: 'jdoe', timeZone: 'America/New_York' });
    await store.savePreferences('U1', { gitlabUsername: 'jane', timeZone: undefined }, at(2));
    expect(await store.getPreferences('U1')).toEqual({ gitlabUsername: 'jane', timeZone: 'America/New_York' });
    await store.savePreferences('U2', {}, at(3));
    expect(await store.getPreferences('U2')).toEqual({});
    expect(await store.getPreferences('U1')).toEqual({ gitlabUsername: 'jane', timeZone: 'America/New_York' });
  });
});

describe('health', () => {
  it('isWritable is true on a healthy store and false (not throwing) when writes fail or it is closed', () => {
    const store = open();
    expect(store.isWritable()).toBe(true);
    expect(store.isWritable()).toBe(true);
    store.pragma('query_only = ON'); // every write now fails with SQLITE_READONLY
    expect(store.isWritable()).toBe(false);
    store.pragma('query_only = OFF');
    expect(store.isWritable()).toBe(true);
    store.close();
    expect(store.isWritable()).toBe(false);
    expect(() => store.close()).not.toThrow();
  });

  it('methods reject after close', async () => {
    const store = open();
    store.close();
    await expect(store.getRequest('x')).rejects.toThrow();
  });
});

describe('bulkInsertForBenchmark', () => {
  it('stores records exactly as given (every column) and rolls back everything on a conflict', async () => {
    const store = open();
    const full: LicenseRequestRecord = {
      ...input({ overrideJustification: 'ok by manager' }),
      id: 'fixed-id',
      status: 'generated',
      reason: 'r',
      reference: '/ref',
      licenseFile: 'FILE',
      trialExpiresOn: '2025-03-11',
      attempts: 3,
      createdAt: at(1).toISOString(),
      updatedAt: at(2).toISOString(),
    };
    const entry: OutboxEntry = {
      key: 'bulk-1',
      channel: 'C',
      text: 't',
      blocks: [{ type: 'divider' }],
      threadOfKey: 'parent',
      ts: '123.456',
      version: 3,
      deliveredVersion: 2,
      attempts: 4,
      nextAttemptAt: at(5).toISOString(),
      lastError: 'ratelimited',
      createdAt: at(1).toISOString(),
    };
    expect(store.bulkInsertForBenchmark([full], [entry])).toEqual({ requests: 1, outbox: 1 });
    expect(await store.getRequest('fixed-id')).toEqual(full);
    expect(await store.get('bulk-1')).toEqual(entry);
    expect((await store.due(at(5), 10)).map((e) => e.key)).toEqual(['bulk-1']);

    const fresh: OutboxEntry = { ...entry, key: 'bulk-2' };
    expect(() => store.bulkInsertForBenchmark([], [fresh, entry])).toThrow(/UNIQUE/);
    expect(await store.get('bulk-2')).toBeUndefined();
  });
});

describe('scale sanity', () => {
  it('20,000 requests + 50,000 outbox rows: lookups use indexes, no full scan of big tables', async () => {
    const store = open();
    const started = Date.now();
    const created = (i: number) => new Date(T0.getTime() + i * 1000).toISOString();

    function* requests(): Generator<LicenseRequestRecord> {
      for (let i = 0; i < 20_000; i++) {
        yield {
          id: `req-${i}`,
          idempotencyKey: `idem-${i}`,
          ticketUrl: `https://support.example.com/requests/${i % 4000}`,
          email: `user${i % 7000}@Customer${i % 13}.example`,
          userCount: 10 + (i % 50),
          requestedBySlackId: `U${i % 40}`,
          requestedByUsername: `eng${i % 40}`,
          licenseExpiresOn: '2025-03-02',
          scopeSummary: 'bench',
          adapter: 'local',
          status: (['pending', 'generated', 'failed', 'refused'] as const)[i % 4]!,
          attempts: 0,
          createdAt: created(i),
          updatedAt: created(i),
        };
      }
    }
    function* outbox(): Generator<OutboxEntry> {
      for (let i = 0; i < 50_000; i++) {
        const undelivered = i % 500 === 0; // a small backlog, as in normal operation
        yield {
          key: `audit-${i}`,
          channel: 'C-AUDIT',
          text: `request ${i}`,
          blocks: [],
          version: 1,
          deliveredVersion: undelivered ? 0 : 1,
          attempts: 0,
          nextAttemptAt: created(i),
          createdAt: created(i),
          ...(undelivered ? {} : { ts: `17000.${i}` }),
        };
      }
    }
    expect(store.bulkInsertForBenchmark(requests(), outbox())).toEqual({ requests: 20_000, outbox: 50_000 });

    const checkPlans = () => {
      const plans: Record<string, string[]> = {
        findByTicket: store.explain(QUERIES.findByTicket, 'https://support.example.com/requests/7', 10),
        findByEmail: store.explain(QUERIES.findByEmail, 'USER7@customer7.example', 10),
        findRecentDuplicates: store.explain(QUERIES.findRecentDuplicates, {
          ticket_url: 'https://support.example.com/requests/7',
          email: 'user7@customer7.example',
          user_count: 17,
          since: T0.toISOString(),
        }),
        listPending: store.explain(QUERIES.listPending),
        due: store.explain(QUERIES.due, at(100_000).toISOString(), 50),
        backlog: store.explain(QUERIES.backlog),
      };
      for (const [name, details] of Object.entries(plans)) {
        const fullScans = details.filter((d) => /^SCAN (license_requests|audit_outbox)\b/.test(d) && !/USING (COVERING )?INDEX/.test(d));
        expect({ name, fullScans }).toEqual({ name, fullScans: [] });
      }
      expect(plans.findByTicket!.join(' ')).toMatch(/USING INDEX license_requests_ticket_created/);
      expect(plans.findByEmail!.join(' ')).toMatch(/USING INDEX license_requests_email_created/);
      expect(plans.findRecentDuplicates!.join(' ')).toMatch(
        /SEARCH license_requests USING INDEX license_requests_(ticket|email)_created/,
      );
      expect(plans.listPending!.join(' ')).toMatch(/USING INDEX license_requests_status_created/);
      expect(plans.due!.join(' ')).toMatch(/USING INDEX audit_outbox_due/);
      expect(plans.backlog!.join(' ')).toMatch(/USING COVERING INDEX audit_outbox_due/);
      // Newest-first reads come straight off the index, no sort of the matching rows.
      expect(plans.findByTicket!.join(' ')).not.toMatch(/TEMP B-TREE/);
      expect(plans.findByEmail!.join(' ')).not.toMatch(/TEMP B-TREE/);
    };
    checkPlans();
    store.analyze(); // PRAGMA optimize on close may add statistics; the plans must not regress
    checkPlans();

    // The answers are right, too.
    const byTicket = await store.findByTicket('https://support.example.com/requests/7', 3);
    expect(byTicket.map((r) => r.id)).toEqual(['req-16007', 'req-12007', 'req-8007']);
    const emailOf = (i: number) => `user${i % 7000}@customer${i % 13}.example`;
    const expectedByEmail = Array.from({ length: 20_000 }, (_, i) => i)
      .filter((i) => emailOf(i) === emailOf(12_345))
      .reverse()
      .map((i) => `req-${i}`);
    expect(expectedByEmail.length).toBeGreaterThan(0);
    const byEmail = await store.findByEmail(emailOf(12_345).toUpperCase(), 100);
    expect(byEmail.map((r) => r.id)).toEqual(expectedByEmail);
    expect(await store.backlog()).toBe(100);
    const due = await store.due(new Date(created(10_000)), 5);
    expect(due.map((e) => e.key)).toEqual(['audit-0', 'audit-500', 'audit-1000', 'audit-1500', 'audit-2000']);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
