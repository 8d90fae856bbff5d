import type { Selectable } from 'kysely';
import { isLifecycleEventType, type LifecycleEvent } from '../../policy/license-lifecycle';
import type { LifecycleJob } from '../lifecycle-jobs';
import type { OpenRequest, OutboxEntry, StarDecisionRecord, UserPreferences } from '../types';
import type { DecisionRow, EventRow, JobRow, OpenRequestRow, OutboxRow, PreferencesRow } from './db';

/** Row ↔ record mappers of every table but license_requests (that one is in ../request-columns.ts). */

export function toOutboxEntry(row: OutboxRow): OutboxEntry {
  const entry: OutboxEntry = {
    key: row.key,
    channel: row.channel,
    text: row.text,
    blocks: JSON.parse(row.blocks) as unknown[],
    version: row.version,
    deliveredVersion: row.delivered_version,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
  };
  if (row.thread_of_key !== null) entry.threadOfKey = row.thread_of_key;
  if (row.ts !== null) entry.ts = row.ts;
  if (row.last_error !== null) entry.lastError = row.last_error;
  if (row.claimed_by !== null) entry.claimedBy = row.claimed_by;
  if (row.claimed_until !== null) entry.claimedUntil = row.claimed_until;
  if (row.post_started_at !== null) entry.postStartedAt = row.post_started_at;
  return entry;
}

export function toOutboxRow(e: OutboxEntry): OutboxRow {
  return {
    key: e.key,
    channel: e.channel,
    text: e.text,
    blocks: JSON.stringify(e.blocks ?? []),
    thread_of_key: e.threadOfKey ?? null,
    ts: e.ts ?? null,
    version: e.version,
    delivered_version: e.deliveredVersion,
    attempts: e.attempts,
    next_attempt_at: e.nextAttemptAt,
    last_error: e.lastError ?? null,
    claimed_by: e.claimedBy ?? null,
    claimed_until: e.claimedUntil ?? null,
    post_started_at: e.postStartedAt ?? null,
    created_at: e.createdAt,
  };
}

export const toStarDecision = (row: DecisionRow): StarDecisionRecord => ({
  id: row.id,
  ticketUrl: row.ticket_url,
  decidedBySlackId: row.decided_by_slack_id,
  verdict: row.verdict,
  inputs: JSON.parse(row.inputs) as Record<string, unknown>,
  createdAt: row.created_at,
});

export const toDecisionRow = (d: StarDecisionRecord): DecisionRow => ({
  id: d.id,
  ticket_url: d.ticketUrl,
  decided_by_slack_id: d.decidedBySlackId,
  verdict: d.verdict,
  inputs: JSON.stringify(d.inputs ?? {}),
  created_at: d.createdAt,
});

export function toPreferences(row: Pick<PreferencesRow, 'gitlab_username' | 'time_zone'> | undefined): UserPreferences {
  const prefs: UserPreferences = {};
  if (row?.gitlab_username != null) prefs.gitlabUsername = row.gitlab_username;
  if (row?.time_zone != null) prefs.timeZone = row.time_zone;
  return prefs;
}

export function toOpenRequest(row: OpenRequestRow): OpenRequest {
  const open: OpenRequest = {
    viewId: row.view_id,
    slackUserId: row.slack_user_id,
    stage: row.stage,
    facts: JSON.parse(row.facts) as Record<string, unknown>,
    updatedAt: row.updated_at,
  };
  if (row.justification !== null) open.justification = row.justification;
  if (row.channel_id !== null) open.channelId = row.channel_id;
  return open;
}

export const toJob = (row: Selectable<JobRow>): LifecycleJob => ({
  id: row.id,
  requestId: row.request_id,
  kind: row.kind,
  dueAt: row.due_at,
  attempts: row.attempts,
  ...(row.last_error != null ? { lastError: row.last_error } : {}),
});

export function toEvent(row: EventRow): LifecycleEvent {
  if (!isLifecycleEventType(row.type)) throw new Error(`unknown lifecycle event type in the store: ${row.type}`);
  return {
    requestId: row.request_id,
    type: row.type,
    at: row.at,
    ...(row.by_slack_id != null ? { bySlackId: row.by_slack_id } : {}),
    ...(row.late_by_ms != null ? { lateByMs: Number(row.late_by_ms) } : {}),
  };
}
