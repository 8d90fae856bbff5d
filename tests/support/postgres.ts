/**
 * A real PostgreSQL for tests, never a mock.
 *
 * - `TEST_DATABASE_URL` set: that server is used (each suite gets its own database on it, dropped
 *   afterwards); restarting it is not possible from here.
 * - Otherwise a throwaway cluster is created with the machine's PostgreSQL binaries (found via
 *   `pg_config --bindir`, `/usr/lib/postgresql/<version>/bin` or PATH), started on a free loopback
 *   port and removed afterwards. PostgreSQL refuses to run as root, so when the tests run as root
 *   (CI) initdb/pg_ctl run as the `postgres` system user through `runuser`.
 *
 * One server per test file (see {@link usePostgres}): starting one costs ~1 s, it keeps test files
 * independent (a fault test may restart its own server without disturbing others) and nothing is
 * started when only non-PostgreSQL suites run. A server never outlives the test process: it is
 * stopped in afterAll, on process exit, and by a detached watchdog when the process is killed.
 *
 * Missing binaries make the PostgreSQL suites FAIL with a clear message; they are never skipped.
 */
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

export interface TestPostgres {
  /** True when TEST_DATABASE_URL points at a server this harness did not start. */
  readonly external: boolean;
  /** URL of the maintenance database (`postgres`) of the server. */
  readonly adminUrl: string;
  /** Folder holding the throwaway cluster (removed by close()); undefined for an external server. */
  readonly folder: string | undefined;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown: open connections are terminated). Throwaway server only. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory. Throwaway server only. */
  start(): Promise<void>;
  /** stop() + start(). */
  restart(): Promise<void>;
  /** Stops the server, removes its files (throwaway) or drops the created databases (external). */
  close(): Promise<void>;
}

export class PostgresBinariesNotFoundError extends Error {
  constructor(looked: string[]) {
    super(
      `No PostgreSQL server binaries (initdb, pg_ctl) found; looked in: ${looked.join(', ') || '(nothing)'}. ` +
        'The PostgreSQL store tests need a real server: install PostgreSQL (e.g. `apt-get install postgresql`), ' +
        ('set PG_BINDIR to the folder holding initdb/pg_ctl, or set TEST_DATABASE_URL to a server the tests may ' +
          'create databases on.'),
    );
    this.name = 'PostgresBinariesNotFoundError';
  }
}

/** Where to look for initdb/pg_ctl; the defaults are this machine's (tests pass others). */
export interface BinDirSearch {
  env?: NodeJS.ProcessEnv;
  /** Folders holding one subfolder per major version, each with a `bin` folder. */
  versionRoots?: string[];
}

/** Folder holding initdb and pg_ctl. Throws {@link PostgresBinariesNotFoundError} when none does. */
export function findPostgresBinDir({
  env = process.env,
  versionRoots = ['/usr/lib/postgresql'],
}: BinDirSearch = {}): string {
  const candidates: string[] = [];
  if (env.PG_BINDIR) candidates.push(env.PG_BINDIR);
  try {
    const bindir = execFileSync('pg_config', ['--bindir'], {
      encoding: 'utf8',
      env,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (bindir) candidates.push(bindir);
  } catch {
    // no pg_config: try the usual places
  }
  for (const root of versionRoots.filter((r) => existsSync(r))) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(root, v, 'bin')));
  }
  for (const dir of (env.PATH ?? '').split(':').filter(Boolean)) candidates.push(dir);
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (!found) throw new PostgresBinariesNotFoundError(candidates);
  return found;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

let databaseCounter = 0;
const databaseName = () => `lr_test_${process.pid}_${++databaseCounter}_${Math.random().toString(36).slice(2, 8)}`;

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function urlWithDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

class ExternalPostgres implements TestPostgres {
  readonly external = true;
  readonly folder = undefined;
  private readonly created: string[] = [];
  constructor(readonly adminUrl: string) {}

  async createDatabase(): Promise<string> {
    const name = databaseName();
    await withClient(this.adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
    this.created.push(name);
    return urlWithDatabase(this.adminUrl, name);
  }
  private unsupported(): Promise<never> {
    return Promise.reject(
      new Error('TEST_DATABASE_URL points at a server this harness did not start: it cannot stop or restart it'),
    );
  }
  stop(): Promise<void> {
    return this.unsupported();
  }
  start(): Promise<void> {
    return this.unsupported();
  }
  restart(): Promise<void> {
    return this.unsupported();
  }
  async close(): Promise<void> {
    const names = this.created.splice(0);
    if (names.length === 0) return;
    await withClient(this.adminUrl, async (c) => {
      for (const name of names) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    });
  }
}

class ThrowawayPostgres implements TestPostgres {
  readonly external = false;
  private running = false;
  private watchdogPid: number | undefined;
  private readonly onExit = () => this.killNow();

  private constructor(
    private readonly binDir: string,
    private readonly dir: string,
    private readonly dataDir: string,
    private readonly runAs: string | undefined,
    private port: number,
  ) {}

