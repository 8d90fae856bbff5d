/**
 * The PostgreSQL / two-replica part of the benchmark (issue 11): the store figures on PostgreSQL
 * next to SQLite's, and /star-check load against two replicas sharing the database. Used by
 * run.ts (npm run bench) and runnable alone: node dist/bench/ha-section.js [--quick].
 */
import { join } from 'node:path';
import { SqliteStore } from '../src/store';
import { FakeSlackClient } from './fake-client';
import { runHaLoad, startReplicas, type HaLoadResult } from './ha-load';
import { startBenchPostgres } from './pg-server';
import { cleanupAll, installCleanupHandlers, makeTempDir } from '../testkit/processes';
import type { Summary } from './stats';
import { runPgStoreBench, measureOutboxWrites, type PgStoreBenchResult, type StoreOp } from './store-bench-postgres';
import { runStoreBench } from './store-bench';

export interface HaSectionOptions {
  store: { requests: number; outbox: number; undelivered: number; samples: number; opBudgetMs: number };
  concurrencies: number[];
  durationSec: number;
}

export interface HaSectionResult {
  server?: string;
  skipped?: string;
  postgres?: PgStoreBenchResult;
  /** SQLite figures of the same operations on a store of the same size (for the side-by-side table). */
  sqlite?: { ops: Partial<Record<StoreOp, Summary>>; fillMs: number };
  replicas?: { readyMs: number[]; load: HaLoadResult[]; backlogAfter?: number };
}

const f3 = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? n.toFixed(3) : 'n/a');
const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');

export async function runHaSection(
  opts: HaSectionOptions,
  ctx: {
    distDir: string;
    workDir: string;
    fake: FakeSlackClient;
    botEnv: (port: number, dataDir: string) => NodeJS.ProcessEnv;
    credentials: { signingSecret: string; token: string };
    log: (m: string) => void;
    sqliteStoreDir?: string;
    sqliteOps?: Partial<Record<StoreOp, Summary>>;
  },
): Promise<HaSectionResult> {
  const pg = await startBenchPostgres(ctx.log);
  if (!pg) return { skipped: 'no PostgreSQL server available (no binaries, no BENCH_DATABASE_URL)' };
  try {
    ctx.log(`PostgreSQL: ${pg.describe}`);
    const postgres = await runPgStoreBench(await pg.createDatabase(), opts.store, ctx.log);

    // SQLite side: the store run.ts filled already (same sizes), or a fill of our own.
    let sqliteDir = ctx.sqliteStoreDir;
    let sqliteFillMs = NaN;
    let sqliteOps: Partial<Record<StoreOp, Summary>> = ctx.sqliteOps ?? {};
    if (!sqliteDir) {
      sqliteDir = join(ctx.workDir, 'ha-sqlite-store');
      const filled = await runStoreBench(sqliteDir, opts.store, ctx.log);
      sqliteFillMs = filled.fillMs;
      sqliteOps = filled.ops;
    }
    const sqlite = new SqliteStore(sqliteDir);
    try {
      sqliteOps = { ...sqliteOps, ...(await measureOutboxWrites(sqlite, opts.store.samples, opts.store.opBudgetMs)) };
    } finally {
      sqlite.closeNow();
    }

    ctx.log('two replicas on one PostgreSQL database');
    const replicas = await startReplicas(ctx.distDir, ctx.botEnv, await pg.createDatabase(), ctx.workDir);
    const load: HaLoadResult[] = [];
    try {
      await runHaLoad(replicas, ctx.fake, ctx.credentials, 10, 1); // warm-up
      for (const c of opts.concurrencies) {
        const result = await runHaLoad(replicas, ctx.fake, ctx.credentials, c, opts.durationSec);
        ctx.log(
          `two replicas, c=${c}: ${Math.round(result.throughput)} req/s, ack p99 ${result.ack.p99.toFixed(1)} ` +
            `ms, errors ${result.errors}`,
        );
        load.push(result);
      }
    } finally {
      await Promise.all(replicas.children.map((c) => c.stop(5000)));
    }
    return {
      server: pg.describe,
      postgres,
      sqlite: { ops: sqliteOps, fillMs: sqliteFillMs },
      replicas: { readyMs: replicas.readyMs, load },
    };
  } finally {
    await pg.close();
  }
}

