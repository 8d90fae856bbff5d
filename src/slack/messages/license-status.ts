import type { LicenseRequestRecord } from '../../store/types';
import type { LifecycleEvent } from '../../policy/license-lifecycle';
import { followUpLines } from './license-status-events';
import { escapeMrkdwn, link, mentionUser } from '../mrkdwn';
import { actions, Block, button, context, section } from '../views/blocks';
import { deliveryLine, RESEND_LICENSE_ACTION, RETRY_LICENSE_ACTION } from './license-notice';

const STATUS_EMOJI: Record<LicenseRequestRecord['status'], string> = {
  pending: ':hourglass_flowing_sand:',
  generated: ':white_check_mark:',
  failed: ':x:',
  refused: ':no_entry:',
};

function howToGetIt(record: LicenseRequestRecord): string {
  if (record.status !== 'generated') return '';
  if (record.licenseFile) return ' Use *Send me the license file* to get a copy in a DM.';
  if (record.reference && /^https?:\/\//.test(record.reference)) return ` The license copy is in ${link(record.reference)}.`;
  return '';
}

/** /license-status answer: the requests for a ticket or email, newest first (ephemeral, max 50 blocks). */
export function buildLicenseStatusMessage(query: string, records: LicenseRequestRecord[], events?: ReadonlyMap<string, LifecycleEvent[]>): { text: string; blocks: Block[] } {
  if (records.length === 0) {
    return { text: `No emergency license requests found for ${escapeMrkdwn(query)}.`, blocks: [section(`:mag: No emergency license requests found for *${escapeMrkdwn(query)}*.`)] };
  }
  const blocks: Block[] = [section(`:mag: *Emergency license requests for ${escapeMrkdwn(query)}* (newest first)`)];
  for (const record of records.slice(0, 10)) {
    blocks.push(
      section(
        [
          `${STATUS_EMOJI[record.status]} *${record.status}* · ${record.createdAt.slice(0, 16).replace('T', ' ')} UTC · by ${mentionUser(record.requestedBySlackId)}`,
          `${link(record.ticketUrl)} · ${record.userCount.toLocaleString('en-US')} users · ${escapeMrkdwn(record.email)}${record.trialExpiresOn ? ` · trial expires ${record.trialExpiresOn}` : ''}`,
          record.status === 'generated' ? deliveryLine(record) : '',
          `${record.reason ? `Reason: ${escapeMrkdwn(record.reason)}` : ''}${howToGetIt(record)}`,
          followUpLines(events?.get(record.id)),
        ]
          .filter(Boolean)
          .join('\n'),
      ),
    );
    const buttons = [
      ...(record.status === 'generated' && record.licenseFile ? [button('Send me the license file', RESEND_LICENSE_ACTION, record.id)] : []),
      ...(record.status === 'failed' ? [button('Retry', RETRY_LICENSE_ACTION, record.id, 'primary')] : []),
    ];
    if (buttons.length) blocks.push(actions(`request_${record.id}`, ...buttons));
  }
  if (records.length > 10) blocks.push(context(`${records.length - 10} older requests not shown.`));
  return { text: `${records.length} emergency license request(s) for ${escapeMrkdwn(query)}`, blocks };
}