  get folder(): string {
    return this.dir;
  }

  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<ThrowawayPostgres> {
    const binDir = findPostgresBinDir();
    const root = process.getuid?.() === 0;
    // As root, the cluster belongs to `postgres`, which must be able to reach the folder: /tmp
    // (world-writable, sticky) rather than a TMPDIR that may sit under /root.
    const dir = mkdtempSync(join(root ? '/tmp' : tmpdir(), 'lr-pg-'));
    const runAs = root ? 'postgres' : undefined;
    if (runAs) {
      const uid = Number(execFileSync('id', ['-u', runAs], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', runAs], { encoding: 'utf8' }).trim());
      chownSync(dir, uid, gid);
    }
    const server = new ThrowawayPostgres(binDir, dir, join(dir, 'data'), runAs, 0);
    process.once('exit', server.onExit);
    server.startWatchdog();
    try {
      await server.exec('initdb', [
        '-D',
        server.dataDir,
        '-A',
        'trust',
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
        '--no-instructions',
      ]);
      // Durability is irrelevant for a throwaway cluster; dropping it makes tests fast. The unix
      // socket lives in the temp folder, so nothing is written to /var/run/postgresql.
      appendFileSync(
        join(server.dataDir, 'postgresql.conf'),
        [
          '',
          `listen_addresses = '127.0.0.1'`,
          `unix_socket_directories = '${dir}'`,
          'fsync = off',
          'synchronous_commit = off',
          'full_page_writes = off',
          'max_connections = 200',
          '',
        ].join('\n'),
      );
      for (let attempt = 1; ; attempt++) {
        server.port = await freePort();
        appendFileSync(join(server.dataDir, 'postgresql.conf'), `port = ${server.port}\n`);
        try {
          await server.start();
          break;
        } catch (error) {
          // Another process may have taken the port between probing and binding it.
          if (attempt >= 3) throw error;
        }
      }
      return server;
    } catch (error) {
      server.killNow();
      throw error;
    }
  }

  private command(bin: string, args: string[]): [string, string[]] {
    const path = join(this.binDir, bin);
    return this.runAs ? ['runuser', ['-u', this.runAs, '--', path, ...args]] : [path, args];
  }

  private async exec(bin: string, args: string[]): Promise<void> {
    const [file, argv] = this.command(bin, args);
    try {
      // cwd: the postgres user may not be allowed into the test's working directory.
      await run(file, argv, { cwd: this.dir, timeout: 60_000 });
    } catch (error) {
      const e = error as Error & { stderr?: string; stdout?: string };
      throw new Error(`${bin} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}\n${this.logTail()}`, {
        cause: error,
      });
    }
  }

  private logTail(): string {
    try {
      return readFileSync(join(this.dir, 'server.log'), 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '';
    }
  }

  /**
   * A detached shell that outlives a killed test process and then stops the server and deletes
   * its files; a normal close() kills the watchdog instead.
   */
  private startWatchdog(): void {
    const [file, argv] = this.command('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', 'stop']);
    const stop = [file, ...argv].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const script =
      `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.5; done; cd /; ${stop} >/dev/null ` +
      `2>&1; rm -rf '${this.dir}'`;
    const watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
    watchdog.unref();
    this.watchdogPid = watchdog.pid;
  }

  async createDatabase(): Promise<string> {
    const name = databaseName();
    // FILE_COPY copies the tiny template directory at once; with fsync off it beats WAL_LOG.
    await withClient(this.adminUrl, (c) => c.query(`CREATE DATABASE "${name}" STRATEGY FILE_COPY`));
    return urlWithDatabase(this.adminUrl, name);
  }

  async start(): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-w', '-t', '30', 'start']);
    this.running = true;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
    this.running = false;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async close(): Promise<void> {
    try {
      if (this.running) await this.exec('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
    } finally {
      this.running = false;
      this.cleanUp();
    }
  }

  /** Synchronous, for process exit and failed starts. */
  private killNow(): void {
    if (existsSync(join(this.dataDir, 'postmaster.pid'))) {
      const [file, argv] = this.command('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', 'stop']);
      spawnSync(file, argv, { cwd: this.dir, stdio: 'ignore', timeout: 10_000 });
    }
    this.running = false;
    this.cleanUp();
  }

  private cleanUp(): void {
    process.removeListener('exit', this.onExit);
    if (this.watchdogPid !== undefined) {
      try {
        process.kill(-this.watchdogPid, 'SIGKILL'); // its own process group: the shell and its sleep
      } catch {
        // already gone
      }
      this.watchdogPid = undefined;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A server for the caller to own: TEST_DATABASE_URL's, or a throwaway one. Call close() when done. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) return new ExternalPostgres(external);
  return ThrowawayPostgres.create();
}

/**
 * Jest hook for one test file: a server started in beforeAll and closed in afterAll. Call the
 * returned function inside tests/hooks to reach it.
 */
export function usePostgres(): () => TestPostgres {
  let server: TestPostgres | undefined;
  beforeAll(async () => {
    server = await startTestPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    server = undefined;
  }, 30_000);
  return () => {
    if (!server)
      throw new Error('PostgreSQL test server is not running (did its beforeAll fail? see the first error above)');
    return server;
  };
}
