import 'dotenv/config';
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

if (require.main === module) {
  const daysArg = process.argv.indexOf('--days');
  const days = daysArg >= 0 ? Number(process.argv[daysArg + 1]) : 30;
  if (!Number.isFinite(days) || days <= 0) {
    process.stderr.write('Usage: npm run export-decisions -- [--days N] (default 30)\n');
    process.exit(2);
  }
  exportDecisions(process.env.DATA_DIR || './data', days)
    .then((csv) => process.stdout.write(csv))
    .catch((error: Error) => {
      process.stderr.write(`Cannot export: ${error.message}\n`);
      process.exit(1);
    });
}
