import 'dotenv/config';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DATABASE_FILE_NAME, describeDatabaseUrl, PostgresStore, SqliteStore } from '../store';

/**
 * Moving from the embedded store to the shared one (several replicas):
 *   npm run migrate-store -- --to "$DATABASE_URL"
 * copies everything in `$DATA_DIR/bot.sqlite3` (requests, audit outbox, STAR decisions,
 * preferences) into PostgreSQL, keeping ids, timestamps and outbox versions. Rows whose key is
 * already there are skipped, so running it again (e.g. after an interruption) copies nothing
 * twice. Run it with the bot stopped, then start the replicas with DATABASE_URL.
 */

export interface CopyCounts {
  requests: number;
  outbox: number;
  decisions: number;
  preferences: number;
}

export interface MigrateStoreResult {
  /** Rows read from SQLite. */
  read: CopyCounts;
  /** Rows inserted into PostgreSQL (the rest were there already). */
  copied: CopyCounts;
}

const zero = (): CopyCounts => ({ requests: 0, outbox: 0, decisions: 0, preferences: 0 });

/** Hands out an iterable in arrays of `size`, so a million rows never sit in memory at once. */
function* batches<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

export async function migrateStore(options: {
  dataDir: string;
  to: string;
  batchSize?: number;
}): Promise<MigrateStoreResult> {
  const file = join(options.dataDir, DATABASE_FILE_NAME);
  // Opening would create an empty store; a typo in DATA_DIR must not "succeed" with nothing copied.
  if (!existsSync(file)) throw new Error(`no SQLite store at ${file} (set DATA_DIR to the bot's data folder)`);
  const size = options.batchSize ?? 500;
  const source = new SqliteStore(options.dataDir);
  let target: PostgresStore | undefined;
  try {
    target = await PostgresStore.open({ connectionString: options.to, statementTimeoutMs: 60_000 });
    const read = zero();
    const copied = zero();
    const add = (counts: CopyCounts) => {
      for (const k of Object.keys(copied) as (keyof CopyCounts)[]) copied[k] += counts[k];
    };
    const rows = source.exportRecords();
    // Insertion order is kept, so ties in created_at keep their order on the new store.
    for (const requests of batches(rows.requests(), size)) {
      read.requests += requests.length;
      add(await target.importRecords({ requests }));
    }
    for (const outbox of batches(rows.outbox(), size)) {
      read.outbox += outbox.length;
      add(await target.importRecords({ outbox }));
    }
    for (const decisions of batches(rows.decisions(), size)) {
      read.decisions += decisions.length;
      add(await target.importRecords({ decisions }));
    }
    for (const preferences of batches(rows.preferences(), size)) {
      read.preferences += preferences.length;
      add(await target.importRecords({ preferences }));
    }
    return { read, copied };
  } finally {
    source.closeNow();
    await target?.close();
  }
}

const USAGE =
  'Usage: npm run migrate-store -- --to postgres://user:password@host:5432/db   (reads the SQLite store in ' +
  'DATA_DIR, default ./data)\n';

/** The target URL from the command line, or the exit code when there is none to migrate to (usage, --help). */
export function parseMigrateArgs(argv: string[]): { to: string } | { exitCode: number; usage: string } {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { to: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) return { exitCode: 0, usage: USAGE };
    if (values.to && /^postgres(ql)?:\/\//.test(values.to)) return { to: values.to };
  } catch {
    // an unknown option or a missing value: the usage below
  }
  return { exitCode: 2, usage: USAGE };
}

if (require.main === module) {
  const parsed = parseMigrateArgs(process.argv.slice(2));
  if (!('to' in parsed)) {
    (parsed.exitCode === 0 ? process.stdout : process.stderr).write(parsed.usage);
    process.exit(parsed.exitCode);
  }
  const { to } = parsed;
  const dataDir = process.env.DATA_DIR || './data';
  migrateStore({ dataDir, to })
    .then(({ read, copied }) => {
      const line = (k: keyof CopyCounts) => `${k}: ${copied[k]} copied, ${read[k] - copied[k]} already there`;
      process.stdout.write(
        `Copied ${join(dataDir, DATABASE_FILE_NAME)} to ${describeDatabaseUrl(to)}\n` +
          (['requests', 'outbox', 'decisions', 'preferences'] as const).map((k) => `  ${line(k)}\n`).join(''),
      );
    })
    .catch((error: Error) => {
      process.stderr.write(`Cannot migrate the store: ${error.message}\n`);
      process.exit(1);
    });
}
