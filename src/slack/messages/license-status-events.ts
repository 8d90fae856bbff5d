import { DateTime } from 'luxon';
import { describeLifecycleEvent, type LifecycleEvent } from '../../policy/license-lifecycle';
import { mentionUser } from '../mrkdwn';
import { readerDate } from './reader-date';

/**
 * "Follow-up: Reminder sent (late by 5 hours) <date> · Resolved by @x <date>" for /license-status; '' without events.
 */
export function followUpLines(events: readonly LifecycleEvent[] | undefined): string {
  if (!events || events.length === 0) return '';
  const items = events.slice(-8).map((event) => {
    const at = DateTime.fromISO(event.at, { zone: 'utc' });
    return (
      `${describeLifecycleEvent(event)}${event.bySlackId ? ` by ${mentionUser(event.bySlackId)}` : ''}` +
      `${at.isValid ? ` ${readerDate(at)}` : ''}`
    );
  });
  return `*Follow-up:* ${items.join(' · ')}`;
}
