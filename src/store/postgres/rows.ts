import type { DeliveryStatus, LicenseRequestRecord, LicenseRequestStatus, OpenRequest, OutboxEntry, StarDecisionRecord } from '../types';

/** Rows as node-postgres returns them: timestamptz as Date, jsonb parsed. */
export interface PgRequestRow {
  id: string;
  idempotency_key: string;
  ticket_url: string;
  email: string;
  user_count: number;
  requested_by_slack_id: string;
  requested_by_username: string;
  license_expires_on: string;
  override_justification: string | null;
  scope_summary: string;
  adapter: string;
  status: LicenseRequestStatus;
  reason: string | null;
  reference: string | null;
  license_file: string | null;
  trial_expires_on: string | null;
  attempts: number;
  delivery_status: DeliveryStatus;
  delivery_attempts: number;
  delivery_next_at: Date | null;
  delivery_error: string | null;
  created_at: Date;
  updated_at: Date;
}

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
export const REQUEST_COLUMNS = [
  'id', 'idempotency_key', 'ticket_url', 'email', 'user_count', 'requested_by_slack_id', 'requested_by_username',
  'license_expires_on', 'override_justification', 'scope_summary', 'adapter', 'status', 'reason', 'reference',
  'license_file', 'trial_expires_on', 'attempts', 'delivery_status', 'delivery_attempts', 'delivery_next_at',
  'delivery_error', 'created_at', 'updated_at',
] as const;

export const OUTBOX_COLUMNS = [
  'key', 'channel', 'text', 'blocks', 'thread_of_key', 'ts', 'version', 'delivered_version', 'attempts',
  'next_attempt_at', 'last_error', 'claimed_until', 'post_started_at', 'created_at',
] as const;

export const DECISION_COLUMNS = ['id', 'ticket_url', 'decided_by_slack_id', 'verdict', 'inputs', 'created_at'] as const;

/** `$1, $2, ...` for `n` values starting after `offset`. */
export const placeholders = (n: number, offset = 0): string => Array.from({ length: n }, (_, i) => `$${offset + i + 1}`).join(', ');

const iso = (d: Date): string => d.toISOString();

export function toRequestRecord(row: PgRequestRow): LicenseRequestRecord {
  const record: LicenseRequestRecord = {
    id: row.id,
    ticketUrl: row.ticket_url,
    email: row.email,
    userCount: row.user_count,
    requestedBySlackId: row.requested_by_slack_id,
    requestedByUsername: row.requested_by_username,
    licenseExpiresOn: row.license_expires_on,
    scopeSummary: row.scope_summary,
    adapter: row.adapter,
    idempotencyKey: row.idempotency_key,
    status: row.status,
    attempts: row.attempts,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
  if (row.override_justification !== null) record.overrideJustification = row.override_justification;
  if (row.reason !== null) record.reason = row.reason;
  if (row.reference !== null) record.reference = row.reference;
  if (row.license_file !== null) record.licenseFile = row.license_file;
  if (row.trial_expires_on !== null) record.trialExpiresOn = row.trial_expires_on;
  if (row.delivery_status && row.delivery_status !== 'none') {
    record.deliveryStatus = row.delivery_status;
    record.deliveryAttempts = row.delivery_attempts;
    if (row.delivery_next_at !== null) record.deliveryNextAt = iso(row.delivery_next_at);
    if (row.delivery_error !== null) record.deliveryError = row.delivery_error;
  }
  return record;
}

/** Values in {@link REQUEST_COLUMNS} order. */
export function requestValues(r: LicenseRequestRecord): unknown[] {
  return [
    r.id, r.idempotencyKey, r.ticketUrl, r.email, r.userCount, r.requestedBySlackId, r.requestedByUsername,
    r.licenseExpiresOn, r.overrideJustification ?? null, r.scopeSummary, r.adapter, r.status, r.reason ?? null,
    r.reference ?? null, r.licenseFile ?? null, r.trialExpiresOn ?? null, r.attempts, r.deliveryStatus ?? 'none',
    r.deliveryAttempts ?? 0, r.deliveryNextAt ?? null, r.deliveryError ?? null, r.createdAt, r.updatedAt,
  ];
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
    e.key, e.channel, e.text, JSON.stringify(e.blocks ?? []), e.threadOfKey ?? null, e.ts ?? null, e.version,
    e.deliveredVersion, e.attempts, e.nextAttemptAt, e.lastError ?? null, e.claimedUntil ?? null,
    e.postStartedAt ?? null, e.createdAt,
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
