import { Duration, type DurationLikeObject, type ToHumanDurationOptions } from 'luxon';

/** Durations worded by luxon (Intl does the words and the plurals), in English. */

// "2 days 5 hours", not "2 days, 5 hours": Intl.ListFormat's unit list (luxon passes it through).
const UNIT_LIST = { type: 'unit', showZeros: false } as ToHumanDurationOptions;
const say = (parts: DurationLikeObject, opts: ToHumanDurationOptions = {}) =>
  Duration.fromObject(parts, { locale: 'en' }).toHuman({ ...UNIT_LIST, ...opts });

/**
 * Human wording of a short duration for messages: "30 minutes", "1.5 minutes", "5 seconds",
 * "250 ms". One unit, at most one decimal.
 */
export function formatDuration(ms: number): string {
  const unit = ms >= 60_000 ? 'minutes' : ms >= 1000 ? 'seconds' : 'milliseconds';
  const amount = unit === 'milliseconds' ? Math.round(ms) : Math.round(Duration.fromMillis(ms).as(unit) * 10) / 10;
  return say({ [unit]: amount }, { unitDisplay: unit === 'milliseconds' ? 'short' : 'long' });
}

const SPAN_UNITS = ['days', 'hours', 'minutes'] as const;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The distance to a deadline in whole units, the largest one and the next: "2 days 5 hours",
 * "13 hours 20 minutes", "45 minutes", "less than a minute". The sign is ignored. Between 24 and 25
 * hours it says "exactly 24 hours" or "24 hours 59 minutes", never "1 day" for both.
 */
export function formatSpan(ms: number): string {
  const abs = Math.abs(ms);
  // From 24 hours to 25 hours "1 day" would hide what decides "more than 24h": exactly 24 hours is
  // not more, 24 hours 59 minutes is (SPEC wording at the boundaries).
  if (abs === DAY_MS) return 'exactly 24 hours';
  if (abs > DAY_MS && abs < DAY_MS + HOUR_MS) {
    const parts = Duration.fromMillis(abs).shiftTo('hours', 'minutes', 'seconds', 'milliseconds');
    const units = (['hours', 'minutes', 'seconds'] as const).filter((unit) => parts.get(unit) > 0).slice(0, 2);
    return say(Object.fromEntries(units.map((unit) => [unit, parts.get(unit)])));
  }
  const whole = Duration.fromMillis(Math.abs(ms)).shiftTo(...SPAN_UNITS, 'milliseconds');
  const largest = SPAN_UNITS.findIndex((unit) => whole.get(unit) > 0);
  if (largest < 0) return 'less than a minute';
  return say(Object.fromEntries(SPAN_UNITS.slice(largest, largest + 2).map((unit) => [unit, whole.get(unit)])));
}

/** "in 13 hours" or "2 days 5 hours ago", for a signed distance from now. */
export function formatRelative(msFromNow: number): string {
  if (msFromNow === 0) return 'now';
  return msFromNow > 0 ? `in ${formatSpan(msFromNow)}` : `${formatSpan(msFromNow)} ago`;
}
