import 'dotenv/config';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  COPIED_TABLES,
  DATABASE_FILE_NAME,
  describeDatabaseUrl,
  PostgresStore,
  SqliteStore,
  type CopiedTable,
} from '../store';

/**
 * Moving from the embedded store to the shared one (several replicas):
 *   npm run migrate-store -- --to "$DATABASE_URL"
 * copies every table of `$DATA_DIR/bot.sqlite3` (COPIED_TABLES: requests and their copies, audit
 * outbox, STAR decisions, preferences, open requests, the trial follow-up's jobs, events and
 * scheduled runs, Zendesk ticket writes) into PostgreSQL, keeping ids, timestamps, versions and
 * order. Rows whose key is already there are skipped, so running it again (e.g. after an
 * interruption) copies nothing twice. Run it with the bot stopped, then start the replicas with
 * DATABASE_URL.
 */

/** Rows per table. */
export type CopyCounts = Record<CopiedTable, number>;

export interface MigrateStoreResult {
  /** Rows read from SQLite. */
  read: CopyCounts;
  /** Rows inserted into PostgreSQL (the rest were there already). */
  copied: CopyCounts;
}

const zero = (): CopyCounts => Object.fromEntries(COPIED_TABLES.map((table) => [table, 0])) as CopyCounts;

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
    const rows = source.exportRecords();
    // Insertion order is kept, so ties in created_at keep their order on the new store.
    for (const table of COPIED_TABLES)
      for (const batch of batches(rows.rows(table), size)) {
        read[table] += batch.length;
        copied[table] += await target.importRows(table, batch);
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
      const line = (table: CopiedTable) =>
        `  ${table}: ${copied[table]} copied, ${read[table] - copied[table]} already there\n`;
      process.stdout.write(
        `Copied ${join(dataDir, DATABASE_FILE_NAME)} to ${describeDatabaseUrl(to)}\n` +
          COPIED_TABLES.map(line).join(''),
      );
    })
    .catch((error: Error) => {
      process.stderr.write(`Cannot migrate the store: ${error.message}\n`);
      process.exit(1);
    });
}
