import { DateTime, Duration } from 'luxon';

/**
 * The SPEC's time rules. All instants are UTC; a license expiration date D means the license
 * stops at 00:00 UTC on D, and the grace period ends 14 days later.
 */
export const GRACE_PERIOD_DAYS = 14;
export const MORE_THAN_HOURS = 24;
export const EMERGENCY_WINDOW_HOURS = 72;

const HOUR_MS = 3_600_000;

export interface ExpiryFacts {
  /** yyyy-mm-dd as given. */
  expirationDate: string;
  expiresAt: DateTime;
  graceEndsAt: DateTime;
  /** Milliseconds from now until expiry (negative once expired). */
  msUntilExpiry: number;
  /** Milliseconds from now until the grace period ends (negative once ended). */
  msUntilGraceEnd: number;
  expired: boolean;
  /** expiration <= now < grace end */
  inGracePeriod: boolean;
  graceEnded: boolean;
  /** Strictly more than 24 hours remain: exactly 24 h is not more. */
  expiresInMoreThan24h: boolean;
  graceEndsInMoreThan24h: boolean;
}

/** Parses a calendar date (yyyy-mm-dd) as 00:00 UTC; undefined when it is not a real date. */
export function parseCalendarDate(value: string): DateTime | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const date = DateTime.fromISO(value, { zone: 'utc' });
  return date.isValid ? date.startOf('day') : undefined;
}

export function computeExpiryFacts(expirationDate: string, now: DateTime): ExpiryFacts {
  if (!now.isValid) throw new RangeError(`invalid current time: ${now.invalidReason ?? 'unknown'}`);
  const expiresAt = parseCalendarDate(expirationDate);
  if (!expiresAt) throw new RangeError(`not a calendar date (yyyy-mm-dd): ${expirationDate}`);
  const graceEndsAt = expiresAt.plus({ days: GRACE_PERIOD_DAYS });
  const nowMs = now.toMillis();
  const msUntilExpiry = expiresAt.toMillis() - nowMs;
  const msUntilGraceEnd = graceEndsAt.toMillis() - nowMs;
  return {
    expirationDate,
    expiresAt,
    graceEndsAt,
    msUntilExpiry,
    msUntilGraceEnd,
    expired: msUntilExpiry <= 0,
    inGracePeriod: msUntilExpiry <= 0 && msUntilGraceEnd > 0,
    graceEnded: msUntilGraceEnd <= 0,
    expiresInMoreThan24h: msUntilExpiry > MORE_THAN_HOURS * HOUR_MS,
    graceEndsInMoreThan24h: msUntilGraceEnd > MORE_THAN_HOURS * HOUR_MS,
  };
}

/** The weekend emergency window: grace end <= now and now - grace end <= 72 h. */
export function graceEndedWithinEmergencyWindow(facts: ExpiryFacts): boolean {
  return facts.graceEnded && -facts.msUntilGraceEnd <= EMERGENCY_WINDOW_HOURS * HOUR_MS;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** "2 days 5 hours", "13 hours 20 minutes", "45 minutes", "less than a minute". */
export function formatDuration(ms: number): string {
  const { days, hours, minutes } = Duration.fromMillis(Math.abs(ms)).shiftTo('days', 'hours', 'minutes').toObject();
  const d = Math.floor(days ?? 0);
  const h = Math.floor(hours ?? 0);
  const m = Math.floor(minutes ?? 0);
  if (d > 0) return h > 0 ? `${plural(d, 'day')} ${plural(h, 'hour')}` : plural(d, 'day');
  if (h > 0) return m > 0 ? `${plural(h, 'hour')} ${plural(m, 'minute')}` : plural(h, 'hour');
  if (m > 0) return plural(m, 'minute');
  return 'less than a minute';
}

/** "in 13 hours" or "2 days 5 hours ago", for a signed distance from now. */
export function formatRelative(msFromNow: number): string {
  if (msFromNow === 0) return 'now';
  return msFromNow > 0 ? `in ${formatDuration(msFromNow)}` : `${formatDuration(msFromNow)} ago`;
}

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

export interface TimeFact {
  /** Stable key for exports and tests. */
  key: 'expiry' | 'grace';
  text: string;
}

/** Human sentences that show why a verdict was reached, e.g. "Grace period ended 2 days 5 hours ago (…)". */
export function describeExpiryFacts(facts: ExpiryFacts, zone = 'UTC'): TimeFact[] {
  const expiry = facts.expired
    ? `License/plan expired ${formatRelative(facts.msUntilExpiry)} (${formatInstantForReader(facts.expiresAt, zone)})`
    : `License/plan expires ${formatRelative(facts.msUntilExpiry)} (${formatInstantForReader(facts.expiresAt, zone)})`;
  const grace = facts.graceEnded
    ? `Grace period ended ${formatRelative(facts.msUntilGraceEnd)} (${formatInstantForReader(facts.graceEndsAt, zone)})`
    : facts.inGracePeriod
      ? `In the grace period, which ends ${formatRelative(facts.msUntilGraceEnd)} (${formatInstantForReader(facts.graceEndsAt, zone)})`
      : `Grace period (14 days) would end ${formatRelative(facts.msUntilGraceEnd)} (${formatInstantForReader(facts.graceEndsAt, zone)})`;
  return [
    { key: 'expiry', text: expiry },
    { key: 'grace', text: grace },
  ];
}
