import 'dotenv/config';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { openStore } from '../store';
import type { StarDecisionRecord } from '../store/types';

/**
 * The feedback export promised with every "No need for STAR": the recorded /star-check decisions
 * and the inputs that decided them, as CSV on stdout.
 *   npm run export-decisions -- --days 30 > decisions.csv
 */

const COLUMNS = [
  'decided_at',
  'ticket_url',
  'verdict',
  'decided_by',
  'path',
  'expiration_date',
  'deployment',
  'request_type',
] as const;

function csvField(value: string | undefined): string {
  const text = value ?? '';
  // Quote fields that need it; a leading =,+,-,@ is neutralised so a spreadsheet never runs it.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function decisionsToCsv(decisions: StarDecisionRecord[]): string {
  const rows = decisions.map((decision) => {
    const inputs = decision.inputs as {
      path?: { question: string; answer: string; source: string }[];
      expirationDate?: string;
      deployment?: string;
      requestType?: string;
    };
    const path = (inputs.path ?? [])
      .map((step) => `${step.question}=${step.answer}${step.source === 'computed' ? ' (computed)' : ''}`)
      .join('; ');
    return [
      decision.createdAt,
      decision.ticketUrl,
      decision.verdict,
      decision.decidedBySlackId,
      path,
      inputs.expirationDate,
      inputs.deployment,
      inputs.requestType,
    ];
  });
  return [COLUMNS.join(','), ...rows.map((row) => row.map(csvField).join(','))].join('\n') + '\n';
}

export async function exportDecisions(dataDir: string, days: number, now = new Date()): Promise<string> {
  const store = openStore(dataDir);
  try {
    // In UTC, so "30 days" is always 30 × 24 hours, whatever the host's daylight-saving changes.
    const since = DateTime.fromJSDate(now, { zone: 'utc' }).minus({ days }).toJSDate();
    return decisionsToCsv(await store.decisions.listDecisions(since));
  } finally {
    await store.close();
  }
}

const USAGE =
  'Usage: npm run export-decisions -- [--days N]\n' +
  '  Writes the /star-check decisions of the last N days (default 30) as CSV to stdout; reads the store in\n' +
  '  DATA_DIR (default ./data).\n';

export interface CommandIo {
  dataDir: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The command: parses `argv` (without node and the script), writes the CSV or the usage; returns the exit code. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  let values: { days?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { days: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const days = values.days === undefined ? 30 : Number(values.days);
  if (!Number.isFinite(days) || days <= 0) {
    io.stderr(`--days must be a positive number of days\n${USAGE}`);
    return 2;
  }
  try {
    io.stdout(await exportDecisions(io.dataDir, days));
    return 0;
  } catch (error) {
    io.stderr(`Cannot export: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), {
    dataDir: process.env.DATA_DIR || './data',
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  }).then((code) => {
    process.exitCode = code;
  });
}
