import { DateTime } from 'luxon';
import { formatInstant } from '../../policy/time';
import { escapeMrkdwn, slackDate } from '../mrkdwn';

/** An instant every reader sees in their own zone (Slack's date token), with UTC as the fallback text. */
export const readerDate = (instant: DateTime) => slackDate(instant.toSeconds(), formatInstant(instant));

/** "in 2 days" / "3 hours ago", relative to when the reader looks at it, not to when it was posted. */
export const readerRelative = (instant: DateTime) => slackDate(instant.toSeconds(), formatInstant(instant), '{ago}');

/**
 * A stored ISO timestamp (a record's `createdAt`, a decision's time) as a {@link readerDate}; a
 * string that is not a timestamp is shown as it is, escaped.
 */
export function readerDateOfIso(iso: string): string {
  const instant = DateTime.fromISO(iso, { zone: 'utc' });
  return instant.isValid ? readerDate(instant) : escapeMrkdwn(iso);
}
