/**
 * Store scale, in-process: a SQLite store filled with 100,000 license requests and 1,000,000 audit
 * outbox records (bulkInsert, bench/store-fill.ts), then latency of the hot operations and the time to reopen.
 */
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DATABASE_FILE_NAME, openStore, SqliteStore } from '../src/store';
import { bulkInsert } from './store-fill';
import type { Store } from '../src/store/store';
import type { LicenseRequestRecord, LicenseRequestStatus, OutboxEntry } from '../src/store/types';
import { hr } from '../testkit/signed-request';
import { measure, measureRequestWrites } from './request-writes';
import type { Summary } from './stats';

export interface StoreBenchOptions {
  requests: number;
  outbox: number;
  /** Outbox rows not delivered yet (half due now, half backing off). */
  undelivered: number;
  /** Measured calls per operation (each also bounded by `opBudgetMs`). */
  samples: number;
  opBudgetMs: number;
}

export interface StoreBenchResult {
  requests: number;
  outbox: number;
  undelivered: number;
  fillMs: number;
  fileMb: number;
  reopenMs: number;
  /** First findByTicket after the reopen (cold statement/page cache of this connection). */
  firstQueryAfterReopenMs: number;
  ops: Record<'createRequest' | 'findByTicket' | 'findByEmail' | 'due', Summary>;
  /** Rows returned on average (sanity check that lookups hit data). */
  rowsPerLookup: Record<'findByTicket' | 'findByEmail' | 'due', number>;
}

const DISTINCT_TICKETS = 60_000;
const DISTINCT_EMAILS = 40_000;
const ticketUrl = (i: number) => `https://gitlab.zendesk.com/agent/tickets/${200_000 + (i % DISTINCT_TICKETS)}`;
const email = (i: number) => `customer${i % DISTINCT_EMAILS}@example${i % 97}.com`;

// Roughly the size of a real signed .gitlab-license (kept in license_file for generated requests).
const LICENSE_FILE = `${'eyJkYXRhIjoiQkVOQ0hNQVJLIExJQ0VOU0UgRklMRSBQTEFDRUhPTERFUiJ9'.repeat(20)}\n`;
const BLOCKS_JSON = JSON.stringify([
  {
    type: 'section',
    block_id: 'summary',
    text: {
      type: 'mrkdwn',
      text:
        ':white_check_mark: *STAR check: Ok to STAR*\n*Ticket:* ' +
        '<https://gitlab.zendesk.com/agent/tickets/123456>\n*Checked by:* <@U0BENCH001>',
    },
  },
  {
    type: 'section',
    block_id: 'answers',
    text: {
      type: 'mrkdwn',
      text: '*Answers*\n• Kind of ticket: Wrong product sold\n• Sales has intervened: Yes, Sales has intervened',
    },
  },
]);

function* requestRows(count: number, startMs: number, stepMs: number): Generator<LicenseRequestRecord> {
  const statuses: LicenseRequestStatus[] = [
    'generated',
    'generated',
    'generated',
    'generated',
    'generated',
    'generated',
    'refused',
    'failed',
  ];
  for (let i = 0; i < count; i++) {
    const at = new Date(startMs + i * stepMs).toISOString();
    const status = statuses[i % statuses.length];
    yield {
      id: randomUUID(),
      idempotencyKey: `V0FILL${i}:submit`,
      ticketUrl: ticketUrl(i),
      email: email(i),
      userCount: 50 + (i % 5000),
      requestedBySlackId: `U0BENCH${String(i % 300).padStart(3, '0')}`,
      requestedByUsername: `engineer${i % 300}`,
      licenseExpiresOn: at.slice(0, 10),
      scopeSummary: 'In scope: grace period ended 1 day ago',
      adapter: 'local',
      ...(status === 'generated'
        ? {
            status,
            licenseFile: LICENSE_FILE,
            trialExpiresOn: at.slice(0, 10),
            licensePath: `licenses/${i}.gitlab-license`,
            delivery: { status: 'delivered' as const, attempts: 1 },
          }
        : status === 'refused'
          ? { status, refusalReason: 'Organizations without a paid plan are out of scope.' }
          : { status: 'failed' as const, failureReason: 'adapter failed' }),
      attempts: 0,
      createdAt: at,
      updatedAt: at,
    };
  }
}

