import { LICENSE_ADAPTER_NAMES, type LicenseAdapterName } from '../licenses/types';
import { randomUUID } from 'node:crypto';
import type {
  LicenseDelivery,
  LicenseRequestChange,
  LicenseRequestInput,
  LicenseRequestRecord,
  LicenseRequestStatus,
  PendingLicenseRequest,
  RefusedLicenseRequest,
} from './types';

/**
 * One license request as stored (snake_case columns, times as ISO text), shared by both backends:
 * SQLite returns these as they are, PostgreSQL after turning its timestamptz into text.
 * The record is a union by status; the columns are flat and each holds one meaning.
 */
export interface RequestColumns {
  id: string;
  idempotency_key: string;
  ticket_url: string;
  email: string;
  user_count: number;
  requested_by_slack_id: string;
  requested_by_username: string;
  license_expires_on: string;
  /** 'paid' or 'temporary' (migration 7; older rows are 'paid'). */
  license_kind: string;
  override_justification: string | null;
  scope_summary: string;
  adapter: string;
  status: LicenseRequestStatus;
  failure_reason: string | null;
  refusal_reason: string | null;
  issue_url: string | null;
  license_path: string | null;
  license_file: string | null;
  trial_expires_on: string | null;
  issued_to_email: string | null;
  issued_to_user_count: number | null;
  attempts: number;
  /** none: nothing generated yet (migration 4 leaves no generated request at none). */
  delivery_status: 'none' | LicenseDelivery['status'];
  delivery_attempts: number;
  delivery_next_at: string | null;
  delivery_error: string | null;
  created_at: string;
  updated_at: string;
}

/** The status-specific columns a {@link LicenseRequestChange} sets (all of them: absent = NULL). */
export type ChangeColumns = Pick<
  RequestColumns,
  | 'status'
  | 'failure_reason'
  | 'refusal_reason'
  | 'issue_url'
  | 'license_path'
  | 'license_file'
  | 'trial_expires_on'
  | 'issued_to_email'
  | 'issued_to_user_count'
>;

export function changeColumns(change: LicenseRequestChange): ChangeColumns {
  const columns: ChangeColumns = {
    status: change.status,
    failure_reason: null,
    refusal_reason: null,
    issue_url: null,
    license_path: null,
    license_file: null,
    trial_expires_on: null,
    issued_to_email: null,
    issued_to_user_count: null,
  };
  switch (change.status) {
    case 'pending':
      columns.issue_url = change.issueUrl ?? null;
      break;
    case 'generated':
      columns.trial_expires_on = change.trialExpiresOn;
      columns.license_file = change.licenseFile ?? null;
      columns.license_path = change.licensePath ?? null;
      columns.issue_url = change.issueUrl ?? null;
      columns.issued_to_email = change.issuedToMismatch?.email ?? null;
      columns.issued_to_user_count = change.issuedToMismatch?.userCount ?? null;
      break;
    case 'failed':
      columns.failure_reason = change.failureReason;
      columns.issue_url = change.issueUrl ?? null;
      columns.license_path = change.licensePath ?? null;
      break;
    case 'refused':
      columns.refusal_reason = change.refusalReason;
      break;
  }
  return columns;
}

function adapterName(value: string, id: string): LicenseAdapterName {
  if ((LICENSE_ADAPTER_NAMES as readonly string[]).includes(value)) return value as LicenseAdapterName;
  throw new Error(`license request ${id} names an unknown license adapter ${JSON.stringify(value)}`);
}

export function toRequestRecord(c: RequestColumns): LicenseRequestRecord {
  const base = {
    id: c.id,
    ticketUrl: c.ticket_url,
    email: c.email,
    userCount: c.user_count,
    requestedBySlackId: c.requested_by_slack_id,
    requestedByUsername: c.requested_by_username,
    licenseExpiresOn: c.license_expires_on,
    licenseKind: c.license_kind === 'temporary' ? ('temporary' as const) : ('paid' as const),
    scopeSummary: c.scope_summary,
    adapter: adapterName(c.adapter, c.id),
    idempotencyKey: c.idempotency_key,
    attempts: c.attempts,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
    ...(c.override_justification !== null ? { overrideJustification: c.override_justification } : {}),
  };
  const issueUrl = c.issue_url !== null ? { issueUrl: c.issue_url } : {};
  const licensePath = c.license_path !== null ? { licensePath: c.license_path } : {};
  // The fallbacks below cannot be reached through the repositories (every change to a status
  // writes its required field); they keep a hand-edited row readable.
  switch (c.status) {
    case 'pending':
      return { ...base, status: 'pending', ...issueUrl };
    case 'failed':
      return { ...base, status: 'failed', failureReason: c.failure_reason ?? 'unknown', ...issueUrl, ...licensePath };
    case 'refused':
      return { ...base, status: 'refused', refusalReason: c.refusal_reason ?? '' };
    case 'generated': {
      const delivery: LicenseDelivery = {
        status: c.delivery_status === 'none' ? 'delivered' : c.delivery_status,
        attempts: c.delivery_attempts,
        ...(c.delivery_next_at !== null ? { nextAt: c.delivery_next_at } : {}),
        ...(c.delivery_error !== null ? { error: c.delivery_error } : {}),
      };
      return {
        ...base,
        status: 'generated',
        trialExpiresOn: c.trial_expires_on ?? '',
        ...(c.license_file !== null ? { licenseFile: c.license_file } : {}),
        ...licensePath,
        ...issueUrl,
        ...(c.issued_to_email !== null && c.issued_to_user_count !== null
          ? { issuedToMismatch: { email: c.issued_to_email, userCount: c.issued_to_user_count } }
          : {}),
        delivery,
      };
    }
  }
}

/** The columns of a full record (copying a store, filling a benchmark). */
export function toRequestColumns(r: LicenseRequestRecord): RequestColumns {
  const { delivery } = r.status === 'generated' ? r : { delivery: undefined };
  return {
    id: r.id,
    idempotency_key: r.idempotencyKey,
    ticket_url: r.ticketUrl,
    email: r.email,
    user_count: r.userCount,
    requested_by_slack_id: r.requestedBySlackId,
    requested_by_username: r.requestedByUsername,
    license_expires_on: r.licenseExpiresOn,
    license_kind: r.licenseKind ?? 'paid',
    override_justification: r.overrideJustification ?? null,
    scope_summary: r.scopeSummary,
    adapter: r.adapter,
    ...changeColumns(r),
    attempts: r.attempts,
    delivery_status: delivery?.status ?? 'none',
    delivery_attempts: delivery?.attempts ?? 0,
    delivery_next_at: delivery?.nextAt ?? null,
    delivery_error: delivery?.error ?? null,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

/** A new request as both backends insert it: pending, no attempt yet, a fresh ID. */
export function newPendingRequest(input: LicenseRequestInput, now: Date): PendingLicenseRequest {
  const at = now.toISOString();
  return { ...input, id: randomUUID(), status: 'pending', attempts: 0, createdAt: at, updatedAt: at };
}

/** A new request refused at once (out of scope): stored for the audit trail, never pending. */
export function newRefusedRequest(input: LicenseRequestInput, now: Date, refusalReason: string): RefusedLicenseRequest {
  return { ...newPendingRequest(input, now), status: 'refused', refusalReason };
}
