/**
 * The store section of the bench alone, on both backends (no bot, no Slack):
 *   node dist/bench/store-only.js [--quick] [--postgres] [--no-checkpoint]
 * SQLite and PostgreSQL each filled with 100,000 license requests and 1,000,000 outbox rows, then
 * p50/p99 of the hot operations (target p99 < 5 ms). PostgreSQL from BENCH_DATABASE_URL or a
 * throwaway cluster of the machine's binaries (bench/pg-server.ts), timed after a CHECKPOINT that
 * settles the fill (store-bench-postgres.ts); `--no-checkpoint` times it right after the fill.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store';
import { startBenchPostgres } from './pg-server';
import { runStoreBench } from './store-bench';
import { measureOutboxWrites, runPgStoreBench } from './store-bench-postgres';
import type { Summary } from './stats';

const quick = process.argv.includes('--quick');
const postgresOnly = process.argv.includes('--postgres');
const opts = {
  ...(quick
    ? { requests: 10_000, outbox: 100_000, undelivered: 200, samples: 500, opBudgetMs: 3_000 }
    : { requests: 100_000, outbox: 1_000_000, undelivered: 2_000, samples: 2_000, opBudgetMs: 10_000 }),
  checkpoint: !process.argv.includes('--no-checkpoint'),
};
const log = (msg: string) => console.error(msg);
const row = (backend: string, op: string, s: Summary) =>
  console.log(
    `${backend.padEnd(10)} ${op.padEnd(14)} n=${String(s.n).padStart(5)} p50 ${s.p50.toFixed(3)} ms  ` +
      `p99 ${s.p99.toFixed(3)} ms  max ${s.max.toFixed(3)} ms ${s.p99 < 5 ? 'PASS' : 'MISS'}`,
  );

async function main(): Promise<void> {
  if (!postgresOnly) {
    const dir = mkdtempSync(join(tmpdir(), 'store-bench-'));
    try {
      const sqlite = await runStoreBench(dir, opts, log);
      const store = new SqliteStore(dir);
      const writes = await measureOutboxWrites(store, opts.samples, opts.opBudgetMs);
      store.closeNow();
      for (const [op, s] of Object.entries({ ...sqlite.ops, ...writes })) row('sqlite', op, s);
      console.log(`sqlite     reopen ${sqlite.reopenMs.toFixed(1)} ms`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const pg = await startBenchPostgres(log);
  if (!pg) return void console.log('postgres   skipped: no server');
  try {
    const result = await runPgStoreBench(await pg.createDatabase(), opts, log);
    for (const [op, s] of Object.entries(result.ops)) row('postgres', op, s);
    const timed = result.checkpointed ? 'after a CHECKPOINT' : 'right after the fill (no CHECKPOINT)';
    console.log(`postgres   open ${result.openMs.toFixed(1)} ms; timed ${timed}`);
  } finally {
    await pg.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