function* outboxRows(
  count: number,
  undelivered: number,
  startMs: number,
  stepMs: number,
  nowMs: number,
): Generator<OutboxEntry> {
  // Spread the undelivered rows through the table (every k-th row), alternating due / backing off.
  const every = undelivered > 0 ? Math.max(1, Math.floor(count / undelivered)) : Number.POSITIVE_INFINITY;
  let pending = 0;
  for (let i = 0; i < count; i++) {
    const at = new Date(startMs + i * stepMs).toISOString();
    const isPending = pending < undelivered && i % every === every - 1;
    const version = 1 + (i % 3 === 0 ? 1 : 0);
    let nextAttemptAt = at;
    if (isPending) {
      pending += 1;
      nextAttemptAt = new Date(pending % 2 ? nowMs - 60_000 : nowMs + 3_600_000).toISOString();
    }
    yield {
      key: i % 4 === 0 ? `license:${i}` : `star:V0FILL${i}`,
      channel: 'C0BENCH01',
      text: `STAR check: Ok to STAR for https://gitlab.zendesk.com/agent/tickets/${100_000 + i} (by <@U0BENCH001>)`,
      blocks: JSON.parse(BLOCKS_JSON) as unknown[],
      ts:
        isPending && version === 1
          ? undefined
          : `${Math.floor((startMs + i * stepMs) / 1000)}.${String(i % 1_000_000).padStart(6, '0')}`,
      version,
      deliveredVersion: isPending ? version - 1 : version,
      attempts: isPending ? 1 + (i % 4) : 0,
      nextAttemptAt,
      lastError: isPending ? 'ratelimited' : undefined,
      createdAt: at,
    };
  }
}

/** Fills `dir` (a fresh data dir) and measures; leaves the filled store (closed) in `dir`. */
export async function runStoreBench(
  dir: string,
  opts: StoreBenchOptions,
  log: (msg: string) => void,
): Promise<StoreBenchResult> {
  const nowMs = Date.now();
  const twoYears = 2 * 365 * 86_400_000;
  const startMs = nowMs - twoYears;
  const fill = new SqliteStore(dir); // creates and migrates the file
  fill.closeNow();
  const fillStarted = hr();
  // Generators: a million outbox objects are never held in memory at once.
  bulkInsert(
    join(dir, DATABASE_FILE_NAME),
    requestRows(opts.requests, startMs, Math.floor(twoYears / opts.requests)),
    outboxRows(opts.outbox, opts.undelivered, startMs, Math.floor(twoYears / opts.outbox), nowMs),
  );
  const fillMs = hr() - fillStarted;
  log(
    `filled ${opts.requests.toLocaleString('en-US')} requests + ${opts.outbox.toLocaleString('en-US')} outbox ` +
      `rows in ${(fillMs / 1000).toFixed(1)} s`,
  );
  const fileMb = statSync(join(dir, DATABASE_FILE_NAME)).size / 1024 / 1024;

  // Reopen: what a restart of the bot pays for the store (migration check, pragmas, statements).
  const t0 = hr();
  const store: Store = openStore(dir);
  const reopenMs = hr() - t0;
  const t1 = hr();
  await store.requests.findByTicket(ticketUrl(12_345), 25);
  const firstQueryAfterReopenMs = hr() - t1;

  try {
    const createRequest = await measureRequestWrites(store, opts.samples, opts.opBudgetMs);
    const rnd = (n: number) => Math.floor(Math.random() * n);
    const byTicket = await measure(
      opts.samples,
      opts.opBudgetMs,
      async () => (await store.requests.findByTicket(ticketUrl(rnd(DISTINCT_TICKETS)), 25)).length,
    );
    const byEmail = await measure(
      opts.samples,
      opts.opBudgetMs,
      async () => (await store.requests.findByEmail(email(rnd(DISTINCT_EMAILS)).toUpperCase(), 25)).length,
    );
    const due = await measure(
      opts.samples,
      opts.opBudgetMs,
      async () => (await store.outbox.due(new Date(), 20)).length,
    );
    return {
      requests: opts.requests,
      outbox: opts.outbox,
      undelivered: opts.undelivered,
      fillMs,
      fileMb,
      reopenMs,
      firstQueryAfterReopenMs,
      ops: {
        createRequest,
        findByTicket: byTicket.summary,
        findByEmail: byEmail.summary,
        due: due.summary,
      },
      rowsPerLookup: { findByTicket: byTicket.rows, findByEmail: byEmail.rows, due: due.rows },
    };
  } finally {
    await store.close();
  }
}
