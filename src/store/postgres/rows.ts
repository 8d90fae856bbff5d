import { OUTBOX_COLUMN_LIST } from '../outbox-columns';
import {
  REQUEST_COLUMN_LIST,
  toRequestColumns,
  toRequestRecord as toRequestColumnsRecord,
  type RequestColumns,
} from '../request-columns';
import type { LicenseRequestRecord, OpenRequest, OutboxEntry, StarDecisionRecord } from '../types';

/** Rows as node-postgres returns them: timestamptz as Date, jsonb parsed. */
export type PgRequestRow = Omit<RequestColumns, 'delivery_next_at' | 'created_at' | 'updated_at'> & {
  delivery_next_at: Date | null;
  created_at: Date;
  updated_at: Date;
};

export interface PgOpenRequestRow {
  view_id: string;
  slack_user_id: string;
  stage: OpenRequest['stage'];
  facts: Record<string, unknown>;
  justification: string | null;
  channel_id: string | null;
  updated_at: Date;
}

export interface PgOutboxRow {
  key: string;
  channel: string;
  text: string;
  blocks: unknown[];
  thread_of_key: string | null;
  ts: string | null;
  version: number;
  delivered_version: number;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  claimed_until: Date | null;
  post_started_at: Date | null;
  created_at: Date;
}

export interface PgDecisionRow {
  id: string;
  ticket_url: string;
  decided_by_slack_id: string;
  verdict: string;
  inputs: Record<string, unknown>;
  created_at: Date;
}

/** Columns a caller may set on insert (not `seq`, which records insertion order). */
export const REQUEST_COLUMNS = REQUEST_COLUMN_LIST;

export const OUTBOX_COLUMNS = OUTBOX_COLUMN_LIST;

export const DECISION_COLUMNS = ['id', 'ticket_url', 'decided_by_slack_id', 'verdict', 'inputs', 'created_at'] as const;

/** `$1, $2, ...` for `n` values starting after `offset`. */
export const placeholders = (n: number, offset = 0): string =>
  Array.from({ length: n }, (_, i) => `$${offset + i + 1}`).join(', ');

const iso = (d: Date): string => d.toISOString();

export function toRequestRecord(row: PgRequestRow): LicenseRequestRecord {
  return toRequestColumnsRecord({
    ...row,
    delivery_next_at: row.delivery_next_at && iso(row.delivery_next_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  });
}

/** Values in {@link REQUEST_COLUMNS} order. */
export function requestValues(r: LicenseRequestRecord): unknown[] {
  const columns = toRequestColumns(r);
  return REQUEST_COLUMN_LIST.map((c) => columns[c]);
}

export function toOutboxEntry(row: PgOutboxRow): OutboxEntry {
  const entry: OutboxEntry = {
    key: row.key,
    channel: row.channel,
    text: row.text,
    blocks: row.blocks,
    version: row.version,
    deliveredVersion: row.delivered_version,
    attempts: row.attempts,
    nextAttemptAt: iso(row.next_attempt_at),
    createdAt: iso(row.created_at),
  };
  if (row.thread_of_key !== null) entry.threadOfKey = row.thread_of_key;
  if (row.ts !== null) entry.ts = row.ts;
  if (row.last_error !== null) entry.lastError = row.last_error;
  if (row.claimed_until !== null) entry.claimedUntil = iso(row.claimed_until);
  if (row.post_started_at) entry.postStartedAt = iso(row.post_started_at);
  return entry;
}

/** Values in {@link OUTBOX_COLUMNS} order. */
export function outboxValues(e: OutboxEntry): unknown[] {
  return [
    e.key,
    e.channel,
    e.text,
    JSON.stringify(e.blocks ?? []),
    e.threadOfKey ?? null,
    e.ts ?? null,
    e.version,
    e.deliveredVersion,
    e.attempts,
    e.nextAttemptAt,
    e.lastError ?? null,
    e.claimedUntil ?? null,
    e.postStartedAt ?? null,
    e.createdAt,
  ];
}

export function toStarDecision(row: PgDecisionRow): StarDecisionRecord {
  return {
    id: row.id,
    ticketUrl: row.ticket_url,
    decidedBySlackId: row.decided_by_slack_id,
    verdict: row.verdict,
    inputs: row.inputs,
    createdAt: iso(row.created_at),
  };
}

export function decisionValues(d: StarDecisionRecord): unknown[] {
  return [d.id, d.ticketUrl, d.decidedBySlackId, d.verdict, JSON.stringify(d.inputs ?? {}), d.createdAt];
}

export function toOpenRequest(row: PgOpenRequestRow): OpenRequest {
  const open: OpenRequest = {
    viewId: row.view_id,
    slackUserId: row.slack_user_id,
    stage: row.stage,
    facts: row.facts,
    updatedAt: iso(row.updated_at),
  };
  if (row.justification !== null) open.justification = row.justification;
  if (row.channel_id !== null) open.channelId = row.channel_id;
  return open;
}
