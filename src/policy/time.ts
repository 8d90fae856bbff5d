import { DateTime } from 'luxon';
import { formatRelative, formatSpan as formatDuration } from '../shared/duration';
import type { Deployment } from './playbook';

/**
 * The SPEC's time rules. All instants are UTC. A Self-Managed license with expiration date D stops
 * at 00:00 UTC on D and its grace period ends 14 days later; a SaaS plan with end date D runs
 * through D (it stops at 00:00 UTC on D + 1) and has no grace period.
 */
export const GRACE_PERIOD_DAYS = 14;
export const MORE_THAN_HOURS = 24;
/** The weekend emergency window, in calendar days (UTC) after the grace end date. */
export const EMERGENCY_WINDOW_DAYS = 3;

const HOUR_MS = 3_600_000;

/**
 * What kind of license is on a Self-Managed instance now (SPEC time rules): the paid license
 * itself, which has the 14-day grace period, or a trial-type license (a Sales-generated temporary
 * extension or temporary license: the STAR page counts these as trial licenses), which has none.
 */
export type LicenseKind = 'paid' | 'temporary';
export const LICENSE_KINDS: readonly LicenseKind[] = ['paid', 'temporary'];
export const isLicenseKind = (value: unknown): value is LicenseKind => value === 'paid' || value === 'temporary';

export interface ExpiryFacts {
  /** yyyy-mm-dd as given. */
  expirationDate: string;
  deployment: Deployment;
  /** Self-Managed: the kind of license now on the instance (a trial-type license has no grace period). */
  licenseKind: LicenseKind;
  /** When the license/plan stops: 00:00 UTC on D (Self-Managed) or on D + 1 (SaaS). */
  expiresAt: DateTime;
  /** Milliseconds from now until expiry (negative once expired). */
  msUntilExpiry: number;
  expired: boolean;
  /** Strictly more than 24 hours remain: exactly 24 h is not more. */
  expiresInMoreThan24h: boolean;
  /**
   * Self-Managed paid license only: 00:00 UTC on D + 14 days. Undefined for SaaS and for a
   * trial-type license (temporary extension), which have no grace period.
   */
  graceEndsAt?: DateTime;
  /** Milliseconds from now until the grace period ends (negative once ended); undefined without one. */
  msUntilGraceEnd?: number;
  /** expiration <= now < grace end (always false without a grace period). */
  inGracePeriod: boolean;
  graceEnded: boolean;
  graceEndsInMoreThan24h: boolean;
  /**
   * Self-Managed: when the weekend emergency window opens, 00:00 UTC on G, with G = the grace end
   * date (D + 14) for a paid license and G = D for a trial-type license. Undefined for SaaS.
   */
  windowOpensAt?: DateTime;
}

/** Parses a calendar date (yyyy-mm-dd) as 00:00 UTC; undefined when it is not a real date. */
export function parseCalendarDate(value: string): DateTime | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const date = DateTime.fromISO(value, { zone: 'utc' });
  return date.isValid ? date.startOf('day') : undefined;
}

export function computeExpiryFacts(
  expirationDate: string,
  now: DateTime,
  deployment: Deployment = 'self_managed',
  licenseKind: LicenseKind = 'paid',
): ExpiryFacts {
  if (!now.isValid) throw new RangeError(`invalid current time: ${now.invalidReason ?? 'unknown'}`);
  const date = parseCalendarDate(expirationDate);
  if (!date) throw new RangeError(`not a calendar date (yyyy-mm-dd): ${expirationDate}`);
  const nowMs = now.toMillis();
  const expiresAt = deployment === 'saas' ? date.plus({ days: 1 }) : date;
  const msUntilExpiry = expiresAt.toMillis() - nowMs;
  const expiry = {
    expirationDate,
    deployment,
    licenseKind,
    expiresAt,
    msUntilExpiry,
    expired: msUntilExpiry <= 0,
    expiresInMoreThan24h: msUntilExpiry > MORE_THAN_HOURS * HOUR_MS,
  };
  if (deployment === 'saas')
    return { ...expiry, inGracePeriod: false, graceEnded: false, graceEndsInMoreThan24h: false };
  // A trial-type license has no grace period: the instance lost its paid features at D, so the
  // weekend window counts from D (SPEC time rules).
  if (licenseKind === 'temporary')
    return {
      ...expiry,
      inGracePeriod: false,
      graceEnded: false,
      graceEndsInMoreThan24h: false,
      windowOpensAt: date,
    };
  const graceEndsAt = date.plus({ days: GRACE_PERIOD_DAYS });
  const msUntilGraceEnd = graceEndsAt.toMillis() - nowMs;
  return {
    ...expiry,
    graceEndsAt,
    msUntilGraceEnd,
    inGracePeriod: msUntilExpiry <= 0 && msUntilGraceEnd > 0,
    graceEnded: msUntilGraceEnd <= 0,
    graceEndsInMoreThan24h: msUntilGraceEnd > MORE_THAN_HOURS * HOUR_MS,
    windowOpensAt: graceEndsAt,
  };
}

/**
 * Today's date (UTC) minus G, the date the weekend window opens (the grace end date, or the
 * expiration date of a trial-type license), in whole days; undefined for SaaS.
 */
