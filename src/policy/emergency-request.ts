import type { DateTime } from 'luxon';
import { z } from 'zod';
import { checkEmergencyScope, type ScopeDecision, TIME_WINDOW_RULES } from './emergency-scope';
import { type Deployment, isDeployment } from './playbook';
import { parseTicketReference } from './ticket';
import {
  computeExpiryFacts,
  formatInstant,
  formatRelative,
  isLicenseKind,
  type LicenseKind,
  parseCalendarDate,
} from './time';

/**
 * The weekend emergency license form as the handbook requires it, validated field by field so
 * every problem can be shown on the field that caused it. Nothing is generated unless all pass.
 */

export const MAX_USER_COUNT = 1_000_000;
/** Further ahead than this, an expiration date is taken for a typo. */
export const MAX_FUTURE_EXPIRY_DAYS = 366;
export const SCREENSHOTS = {
  dashboard: 'Admin Area -> Overview -> Dashboard',
  license_page: 'Admin Area -> License (or Subscription) page',
} as const;
export type ScreenshotId = keyof typeof SCREENSHOTS;

/**
 * The form's question about the license now on the instance (SPEC, emergency workflow step 6):
 * the options say what each one means, and the workflow applies to both.
 */
export const LICENSE_KIND_QUESTION = 'What kind of license is on the instance now?';
export const LICENSE_KIND_OPTIONS: Record<LicenseKind, { label: string; description: string }> = {
  paid: {
    label: 'The paid license (the subscription itself)',
    description: 'It keeps working for a 14-day grace period after its expiration date',
  },
  temporary: {
    label: 'A Sales-generated temporary extension / trial-type license',
    description: 'A temporary extension or temporary license: it has no grace period',
  },
};

export type EmergencyField =
  | 'ticket'
  | 'deployment'
  | 'paid_plan'
  | 'prospect'
  | 'expiration_date'
  | 'license_kind'
  | 'screenshots'
  | 'user_count'
  | 'email'
  | 'username';

export interface RawEmergencyForm {
  ticket?: string;
  deployment?: string;
  paidPlan?: string;
  prospect?: string;
  expirationDate?: string;
  licenseKind?: string;
  screenshots?: string[];
  userCount?: string;
  email?: string;
  username?: string;
}

export interface EmergencyRequest {
  ticketUrl: string;
  deployment: Deployment;
  paidPlan: boolean;
  prospect: boolean;
  expirationDate: string;
  /** The license now on the instance: a trial-type license has no grace period (G = D). */
  licenseKind: LicenseKind;
  userCount: number;
  email: string;
  username: string;
}

export type EmergencyValidation =
  | { ok: true; request: EmergencyRequest; scope: ScopeDecision }
  | { ok: false; errors: Partial<Record<EmergencyField, string>> };

const emailSchema = z.email().max(254);
// GitLab usernames: letters, digits, '_', '-', '.'; not starting with '-' or '.'; at most 255 characters.
const USERNAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;

