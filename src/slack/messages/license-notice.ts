import { DateTime } from 'luxon';
import { TRIAL_DAYS } from '../../licenses/types';
import { expiryWords } from '../../policy/time';
import type { RequestResolution } from '../../store/lifecycle-types';
import type { TicketWrite } from '../../store/ticket-write-types';
import type { GeneratedLicenseRequest, LicenseCopy, LicenseRequestRecord } from '../../store/types';
import { escapeMrkdwn, link, mentionUser, quoteUserText } from '../mrkdwn';
import { actions, type KnownBlock, button, context, section } from '../views/blocks';
import { TRIAL_LAPSE_EFFECT } from './license-thread-lines';
import { readerDate, readerDateOfIso } from './reader-date';
import { ticketWriteLine } from './ticket-write-line';
import type { AuditMessage } from './star-audit';

export const RETRY_LICENSE_ACTION = 'retry_license';
export const RESEND_LICENSE_ACTION = 'resend_license';

const STATUS_LINE: Record<LicenseRequestRecord['status'], string> = {
  pending: ':hourglass_flowing_sand: *Pending*: generating the trial license…',
  generated: ':white_check_mark: *Generated*',
  failed: ':x: *Failed*',
  refused: ':no_entry: *Refused: out of scope*',
};

/** Only a plain http(s) URL becomes a link: an issue URL comes from GitLab's answer, not from the bot. */
export function isPlainUrl(url: string | undefined): url is string {
  return Boolean(url && /^https?:\/\/[^\s<>|]+$/.test(url));
}

/** The GitLab issue of a request, when it has one (pending, generated or failed through an issue). */
export function issueUrlOf(record: LicenseRequestRecord): string | undefined {
  return record.status === 'refused' ? undefined : record.issueUrl;
}

/** "Issued to someone else" warning of a generated license (the Mechanizer's own words about whom it licensed). */
export function mismatchWarning(record: LicenseRequestRecord): string | undefined {
  if (record.status !== 'generated' || !record.issuedToMismatch) return undefined;
  const issued = record.issuedToMismatch;
  return (
    `The license was created for ${issued.email} (${issued.userCount} users), not ${record.email} (` +
    `${record.userCount} users): check the request issue.`
  );
}

/** Why a request failed or was refused. */
export function reasonOf(record: LicenseRequestRecord): string | undefined {
  if (record.status === 'failed') return record.failureReason;
  if (record.status === 'refused') return record.refusalReason;
  return undefined;
}

/** Where a person gets a copy once the hand-over was given up: /license-status, or its own button there. */
const COPY_VIA_STATUS = 'use /license-status to send a copy.';
export const COPY_VIA_BUTTON = 'use *Send me the license file* to get a copy in a DM.';

/** Whether the engineer has the license yet: "Generated" alone would claim more than is known. */
export function deliveryLine(record: GeneratedLicenseRequest, copyHint = COPY_VIA_STATUS): string {
  const to = mentionUser(record.requestedBySlackId);
  const { delivery } = record;
  switch (delivery.status) {
    case 'delivered':
      return `Delivered to ${to}.`;
    case 'failed':
      return (
        `*Not delivered* to ${to}: gave up after ${delivery.attempts} attempts (` +
        `${escapeMrkdwn(delivery.error ?? 'unknown error')}); ${copyHint}`
      );
    case 'pending':
      return (
        `*Generated, not delivered yet* to ${to}` +
        `${delivery.error ? ` (last attempt: ${escapeMrkdwn(delivery.error)}; retrying)` : ''}.`
      );
  }
}

const when = (iso: string | undefined) => {
  const at = iso ? DateTime.fromISO(iso, { zone: 'utc' }) : undefined;
  return at?.isValid ? ` ${readerDate(at)}` : '';
};

/** The follow-up state in one line, or undefined while there is none (the plain notice). */
function lifecycleLine(resolution: RequestResolution): { line: string; state: string } | undefined {
  if (resolution.resolvedAt) {
    const by = resolution.resolvedBySlackId ? ` by ${mentionUser(resolution.resolvedBySlackId)}` : '';
    return {
      line:
        `:white_check_mark: *Resolved*${by}${when(resolution.resolvedAt)}: the customer has a real license. ` +
        `No more reminders.`,
      state: 'Resolved',
    };
  }
  if (resolution.lapsedAt)
    return {
      line: `:hourglass: *Trial lapsed, unresolved*${when(resolution.lapsedAt)}: ${TRIAL_LAPSE_EFFECT}`,
      state: 'Trial lapsed, unresolved',
    };
  if (resolution.needsLrAt) {
    const by = resolution.needsLrBySlackId ? ` by ${mentionUser(resolution.needsLrBySlackId)}` : '';
    return {
      line: `:sos: *Needs L&R*: asked${by}${when(resolution.needsLrAt)}; the request is still open.`,
      state: 'Needs L&R',
    };
  }
  return undefined;
}

/** What the notice shows besides the record. */
export interface LicenseNoticeContext {
  /** The trial's follow-up state ("Resolved", "Trial lapsed, unresolved", "Needs L&R"), if any. */
  resolution?: RequestResolution;
  licenseWarning?: string;
  /** The license file's write on the Zendesk ticket (issue 20), once one was queued. */
  ticketWrite?: TicketWrite;
  now?: DateTime;
}

/**
 * The licensing-channel notice of one emergency license request, the only builder of the message
 * under `licenseNoticeKey`. It is posted when the request starts and updated in place (same outbox
 * key) as its status changes; a generated trial's follow-up state stands right under the status,
 * and in the fallback text.
 */
