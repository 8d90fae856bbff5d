import type { DateTime } from 'luxon';
import type { Lateness } from '../../policy/license-lifecycle';
import { formatInstant } from '../../policy/time';
import type { LicenseRequestRecord } from '../../store/types';
import { escapeMrkdwn, link, mentionUser, mentionUserGroup } from '../mrkdwn';
import { actions, type KnownBlock, button, context, section } from '../views/blocks';
import { LICENSE_NEEDS_LR_ACTION, LICENSE_RESOLVED_ACTION } from './license-lifecycle-ids';
import { readerDate, readerRelative } from './reader-date';
import type { AuditMessage } from './star-audit';

/** Who did something and when (a button click). */
export interface Actor {
  bySlackId: string;
  at: DateTime;
}

export type ReminderRequest = Pick<
  LicenseRequestRecord,
  'id' | 'ticketUrl' | 'email' | 'userCount' | 'requestedBySlackId'
>;

export interface ReminderInput {
  request: ReminderRequest;
  /** 00:00 UTC on the trial's expiry date. */
  lapseAt: DateTime;
  /** When the reminder was due, and how late it was sent (after a restart, say). */
  dueAt: DateTime;
  lateness: Lateness;
  /** Channel thread reply, or the DM to the engineer who requested the license. */
  audience: 'channel' | 'requester';
  resolved?: Actor;
  needsLr?: Actor;
  lapsed?: boolean;
  /** LR_TEAM_USERGROUP: the channel copy mentions it (L&R owns every non-trial license). */
  lrUserGroupId?: string;
}

function headline(input: ReminderInput): string {
  if (input.resolved) return ':white_check_mark: *Resolved*: the customer has a real license.';
  if (input.lapsed) return ':hourglass: *Trial lapsed, unresolved*';
  if (input.audience === 'requester')
    return (
      `:information_source: *For your information: the emergency trial license you requested lapses ` +
      `${readerRelative(input.lapseAt)}.* The L&R team owns the renewal and is reminded in the request's thread ` +
      `in the licensing channel; press a button below if you know how it stands.`
    );
  const team = input.lrUserGroupId ? `${mentionUserGroup(input.lrUserGroupId)} ` : '';
  return (
    `:alarm_clock: ${team}*The emergency trial license lapses ${readerRelative(input.lapseAt)}*: a real license ` +
    `must be on its way now (the L&R team owns every non-trial license). Has the customer got one yet?`
  );
}

/**
 * The reminder before a generated trial lapses: a reply in the request's thread in the licensing
 * channel that mentions the L&R team (LR_TEAM_USERGROUP), and a DM to the engineer as information
 * with the same buttons: the requester is not made the owner of the renewal (SPEC "After the
 * trial"). It is updated in place (same outbox key) when someone presses a button or the trial
 * lapses, so the buttons go once it is resolved.
 */
export function buildLicenseReminder(input: ReminderInput): AuditMessage {
  const { request } = input;
  const lines = [
    headline(input),
    `*Ticket:* ${link(request.ticketUrl)}`,
    `*Email:* ${escapeMrkdwn(request.email)} · *Users:* ${request.userCount.toLocaleString('en-US')}`,
    `*Trial ${input.lapsed ? 'lapsed' : 'lapses'}:* ${readerDate(input.lapseAt)}`,
    `*Requested by:* ${mentionUser(request.requestedBySlackId)}`,
  ];
  const blocks: KnownBlock[] = [section(lines.join('\n'), 'reminder')];
  if (input.lateness.late) {
    blocks.push(
      section(
        `:warning: This reminder is *${escapeMrkdwn(input.lateness.text)}*: it was due ${readerDate(input.dueAt)}.`,
        'reminder_late',
      ),
    );
  }
  const status: string[] = [];
  if (input.needsLr)
    status.push(`:sos: L&R asked for help by ${mentionUser(input.needsLr.bySlackId)} ${readerDate(input.needsLr.at)}.`);
  if (input.resolved)
    status.push(
      `:white_check_mark: Resolved by ${mentionUser(input.resolved.bySlackId)} ${readerDate(input.resolved.at)}` +
        `. No more reminders.`,
    );
  if (status.length > 0) blocks.push(section(status.join('\n'), 'reminder_status'));
  if (!input.resolved) {
    const buttons = [button('Resolved', LICENSE_RESOLVED_ACTION, request.id, 'primary')];
    // Asking L&R twice adds nothing: the thread already mentions them.
    if (!input.needsLr) buttons.push(button('Needs L&R', LICENSE_NEEDS_LR_ACTION, request.id));
    blocks.push(actions('reminder_actions', ...buttons));
  }
  blocks.push(
    context(
      `Request ${escapeMrkdwn(request.id)} · *Resolved*: the customer has a real license or has renewed (stops ` +
        `the reminders) · *Needs L&R*: asks the L&R team in the licensing channel; the request stays open.`,
    ),
  );
  const state = input.resolved
    ? 'resolved'
    : input.lapsed
      ? 'lapsed, unresolved'
      : `lapses ${formatInstant(input.lapseAt)}`;
  const late = input.lateness.late ? ` (reminder ${input.lateness.text})` : '';
  return {
    text:
      `Emergency trial license ${state}: ${request.ticketUrl} (${request.userCount} users, ` +
      `${escapeMrkdwn(request.email)})${late}`,
    blocks,
  };
}

export const licenseReminderKey = (request: Pick<LicenseRequestRecord, 'id'>) => `license-reminder:${request.id}`;