export function parseUserCount(raw: string | undefined): number | undefined {
  const text = (raw ?? '').trim().replace(/[,\s_](?=\d{3}\b)/g, '');
  if (!/^\d{1,7}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= 1 && value <= MAX_USER_COUNT ? value : undefined;
}

export function normalizeUsername(raw: string | undefined): string | undefined {
  const text = (raw ?? '').trim().replace(/^@/, '');
  if (!USERNAME_PATTERN.test(text) || /\.(git|atom)$/i.test(text) || /[._-]$/.test(text)) return undefined;
  return text;
}

export function validateEmergencyForm(
  raw: RawEmergencyForm,
  zendeskBaseUrl: string,
  now: DateTime,
): EmergencyValidation {
  const errors: Partial<Record<EmergencyField, string>> = {};

  const ticket = parseTicketReference(raw.ticket ?? '', zendeskBaseUrl);
  if (!ticket.ok) errors.ticket = ticket.error;

  if (!isDeployment(raw.deployment)) errors.deployment = 'Pick where the customer runs GitLab.';
  if (raw.paidPlan !== 'yes' && raw.paidPlan !== 'no') errors.paid_plan = 'Say whether the customer has a paid plan.';
  if (raw.prospect !== 'yes' && raw.prospect !== 'no') errors.prospect = 'Say whether this is a prospect.';

  const date = raw.expirationDate ? parseCalendarDate(raw.expirationDate) : undefined;
  if (!date) {
    errors.expiration_date = 'Pick the license expiration date shown on the License (Subscription) screenshot.';
  } else {
    // A license that has not expired yet is a scope question (refused, overridable, audited);
    // a date more than a year ahead is a typo, not a license this workflow could be about.
    const facts = computeExpiryFacts(
      raw.expirationDate as string,
      now,
      isDeployment(raw.deployment) ? raw.deployment : 'self_managed',
    );
    if (facts.expiresAt > now.toUTC().plus({ days: MAX_FUTURE_EXPIRY_DAYS })) {
      errors.expiration_date =
        `That date is ${formatRelative(facts.msUntilExpiry)}: check the expiration date ` +
        `on the License (Subscription) screenshot.`;
    }
  }

  if (!isLicenseKind(raw.licenseKind))
    errors.license_kind =
      'Say what kind of license is on the instance now (the License or Subscription page shows it): the paid ' +
      'license, or a Sales-generated temporary extension / trial-type license.';

  const screenshots = new Set(raw.screenshots ?? []);
  const missing = (Object.keys(SCREENSHOTS) as ScreenshotId[]).filter((id) => !screenshots.has(id));
  if (missing.length > 0) {
    errors.screenshots =
      `Both screenshots must be attached to the ticket before a license is generated. ` +
      `Missing: ${missing.map((id) => SCREENSHOTS[id]).join('; ')}.`;
  }

  const userCount = parseUserCount(raw.userCount);
  if (userCount === undefined)
    errors.user_count =
      `Enter the “Maximum users” figure of the License (Subscription) page screenshot: a ` +
      `whole number from 1 to ${MAX_USER_COUNT.toLocaleString('en-US')}.`;

  const email = (raw.email ?? '').trim();
  if (!emailSchema.safeParse(email).success)
    errors.email = 'Enter the email address of the person who opened the ticket (e.g. jane@example.com).';

  const username = normalizeUsername(raw.username);
  if (!username) errors.username = 'Enter your GitLab username (letters, digits, "_", "-" or ".", e.g. jdoe).';

  if (Object.keys(errors).length > 0 || !ticket.ok) return { ok: false, errors };

  const request: EmergencyRequest = {
    ticketUrl: ticket.url,
    deployment: raw.deployment as Deployment,
    paidPlan: raw.paidPlan === 'yes',
    prospect: raw.prospect === 'yes',
    expirationDate: raw.expirationDate as string,
    licenseKind: raw.licenseKind as LicenseKind,
    userCount: userCount as number,
    email: email.toLowerCase(),
    username: username as string,
  };
  return { ok: true, request, scope: checkEmergencyScope(request, now) };
}

/**
 * Only the time window may be overridden (SPEC, emergency workflow step 7): SaaS, prospects,
 * organizations without a paid plan (and missing screenshots, a field error) never are.
 */
export function scopeCanBeOverridden(scope: ScopeDecision): boolean {
  return !scope.inScope && scope.failures.every((failure) => TIME_WINDOW_RULES.includes(failure.rule));
}

/** Why an out-of-scope request cannot be overridden, in words for the person. */
export const NOT_OVERRIDABLE_REASON =
  'not possible: only the time window (grace period not ended yet, or ended more than 3 days ago) can be ' +
  'overridden. SaaS, prospects and organizations without a paid plan are always out of scope.';

export const OVERRIDE_JUSTIFICATION = { min: 20, max: 1000 } as const;

/**
 * Control characters out, line breaks and tabs kept: PostgreSQL cannot store a NUL in text (the
 * create would fail after the person submitted), and the others show as nothing or as boxes in the
 * audit message.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const withoutControlCharacters = (text: string): string => text.replace(CONTROL_CHARACTERS, '');

export function validateJustification(
  raw: string | undefined,
): { ok: true; text: string } | { ok: false; error: string } {
  const text = withoutControlCharacters(raw ?? '').trim();
  if (text.length < OVERRIDE_JUSTIFICATION.min) {
    return {
      ok: false,
      error:
        `Write why this out-of-scope request must get a license anyway (at least ` +
        `${OVERRIDE_JUSTIFICATION.min} characters).`,
    };
  }
  if (text.length > OVERRIDE_JUSTIFICATION.max)
    return { ok: false, error: `Keep it under ${OVERRIDE_JUSTIFICATION.max} characters.` };
  return { ok: true, text };
}

/**
 * One line for the audit trail, in words for people: why the scope check decided what it did. It
 * is stored with the request and shown again later, so it states absolute times only (SPEC time
 * rules: no "ended 1 day ago" in a notice updated nine days later).
 */
export function summarizeScope(scope: ScopeDecision): string {
  if (!scope.inScope) return `Out of scope: ${scope.failures.map((f) => f.recorded).join(' ')}`;
  const { windowOpensAt, licenseKind } = scope.facts;
  const on = licenseKind === 'temporary' ? ', a Sales-generated temporary extension on the instance' : '';
  const window = windowOpensAt
    ? licenseKind === 'temporary'
      ? `: it expired ${formatInstant(windowOpensAt)} (a trial-type license has no grace period)`
      : `: grace period ended ${formatInstant(windowOpensAt)}`
    : '';
  return `In scope (Self-Managed, paid plan, not a prospect${on})${window}`;
}