export function buildLicenseNotice(record: LicenseRequestRecord, notice: LicenseNoticeContext = {}): AuditMessage {
  const { licenseWarning, now = DateTime.utc() } = notice;
  const title = record.status === 'refused' ? 'Emergency license request refused' : 'Weekend emergency trial license';
  const lines = [
    `:rotating_light: *${title}*`,
    `*Ticket:* ${link(record.ticketUrl)}`,
    `*Requested by:* ${mentionUser(record.requestedBySlackId)} (GitLab: ${escapeMrkdwn(record.requestedByUsername)})`,
    `*License:* ${TRIAL_DAYS}-day Ultimate trial, ${record.userCount.toLocaleString('en-US')} users, for ` +
      `${escapeMrkdwn(record.email)}`,
    `*Customer's license expiration date:* ${record.licenseExpiresOn}` +
      `${record.licenseKind === 'temporary' ? ' (a Sales-generated temporary extension: no grace period)' : ''}. ` +
      `${escapeMrkdwn(record.scopeSummary)}`,
    '*Checked:* Admin Area -> Overview -> Dashboard and License (Subscription) screenshots confirmed attached ' +
      'to the ticket; user count = the Maximum users figure of the License (Subscription) page.',
  ];
  const blocks: KnownBlock[] = [section(lines.join('\n'), 'request')];
  if (record.overrideJustification) {
    // The manager's words, quoted as plain text: no line of it can pass for one of the bot's.
    blocks.push(
      section(
        `:warning: *Scope check overridden* by ${mentionUser(record.requestedBySlackId)}. Justification:\n` +
          `${quoteUserText(record.overrideJustification)}`,
        'override',
      ),
    );
  }
  const status = [STATUS_LINE[record.status]];
  if (record.status === 'generated')
    status.push(`Trial license ${expiryWords(record.trialExpiresOn, now)}.`, deliveryLine(record));
  const reason = reasonOf(record);
  if (reason) status.push(`Reason: ${escapeMrkdwn(reason)}`);
  // Its own line, so that a delivery problem shown above never takes its place.
  const mismatch = mismatchWarning(record);
  if (mismatch) status.push(`:warning: ${escapeMrkdwn(mismatch)}`);
  const issueUrl = issueUrlOf(record);
  if (isPlainUrl(issueUrl)) status.push(`Record: ${link(issueUrl)}`);
  if (record.attempts > 0) status.push(`(retry ${record.attempts})`);
  blocks.push(section(status.join(' '), 'status'));
  const follow = record.status === 'generated' && notice.resolution ? lifecycleLine(notice.resolution) : undefined;
  if (follow) blocks.push(section(follow.line, 'lifecycle'));
  if (notice.ticketWrite) blocks.push(section(ticketWriteLine(notice.ticketWrite), 'zendesk'));
  if (licenseWarning && record.status === 'generated')
    blocks.push(section(`:warning: *${escapeMrkdwn(licenseWarning)}*`, LICENSE_WARNING_BLOCK));
  if (record.status === 'failed')
    blocks.push(actions('license_actions', button('Retry', RETRY_LICENSE_ACTION, record.id, 'primary')));
  blocks.push(context(`Request ${record.id} · started ${readerDateOfIso(record.createdAt)}`));
  const flag = record.overrideJustification ? ' [SCOPE OVERRIDDEN]' : '';
  return {
    text:
      `Emergency license ${record.status}${flag}: ${record.ticketUrl} (${record.userCount} users, ` +
      `${escapeMrkdwn(record.email)})${follow ? ` · ${follow.state}` : ''}`,
    blocks,
  };
}

/** The notice's block that warns of the development key. */
export const LICENSE_WARNING_BLOCK = 'license_warning';

export const licenseNoticeKey = (record: Pick<LicenseRequestRecord, 'id'>) => `license:${record.id}`;

/** The thread line of a copy that was sent (buildCopySentLine). */
export const copySentKey = (record: Pick<LicenseRequestRecord, 'id'>, copyId: string) =>
  `${licenseNoticeKey(record)}:copy:${copyId}`;

/** The thread line of a given-up hand-over (buildGivenUpLine): the first one's, or `copy`'s. */
export const givenUpKey = (record: Pick<LicenseRequestRecord, 'id'>, copy?: Pick<LicenseCopy, 'id'>) =>
  `${copy ? copySentKey(record, copy.id) : licenseNoticeKey(record)}:given-up`;

/** The thread reply under a request's notice each time someone fetches a copy of its license. */
export function buildCopySentLine(toSlackId: string): AuditMessage {
  const text = `:inbox_tray: A copy of this license was sent to ${mentionUser(toSlackId)} (via /license-status).`;
  return { text, blocks: [section(text, 'copy_sent')] };
}

/**
 * The thread reply under a request's notice when a hand-over of its license was given up: the
 * notice's words for it, mentioning whom it was for (the requester, or whoever asked for `copy`),
 * since an edit of the notice notifies nobody.
 */
export function buildGivenUpLine(
  record: GeneratedLicenseRequest,
  copy?: Pick<LicenseCopy, 'toSlackId' | 'delivery'>,
): AuditMessage {
  const handOver = copy ? { ...record, requestedBySlackId: copy.toSlackId, delivery: copy.delivery } : record;
  const text = `:x: ${copy ? 'A copy of this license: ' : ''}${deliveryLine(handOver)}`;
  return { text, blocks: [section(text, copy ? 'copy_given_up' : 'delivery_given_up')] };
}
