/**
 * What only the embedded SQLite store has: the file, WAL, its migrations runner, the bulk insert and
 * query plans. Behaviour shared with PostgreSQL is in store-contract.test.ts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
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
import { openSqliteDatabase } from '../../src/store/sqlite';
import Database, { BETTER_SQLITE3_PACKAGE } from '../../src/store/sqlite/native';
import { analyze, bulkInsert, explain } from '../../bench/store-fill';
import { LEGACY_REQUESTS_SQL, MIGRATED_REQUESTS } from './support/legacy-requests';

const T0 = new Date('2025-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

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
  for (const s of stores) s.closeNow();
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
    licenseKind: 'temporary',
    scopeSummary: 'expired within 30 days',
    adapter: 'local',
    idempotencyKey: `view-${seq}`,
    ...overrides,
  };
}

/** createRequest without a duplicate window, in the `{ record, created }` shape these tests read. */
async function insert(
  store: SqliteStore,
  request: LicenseRequestInput,
  now: Date,
): Promise<{ record: LicenseRequestRecord; created: boolean }> {
  const result = await store.requests.createRequest(request, now);
  return { record: result.record, created: result.outcome === 'created' };
}

describe('opening', () => {
  it('creates the folder and bot.sqlite3 with WAL, synchronous=NORMAL, busy_timeout, foreign keys', () => {
    const dir = join(tempDir(), 'nested', 'data');
    const store = open(dir);
    expect(store.file).toBe(join(dir, DATABASE_FILE_NAME));
    expect(existsSync(join(dir, 'bot.sqlite3'))).toBe(true);
    // The store's connection is opened by openSqliteDatabase; a second one has the same settings.
    const { db } = openSqliteDatabase(dir);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    } finally {
      db.close();
    }
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
      expect(await store.isWritable()).toBe(true);
      const { outcome } = await store.requests.createRequest(input(), T0);
      expect(outcome).toBe('created');
    } finally {
      await store.close();
    }
  });

  it('reopening the same folder keeps the data and does not re-run migrations', async () => {
    const dir = tempDir();
    const first = new SqliteStore(dir);
    const { record } = await insert(first, input(), T0);
    await first.outbox.enqueue({ key: 'k1', channel: 'C1', text: 'hello', blocks: [] }, T0);
    await first.preferences.savePreferences('U1', { timeZone: 'Europe/Paris' }, T0);
    first.closeNow();

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
    expect(await second.requests.getRequest(record.id)).toEqual(record);
    expect((await second.outbox.get('k1'))?.text).toBe('hello');
    expect(await second.preferences.getPreferences('U1')).toEqual({ timeZone: 'Europe/Paris' });
    expect(readMigrations()).toEqual(before);
  });

  it('refuses to open a database written by a newer release, without touching it', () => {
    const dir = tempDir();
    new SqliteStore(dir).closeNow();
    const file = join(dir, DATABASE_FILE_NAME);
    const raw = new Database(file);
    raw
      .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
      .run(LATEST_SCHEMA_VERSION + 41, 'from the future', T0.toISOString());
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

describe('migration 4', () => {
  it('gives each meaning of reason/reference its own field, mapping the rows already there', async () => {
    const dir = tempDir();
    openSqliteDatabase(dir, { migrations: MIGRATIONS.filter((m) => m.version <= 3) }).db.close();
    const raw = new Database(join(dir, DATABASE_FILE_NAME));
    raw.exec(LEGACY_REQUESTS_SQL);
    raw.close();
    const store = open(dir);
    expect(store.migration.applied).toEqual(MIGRATIONS.filter((m) => m.version >= 4).map((m) => m.version));
    for (const expected of MIGRATED_REQUESTS) expect(await store.requests.getRequest(expected.id)).toEqual(expected);
  });
});

describe('migrate()', () => {
  const m1: Migration = { version: 1, name: 'a', up: 'CREATE TABLE a (x INTEGER);' };
  const m2: Migration = { version: 2, name: 'b', up: 'CREATE TABLE b (x INTEGER); INSERT INTO b VALUES (1);' };
  const m3bad: Migration = { version: 3, name: 'bad', up: 'CREATE TABLE c (x INTEGER); SELECT * FROM nope;' };
  let db: BetterSqlite3.Database;
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

describe('health', () => {
  it('isWritable is true on a healthy store and false (not throwing) when writes fail or it is closed', async () => {
    const store = new SqliteStore(tempDir(), { busyTimeoutMs: 50 });
    stores.push(store);
    expect(await store.isWritable()).toBe(true);
    expect(await store.isWritable()).toBe(true);
    const other = new Database(store.file);
    other.exec('BEGIN EXCLUSIVE'); // every write of the store now fails with SQLITE_BUSY
    expect(await store.isWritable()).toBe(false);
    other.exec('ROLLBACK');
    other.close();
    expect(await store.isWritable()).toBe(true);
    await store.close();
    expect(await store.isWritable()).toBe(false);
    await expect(store.close()).resolves.toBeUndefined();
  });
});

describe('bulkInsert (benchmark fill)', () => {
  it('stores records exactly as given (every column) and rolls back everything on a conflict', async () => {
    const store = open();
    const full: LicenseRequestRecord = {
      ...input({ overrideJustification: 'ok by manager' }),
      id: 'fixed-id',
      status: 'generated',
      issuedToMismatch: { email: 'r@example.com', userCount: 3 },
      licensePath: '/ref',
      issueUrl: 'https://gitlab.example.com/g/p/-/issues/9',
      licenseFile: 'FILE',
      trialExpiresOn: '2025-03-11',
      delivery: { status: 'failed', attempts: 12, error: 'user_not_found' },
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
    expect(bulkInsert(store.file, [full], [entry])).toEqual({ requests: 1, outbox: 1 });
    expect(await store.requests.getRequest('fixed-id')).toEqual(full);
    expect(await store.outbox.get('bulk-1')).toEqual(entry);
    expect((await store.outbox.due(at(5), 10)).map((e) => e.key)).toEqual(['bulk-1']);

    const fresh: OutboxEntry = { ...entry, key: 'bulk-2' };
    expect(() => bulkInsert(store.file, [], [fresh, entry])).toThrow(/UNIQUE/);
    expect(await store.outbox.get('bulk-2')).toBeUndefined();
  });
});

describe('scale sanity', () => {
  it('20,000 requests + 50,000 outbox rows: lookups use indexes, no full scan of big tables', async () => {
    const store = open();
    const created = (i: number) => new Date(T0.getTime() + i * 1000).toISOString();

    function* requests(): Generator<LicenseRequestRecord> {
      for (let i = 0; i < 20_000; i++) {
        const status = (['pending', 'generated', 'failed', 'refused'] as const)[i % 4];
        const fields =
          status === 'generated'
            ? { status, trialExpiresOn: '2025-03-11', delivery: { status: 'delivered' as const, attempts: 1 } }
            : status === 'failed'
              ? { status, failureReason: 'x' }
              : status === 'refused'
                ? { status, refusalReason: 'x' }
                : { status };
        yield {
          ...fields,
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
    expect(bulkInsert(store.file, requests(), outbox())).toEqual({ requests: 20_000, outbox: 50_000 });

    const checkPlans = () => {
      // The store's own queries, compiled as it runs them.
      const plan = ({ sql, parameters }: { sql: string; parameters: readonly unknown[] }) =>
        explain(store.file, sql, ...parameters);
      const { queries: requests } = store.requests;
      const plans: Record<string, string[]> = {
        findByTicket: plan(requests.findByTicket('https://support.example.com/requests/7', 10).compile()),
        findByEmail: plan(requests.findByEmail('USER7@customer7.example', 10).compile()),
        createdSince: plan(requests.createdSince(at(100_000), 500).compile()),
        duplicates: plan(
          store.requests.duplicatesQuery(
            'https://support.example.com/requests/7',
            'user7@customer7.example',
            T0.toISOString(),
          ),
        ),
        due: plan(store.outbox.queries.due(at(100_000), 50).compile()),
        backlog: plan(store.outbox.queries.backlog().compile()),
      };
      for (const [name, details] of Object.entries(plans)) {
        const fullScans = details.filter(
          (d) => /^SCAN (license_requests|audit_outbox)\b/.test(d) && !/USING (COVERING )?INDEX/.test(d),
        );
        expect({ name, fullScans }).toEqual({ name, fullScans: [] });
      }
      expect(plans.findByTicket.join(' ')).toMatch(/USING INDEX license_requests_ticket_created/);
      expect(plans.findByEmail.join(' ')).toMatch(/USING INDEX license_requests_email_created/);
      // The duplicate check of createRequest (ticket OR email, within the re-issue window) looks up
      // each through its own index, never walking every recent request.
      expect(plans.duplicates.join(' ')).toMatch(
        /INDEX license_requests_ticket_created .*INDEX license_requests_email_created /,
      );
      expect(plans.duplicates.join(' ')).not.toMatch(/license_requests_status_created/);
      expect(plans.due.join(' ')).toMatch(/USING INDEX audit_outbox_due/);
      expect(plans.backlog.join(' ')).toMatch(/USING COVERING INDEX audit_outbox_due/);
      // Newest-first reads come straight off the index, no sort of the matching rows.
      expect(plans.findByTicket.join(' ')).not.toMatch(/TEMP B-TREE/);
      expect(plans.findByEmail.join(' ')).not.toMatch(/TEMP B-TREE/);
    };
    checkPlans();
    analyze(store.file); // PRAGMA optimize on close may add statistics; the plans must not regress
    checkPlans();

    // The answers are right, too.
    const byTicket = await store.requests.findByTicket('https://support.example.com/requests/7', 3);
    expect(byTicket.map((r) => r.id)).toEqual(['req-16007', 'req-12007', 'req-8007']);
    const emailOf = (i: number) => `user${i % 7000}@customer${i % 13}.example`;
    const expectedByEmail = Array.from({ length: 20_000 }, (_, i) => i)
      .filter((i) => emailOf(i) === emailOf(12_345))
      .reverse()
      .map((i) => `req-${i}`);
    expect(expectedByEmail.length).toBeGreaterThan(0);
    const byEmail = await store.requests.findByEmail(emailOf(12_345).toUpperCase(), 100);
    expect(byEmail.map((r) => r.id)).toEqual(expectedByEmail);
    expect(await store.outbox.backlog()).toBe(100);
    const due = await store.outbox.due(new Date(created(10_000)), 5);
    expect(due.map((e) => e.key)).toEqual(['audit-0', 'audit-500', 'audit-1000', 'audit-1500', 'audit-2000']);
  });
});

describe('the native module (src/store/sqlite/native.ts)', () => {
  it('is better-sqlite3 13 from Node 22 on, 12 before', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(BETTER_SQLITE3_PACKAGE).toBe(major >= 22 ? 'better-sqlite3-13' : 'better-sqlite3');
  });

  it('survives the garbage collector freeing statements and closed databases', () => {
    // With better-sqlite3 12 built for Node 24.19+, the first Statement or Database the collector
    // frees aborts the whole process ("Assertion failed: (env) != nullptr"): this test then takes
    // the jest worker down with it rather than failing.
    for (let i = 0; i < 300; i++) {
      const db = new Database(':memory:');
      for (let j = 0; j < 100; j++) db.prepare(`SELECT ${j} AS n`).get();
      db.close();
      // Garbage alongside, so that young-generation collections happen during the loop.
      expect(new Array(2000).fill(i).length).toBe(2000);
    }
  });
});
