import { Duration } from 'luxon';

/**
 * Human wording of a short duration for messages: "30 minutes", "1.5 minutes", "5 seconds",
 * "250 ms". One unit, at most one decimal; luxon (Intl) does the wording and the plural.
 */
export function formatDuration(ms: number): string {
  const unit = ms >= 60_000 ? 'minutes' : ms >= 1000 ? 'seconds' : 'milliseconds';
  const amount = unit === 'milliseconds' ? Math.round(ms) : Math.round(Duration.fromMillis(ms).as(unit) * 10) / 10;
  return Duration.fromObject({ [unit]: amount }, { locale: 'en' }).toHuman({ unitDisplay: unit === 'milliseconds' ? 'short' : 'long' });
}