export function renderHaSection(r: HaSectionResult, sqliteFillMs?: number): string {
  if (r.skipped) return `\nPostgreSQL / two replicas: skipped (${r.skipped})`;
  const parts: string[] = [];
  const p = r.postgres!;
  const ops: StoreOp[] = ['createRequest', 'findByTicket', 'findByEmail', 'due', 'enqueue', 'claimDue'];
  parts.push(
    `\nStore on PostgreSQL next to SQLite (${f0(p.requests)} requests + ${f0(p.outbox)} outbox rows, ` +
      `${f0(p.undelivered)} undelivered; ` +
      (`PostgreSQL fill ${(p.fillMs / 1000).toFixed(1)} s server-side, database ${f0(p.databaseMb)} MB; SQLite ` +
        `fill ${((sqliteFillMs ?? r.sqlite?.fillMs ?? NaN) / 1000).toFixed(1)} s)\n`) +
      `  server: ${r.server}\n` +
      ['operation        PG p50   PG p99   PG max | SQLite p50  SQLite p99  SQLite max  (ms)']
        .concat(
          ops.map((op) => {
            const a = p.ops[op];
            const b = r.sqlite?.ops[op];
            return (
              `  ${op.padEnd(14)} ${f3(a.p50).padStart(7)} ${f3(a.p99).padStart(8)} ` +
              `${f3(a.max).padStart(8)} | ${f3(b?.p50).padStart(10)} ${f3(b?.p99).padStart(11)} ` +
              `${f3(b?.max).padStart(11)}`
            );
          }),
        )
        .join('\n'),
  );
  const h = r.replicas!;
  parts.push(
    `\n/star-check load against two replicas on one PostgreSQL (ready in ` +
      `${h.readyMs.map((ms) => `${Math.round(ms)} ms`).join(' / ')})\n` +
      h.load
        .map(
          (l) =>
            `  c=${l.connections} (${l.connections / 2} per replica, ${l.durationSec} s): ` +
            `${Math.round(l.throughput)} req/s together ` +
            (`(${l.perReplica.map((x) => Math.round(x.throughput)).join(' + ')}), ack p50 ${l.ack.p50.toFixed(1)}` +
              ` / p99 ${l.ack.p99.toFixed(1)} / max ${l.ack.max.toFixed(1)} ms, `) +
            `views.open p99 ${l.open.p99.toFixed(1)} ms, acks > 3 s: ${l.acksOver3s}, errors: ${l.errors}`,
        )
        .join('\n'),
  );
  return parts.join('\n');
}

// Alone: node dist/bench/ha-section.js [--quick] [--json]
if (require.main === module) {
  const quick = process.argv.includes('--quick');
  const log = (m: string) => process.stderr.write(`[bench:ha] ${m}\n`);
  installCleanupHandlers();
  void (async () => {
    const distDir = join(__dirname, '..');
    const workDir = makeTempDir('lr-bench-ha-');
    const fake = await FakeSlackClient.start(distDir);
    const token = 'xoxb-bench';
    const signingSecret = 'bench-signing-secret-bot-0123456789';
    const botEnv = (port: number, dataDir: string): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'production',
      SLACK_MODE: 'http',
      PORT: String(port),
      METRICS_PORT: '0',
      SLACK_API_URL: fake.apiUrl,
      SLACK_BOT_TOKEN: token,
      SLACK_SIGNING_SECRET: signingSecret,
      LICENSING_CHANNEL: 'C0BENCH01',
      AUTHORIZATION_MODE: 'open',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: '3000',
    });
    const options: HaSectionOptions = quick
      ? {
          store: { requests: 10_000, outbox: 100_000, undelivered: 200, samples: 500, opBudgetMs: 3_000 },
          concurrencies: [10],
          durationSec: 3,
        }
      : {
          store: { requests: 100_000, outbox: 1_000_000, undelivered: 2_000, samples: 2_000, opBudgetMs: 10_000 },
          concurrencies: [10, 50],
          durationSec: 5,
        };
    const result = await runHaSection(options, {
      distDir,
      workDir,
      fake,
      botEnv,
      credentials: { signingSecret, token },
      log,
    });
    await fake.stop();
    process.stdout.write(
      process.argv.includes('--json') ? `${JSON.stringify(result, null, 2)}\n` : `${renderHaSection(result)}\n`,
    );
  })()
    .then(() => cleanupAll())
    .then(() => process.exit(0))
    .catch(async (error: unknown) => {
      process.stderr.write(`bench crashed: ${(error as Error)?.stack ?? String(error)}\n`);
      await cleanupAll().catch(() => undefined);
      process.exit(1);
    });
}