export function calendarDaysSinceWindowOpens(facts: ExpiryFacts, now: DateTime): number | undefined {
  if (!facts.windowOpensAt) return undefined;
  return Math.round(now.toUTC().startOf('day').diff(facts.windowOpensAt, 'days').days);
}

/**
 * The weekend emergency window (SPEC time rules): with G = the grace end date (D + 14, or D for a
 * trial-type license) and E = today's UTC date, in scope iff G <= E and E - G <= 3 days, at any
 * hour of E.
 */
export function graceEndedWithinEmergencyWindow(facts: ExpiryFacts, now: DateTime): boolean {
  const days = calendarDaysSinceWindowOpens(facts, now);
  return days !== undefined && days >= 0 && days <= EMERGENCY_WINDOW_DAYS;
}

/** Monday to Friday in UTC: the L&R team is at work, the weekend workflow is the fallback (SPEC time rules). */
export function isWeekdayUtc(now: DateTime): boolean {
  return now.toUTC().weekday <= 5;
}

// Worded by luxon in one place (src/shared/duration.ts); the policy's messages use these names.
export { formatSpan as formatDuration, formatRelative } from '../shared/duration';

/** "Mon 23 Nov 2026 00:00 UTC" in the given IANA zone (falls back to UTC if unknown). */
export function formatInstant(instant: DateTime, zone = 'UTC'): string {
  const local = instant.setZone(zone);
  const shown = local.isValid ? local : instant.setZone('UTC');
  return shown.setLocale('en-US').toFormat('ccc d LLL yyyy HH:mm ZZZZ');
}

/** The instant in the reader's zone, with UTC alongside when they differ (the rules are in UTC). */
export function formatInstantForReader(instant: DateTime, zone = 'UTC'): string {
  const local = formatInstant(instant, zone);
  const utc = formatInstant(instant, 'UTC');
  return local === utc ? utc : `${local}; ${utc}`;
}

export type TimeFactKey = 'expiry' | 'grace';

export interface TimeFact {
  /** Stable key for exports and tests. */
  key: TimeFactKey;
  text: string;
}

/**
 * "in about 13 hours" / "about 45 minutes ago": a Self-Managed instance compares its own local
 * date, so under a day from the boundary the instant is only approximate (SPEC time rules).
 */
function relativeFor(facts: ExpiryFacts, ms: number): string {
  // Under a minute there is nothing to be "about": "in less than a minute", never "in about less than a minute".
  if (
    facts.deployment !== 'self_managed' ||
    ms === 0 ||
    Math.abs(ms) >= MORE_THAN_HOURS * HOUR_MS ||
    Math.abs(ms) < 60_000
  )
    return formatRelative(ms);
  return ms > 0 ? `in about ${formatDuration(ms)}` : `about ${formatDuration(ms)} ago`;
}

/**
 * Human sentences that show why a verdict was reached, e.g. "Grace period ended 2 days 5 hours ago (…)".
 * `only` limits them to the facts the decision used (a trial's verdict never shows grace facts).
 */
export function describeExpiryFacts(facts: ExpiryFacts, zone = 'UTC', only?: readonly TimeFactKey[]): TimeFact[] {
  const at = (instant: DateTime) => formatInstantForReader(instant, zone);
  const when = relativeFor(facts, facts.msUntilExpiry);
  const expiry =
    facts.deployment === 'saas'
      ? `SaaS plan ${facts.expired ? 'ended' : 'ends'} ${when} (${at(facts.expiresAt)}: it runs through its end ` +
        `date ${facts.expirationDate})`
      : `${facts.licenseKind === 'temporary' ? 'Temporary extension' : 'License'} ` +
        `${facts.expired ? 'expired' : 'expires'} ${when} (${at(facts.expiresAt)})`;
  let grace: string;
  if (facts.deployment === 'self_managed' && facts.licenseKind === 'temporary') {
    grace =
      'No grace period: a Sales-generated temporary extension (a trial-type license) has none, so the paid ' +
      `features ${facts.expired ? 'stopped' : 'stop'} at its expiry`;
  } else if (!facts.graceEndsAt || facts.msUntilGraceEnd === undefined) {
    grace = 'No grace period: SaaS plans have none (the 14-day grace period is for Self-Managed licenses)';
  } else {
    const graceWhen = relativeFor(facts, facts.msUntilGraceEnd);
    grace = facts.graceEnded
      ? `Grace period ended ${graceWhen} (${at(facts.graceEndsAt)})`
      : facts.inGracePeriod
        ? `In the grace period, which ends ${graceWhen} (${at(facts.graceEndsAt)})`
        : `Grace period (14 days) would end ${graceWhen} (${at(facts.graceEndsAt)})`;
  }
  const all: TimeFact[] = [
    { key: 'expiry', text: expiry },
    { key: 'grace', text: grace },
  ];
  return only ? all.filter((fact) => only.includes(fact.key)) : all;
}

/**
 * "expires on 2024-06-25" before 00:00 UTC on that date, "expired on 2024-06-25" from then on: a
 * date in the past never reads "expires on" (SPEC wording at the boundaries).
 */
export function expiryWords(expiresOn: string, now: DateTime): string {
  const date = parseCalendarDate(expiresOn);
  const past = date !== undefined && now.toMillis() >= date.toMillis();
  return `${past ? 'expired' : 'expires'} on ${expiresOn}`;
}
