import { DateTime } from 'luxon';
import { expiryWords } from '../../policy/time';
import type { TicketWrite } from '../../store/ticket-write-types';
import type { LicenseRequestRecord } from '../../store/types';
import type { LifecycleEvent } from '../../policy/license-lifecycle';
import { followUpLines } from './license-status-events';
import { escapeMrkdwn, link, mentionUser } from '../mrkdwn';
import { contextBlock, customerText, label, ticketLookupBlocks, type TicketLookup } from '../zendesk-ticket';
import { actions, type KnownBlock, button, context, section } from '../views/blocks';
import {
  COPY_VIA_BUTTON,
  deliveryLine,
  mismatchWarning,
  reasonOf,
  RESEND_LICENSE_ACTION,
  RETRY_LICENSE_ACTION,
} from './license-notice';
import { readerDateOfIso } from './reader-date';
import { ticketWriteLine } from './ticket-write-line';

const STATUS_EMOJI: Record<LicenseRequestRecord['status'], string> = {
  pending: ':hourglass_flowing_sand:',
  generated: ':white_check_mark:',
  failed: ':x:',
  refused: ':no_entry:',
};

/** A clause that ends a line, as a sentence of its own. */
const asSentence = (clause: string) => clause.charAt(0).toUpperCase() + clause.slice(1);

/** Where the license is; a given-up hand-over says it in its own line already. */
function howToGetIt(record: LicenseRequestRecord): string {
  if (record.status !== 'generated') return '';
  if (record.licenseFile) return record.delivery.status === 'failed' ? '' : asSentence(COPY_VIA_BUTTON);
  if (record.issueUrl) return `The license copy is in ${link(record.issueUrl)}.`;
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
          record.status === 'generated' ? deliveryLine(record, COPY_VIA_BUTTON) : '',
          mismatch ? `:warning: ${escapeMrkdwn(mismatch)}` : '',
          [reason ? `Reason: ${escapeMrkdwn(reason)}` : '', howToGetIt(record)].filter(Boolean).join(' '),
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

/** The lines the ticket adds to /license-status next to its facts (block IDs, for tests and the gallery). */
export const LICENSE_TICKET_BLOCKS = {
  /** The ticket's requester against the email a generated license was made for. */
  email: 'zendesk_license_email',
  /** The ticket is solved or closed. */
  closed: 'zendesk_ticket_closed',
} as const;

/**
 * /license-status's follow-up with what the Zendesk ticket says (sent after the ack, ephemeral): the
 * organization, subject, status and requester, whether the licenses on the ticket were made for
 * the requester's email (the usual reason "the license email never arrived"), and a solved or closed
 * ticket; or one line why the ticket was not read. Customer text is plain_text only.
 */
export function buildLicenseStatusTicketMessage(
  lookup: TicketLookup,
  records: readonly LicenseRequestRecord[],
): { text: string; blocks: KnownBlock[] } {
  const blocks = ticketLookupBlocks(lookup, { brief: true, requester: true, unreadHint: '' });
  if (lookup.kind !== 'facts') {
    const why = lookup.kind === 'unavailable' ? ` ${escapeMrkdwn(lookup.reason)}` : '';
    return { text: `Not read from Zendesk:${why}`, blocks };
  }
  const { facts } = lookup;
  const requester = facts.requester?.email;
  const licensed = [
    ...new Set(records.filter((r) => r.status === 'generated').map((r) => r.email.trim().toLowerCase())),
  ];
  // Emails are compared without case: Zendesk and the form may spell the same address differently.
  const elsewhere = requester ? licensed.filter((email) => email !== requester.trim().toLowerCase()) : [];
  if (licensed.length && !requester)
    blocks.push(
      contextBlock(LICENSE_TICKET_BLOCKS.email, [
        label(":grey_question: The ticket's requester email was not read: not compared with the license's email."),
      ]),
    );
  else if (requester && elsewhere.length)
    blocks.push(
      contextBlock(LICENSE_TICKET_BLOCKS.email, [
        label(
          ":warning: *The ticket's requester is not the email the license was made for:* the license email may " +
            'have gone to another address.',
        ),
        label('*Requester:*'),
        customerText(requester),
        label(`*License made for:*`),
        customerText(elsewhere.join(', ')),
      ]),
    );
  else if (requester && licensed.length)
    blocks.push(
      contextBlock(LICENSE_TICKET_BLOCKS.email, [
        label(":white_check_mark: The license was made for the ticket's requester email."),
      ]),
    );
  if (facts.solvedOrClosed)
    blocks.push(
      contextBlock(LICENSE_TICKET_BLOCKS.closed, [label(`:warning: *The ticket is ${escapeMrkdwn(facts.status)}.*`)]),
    );
  const mismatch = elsewhere.length ? ": the requester is not the license's email" : '';
  return { text: `What Zendesk ticket ${facts.ticketId} says${mismatch}`, blocks };
}
