import { DateTime } from 'luxon';
import type { RequestResolution } from '../../store/lifecycle-types';
import type { LicenseRequestRecord } from '../../store/types';
import { mentionUser } from '../mrkdwn';
import { section } from '../views/blocks';
import { buildLicenseNotice } from './license-notice';
import { TRIAL_LAPSE_EFFECT } from './license-thread-lines';
import { readerDate } from './reader-date';
import type { AuditMessage } from './star-audit';

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

/**
 * The channel notice of a generated trial with its follow-up state ("Resolved", "Trial lapsed,
 * unresolved", "Needs L&R") right under the status, and in the fallback text. Same outbox key as
 * the plain notice, so publishing it updates the message in place.
 */
export function buildLifecycleNotice(
  record: LicenseRequestRecord,
  resolution: RequestResolution,
  licenseWarning?: string,
): AuditMessage {
  const notice = buildLicenseNotice(record, licenseWarning);
  const follow = record.status === 'generated' ? lifecycleLine(resolution) : undefined;
  if (!follow) return notice;
  const blocks = [...notice.blocks];
  const statusAt = blocks.findIndex((block) => (block as { block_id?: string }).block_id === 'status');
  blocks.splice(statusAt < 0 ? blocks.length : statusAt + 1, 0, section(follow.line, 'lifecycle'));
  return { text: `${notice.text} · ${follow.state}`, blocks };
}
