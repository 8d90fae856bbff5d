/**
 * Calendar-date helpers for license dates. Licenses carry plain dates (yyyy-mm-dd) that GitLab
 * reads with Ruby's `Date.parse`; we always compute them in UTC so that the result does not depend
 * on the host's time zone. luxon does the calendar arithmetic.
 */
import { DateTime } from 'luxon';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

const utcDate = (isoDate: string) => DateTime.fromISO(isoDate, { zone: 'utc' });

/** The UTC calendar date of an instant, as yyyy-mm-dd. */
export function toUtcIsoDate(instant: Date): string {
  const date = instant instanceof Date ? DateTime.fromJSDate(instant, { zone: 'utc' }) : undefined;
  if (!date?.isValid) throw new RangeError('toUtcIsoDate: invalid date');
  return date.toISODate();
}

/** True when `value` is a real calendar date written as yyyy-mm-dd (e.g. not 2024-02-30). */
export function isIsoDate(value: unknown): value is string {
  return typeof value === 'string' && ISO_DATE.test(value) && utcDate(value).isValid;
}

/** `isoDate` (yyyy-mm-dd) plus `days` calendar days, as yyyy-mm-dd. */
export function addDaysToIsoDate(isoDate: string, days: number): string {
  if (!isIsoDate(isoDate)) throw new RangeError(`Not a yyyy-mm-dd date: ${JSON.stringify(isoDate)}`);
  if (!Number.isSafeInteger(days)) throw new RangeError(`Not a whole number of days: ${days}`);
  return utcDate(isoDate).plus({ days }).toISODate() as string;
}

/**
 * The start date of a trial license made at `instant`: today's date in UTC-12, the earliest
 * calendar date anywhere on Earth (time zones run from UTC-12 to UTC+14).
 *
 * GitLab activates a license only once it has started, on the instance's own local date
 * (ee/app/models/license.rb: `def started?; starts_at <= Date.current; end`, and
 * `License.current` picks the newest license that is `valid? && started?`). With the UTC date, a
 * license made on Friday evening UTC would stay inactive until local midnight on an instance set to
 * a US time zone; starting on the UTC-12 date makes it active at once in every zone.
 */
export function trialLicenseStartDate(instant: Date): string {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new RangeError('trialLicenseStartDate: invalid date');
  }
  return toUtcIsoDate(new Date(instant.getTime() - EARLIEST_ZONE_OFFSET_MS));
}

/** UTC-12 (e.g. Baker Island) is the westernmost zone: its date is never ahead of any other. */
const EARLIEST_ZONE_OFFSET_MS = 12 * 3_600_000;
