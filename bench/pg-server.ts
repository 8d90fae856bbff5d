/**
 * A PostgreSQL for the benchmark: BENCH_DATABASE_URL / TEST_DATABASE_URL when set (a database is
 * created on it), else a throwaway cluster from the machine's binaries on a free loopback port,
 * run as the `postgres` user when the bench runs as root (PostgreSQL refuses root). Durability
 * settings stay at their defaults here (fsync on), unlike the test harness: the figures should be
 * those of a real server on this disk.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../testkit/processes';

export interface BenchPostgres {
  /** Creates an empty database; returns its URL. */
  createDatabase(): Promise<string>;
  describe: string;
  close(): Promise<void>;
}

function binDir(): string | undefined {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  try {
    candidates.push(
      execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
    );
  } catch {
    // no pg_config
  }
  const root = '/usr/lib/postgresql';
  if (existsSync(root))
    candidates.push(
      ...readdirSync(root)
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => join(root, v, 'bin')),
    );
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

let counter = 0;

async function createOn(adminUrl: string): Promise<string> {
  const name = `lr_bench_${process.pid}_${++counter}`;
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Undefined when no server can be had (no URL, no binaries): the PostgreSQL sections are skipped. */
export async function startBenchPostgres(log: (msg: string) => void): Promise<BenchPostgres | undefined> {
  const external = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (external)
    return {
      createDatabase: () => createOn(external),
      describe: 'external server (BENCH_DATABASE_URL/TEST_DATABASE_URL)',
      close: async () => undefined,
    };
  const bin = binDir();
  if (!bin) {
    log('no PostgreSQL binaries (initdb/pg_ctl) and no BENCH_DATABASE_URL: PostgreSQL sections skipped');
    return undefined;
  }
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join('/tmp', 'lr-bench-pg-'));
  const run = (tool: string, args: string[]) =>
    execFileSync(
      asRoot ? 'runuser' : join(bin, tool),
      asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args,
      { cwd: dir, stdio: 'ignore', timeout: 120_000 },
    );
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-instructions']);
  appendFileSync(
    join(data, 'postgresql.conf'),
    `\nlisten_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir}'\nmax_connections = ` +
      `100\nshared_buffers = 256MB\n`,
  );
  run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  const stop = () => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  const version = execFileSync(join(bin, 'pg_ctl'), ['--version'], { encoding: 'utf8' }).trim();
  return {
    createDatabase: () => createOn(`postgres://postgres@127.0.0.1:${port}/postgres`),
    describe: `throwaway ${version} on 127.0.0.1:${port} (fsync on, shared_buffers 256MB)`,
    close: async () => {
      process.removeListener('exit', stop);
      stop();
    },
  };
}
