import type { DateTime } from 'luxon';
import type { Lateness } from '../../policy/license-lifecycle';
import { formatInstant } from '../../policy/time';
import { mentionUser, mentionUserGroup } from '../mrkdwn';
import { section } from '../views/blocks';
import type { Actor } from './license-reminder';
import { readerDate } from './reader-date';
import type { AuditMessage } from './star-audit';

/**
 * One-line replies in a request's thread in the licensing channel, one per lifecycle event, so
 * the thread reads as the request's history. The L&R user group is mentioned where L&R has to
 * act (asked for help, trial lapsed unresolved), only when it is configured.
 */

/**
 * What a lapse does (SPEC "After the trial"): the trial has no `block_changes_at`, so nothing is
 * blocked; the paid features it unlocked stop until a real license is uploaded. Never "locked".
 */
export const TRIAL_LAPSE_EFFECT =
  "the trial's paid features have stopped working until a real license is uploaded. Pushes are not blocked: the " +
  'trial has no block date.';

const line = (text: string, fallback: string): AuditMessage => ({ text: fallback, blocks: [section(text)] });
const lrTeam = (groupId: string | undefined) => (groupId ? `${mentionUserGroup(groupId)} ` : '');

export function buildResolvedLine(actor: Actor): AuditMessage {
  return line(
    `:white_check_mark: *Resolved* by ${mentionUser(actor.bySlackId)} ${readerDate(actor.at)}: the customer has ` +
      `a real license. No more reminders.`,
    `Resolved by ${actor.bySlackId} at ${formatInstant(actor.at)}`,
  );
}

export function buildNeedsLrLine(input: Actor & { lapseAt: DateTime; lrUserGroupId?: string }): AuditMessage {
  return line(
    `:sos: ${lrTeam(input.lrUserGroupId)}*Needs L&R*: ${mentionUser(input.bySlackId)} asks for help getting the ` +
      `customer a real license before the trial lapses ${readerDate(input.lapseAt)}. The request stays open.`,
    `Needs L&R: asked by ${input.bySlackId}; the trial lapses ${formatInstant(input.lapseAt)}`,
  );
}

export function buildLapsedLine(input: {
  lapseAt: DateTime;
  lateness: Lateness;
  lrUserGroupId?: string;
}): AuditMessage {
  const late = input.lateness.late ? ` (noticed ${input.lateness.text})` : '';
  return line(
    `:hourglass: ${lrTeam(input.lrUserGroupId)}*Trial lapsed, unresolved* ${readerDate(input.lapseAt)}${late}: ` +
      `${TRIAL_LAPSE_EFFECT}`,
    `Trial lapsed, unresolved at ${formatInstant(input.lapseAt)}${late}`,
  );
}
