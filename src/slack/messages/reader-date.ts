import type { DateTime } from 'luxon';
import { formatInstant } from '../../policy/time';
import { slackDate } from '../mrkdwn';

/** An instant every reader sees in their own zone (Slack's date token), with UTC as the fallback text. */
export const readerDate = (instant: DateTime) => slackDate(instant.toSeconds(), formatInstant(instant));

/** "in 2 days" / "3 hours ago", relative to when the reader looks at it, not to when it was posted. */
export const readerRelative = (instant: DateTime) => slackDate(instant.toSeconds(), formatInstant(instant), '{ago}');
