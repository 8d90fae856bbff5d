import { DateTime } from 'luxon';
import { expiryWords } from '../../policy/time';
import type { TicketWrite } from '../../store/ticket-write-types';
import type { LicenseRequestRecord } from '../../store/types';
import type { LifecycleEvent } from '../../policy/license-lifecycle';
import { followUpLines } from './license-status-events';
import { escapeMrkdwn, link, mentionUser } from '../mrkdwn';
import { actions, type KnownBlock, button, context, section } from '../views/blocks';
import { deliveryLine, mismatchWarning, reasonOf, RESEND_LICENSE_ACTION, RETRY_LICENSE_ACTION } from './license-notice';
import { readerDateOfIso } from './reader-date';
import { ticketWriteLine } from './ticket-write-line';

const STATUS_EMOJI: Record<LicenseRequestRecord['status'], string> = {
  pending: ':hourglass_flowing_sand:',
  generated: ':white_check_mark:',
  failed: ':x:',
  refused: ':no_entry:',
};

function howToGetIt(record: LicenseRequestRecord): string {
  if (record.status !== 'generated') return '';
  if (record.licenseFile) return ' Use *Send me the license file* to get a copy in a DM.';
  if (record.issueUrl) return ` The license copy is in ${link(record.issueUrl)}.`;
  return '';
}

/** /license-status answer: the requests for a ticket or email, newest first (ephemeral, max 50 blocks). */
export function buildLicenseStatusMessage(
  query: string,
  records: LicenseRequestRecord[],
  events?: ReadonlyMap<string, LifecycleEvent[]>,
  /** Each request's license write on its Zendesk ticket, by request ID. */
  ticketWrites?: ReadonlyMap<string, TicketWrite>,
): { text: string; blocks: KnownBlock[] } {
  if (records.length === 0) {
    return {
      text: `No emergency license requests found for ${escapeMrkdwn(query)}.`,
      blocks: [section(`:mag: No emergency license requests found for *${escapeMrkdwn(query)}*.`)],
    };
  }
  const blocks: KnownBlock[] = [
    section(`:mag: *Emergency license requests for ${escapeMrkdwn(query)}* (newest first)`),
  ];
  for (const record of records.slice(0, 10)) {
    const mismatch = mismatchWarning(record);
    const reason = reasonOf(record);
    blocks.push(
      section(
        [
          `${STATUS_EMOJI[record.status]} *${record.status}* · ${readerDateOfIso(record.createdAt)} · by ` +
            `${mentionUser(record.requestedBySlackId)}`,
          `${link(record.ticketUrl)} · ${record.userCount.toLocaleString('en-US')} users · ` +
            `${escapeMrkdwn(record.email)}` +
            `${record.status === 'generated' ? ` · trial ${expiryWords(record.trialExpiresOn, DateTime.utc())}` : ''}`,
          record.status === 'generated' ? deliveryLine(record) : '',
          mismatch ? `:warning: ${escapeMrkdwn(mismatch)}` : '',
          `${reason ? `Reason: ${escapeMrkdwn(reason)}` : ''}${howToGetIt(record)}`,
          followUpLines(events?.get(record.id)),
          ticketWrites?.has(record.id) ? ticketWriteLine(ticketWrites.get(record.id)!) : '',
        ]
          .filter(Boolean)
          .join('\n'),
      ),
    );
    const buttons = [
      ...(record.status === 'generated' && record.licenseFile
        ? [button('Send me the license file', RESEND_LICENSE_ACTION, record.id)]
        : []),
      ...(record.status === 'failed' ? [button('Retry', RETRY_LICENSE_ACTION, record.id, 'primary')] : []),
    ];
    if (buttons.length) blocks.push(actions(`request_${record.id}`, ...buttons));
  }
  if (records.length > 10) blocks.push(context(`${records.length - 10} older requests not shown.`));
  return { text: `${records.length} emergency license request(s) for ${escapeMrkdwn(query)}`, blocks };
}
