import { DateTime } from 'luxon';
import { expiryWords } from '../policy/time';
import { randomUUID } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { OutboxDispatcher } from '../audit/outbox-dispatcher';
import type { GeneratedLicenseRequest, LicenseRequestRecord } from '../store/types';
import type { LicenseNotifier } from '../workflows/emergency-license';
import { buildCopySentLine, buildLicenseNotice, licenseNoticeKey } from './messages/license-notice';
import { escapeMrkdwn, link } from './mrkdwn';

/** Slack side effects of the emergency license workflow: the channel notice and the file in a DM. */
export class SlackLicenseNotifier implements LicenseNotifier {
  constructor(
    private readonly client: WebClient,
    private readonly audit: OutboxDispatcher,
    private readonly licensingChannel: string,
    private readonly logger: Logger,
    private readonly options: {
      onStatus?: (status: LicenseRequestRecord['status']) => void;
      licenseWarning?: string;
    } = {},
  ) {}

  async recordChanged(record: LicenseRequestRecord): Promise<void> {
    this.options.onStatus?.(record.status);
    await this.audit.publish({
      key: licenseNoticeKey(record),
      channel: this.licensingChannel,
      ...buildLicenseNotice(record, this.options.licenseWarning),
    });
  }

  /** A line in the request's thread (through the outbox, like the notice): who got a copy. */
  async copySent(record: LicenseRequestRecord, toSlackId: string): Promise<void> {
    await this.audit.publish({
      key: `${licenseNoticeKey(record)}:copy:${randomUUID()}`,
      channel: this.licensingChannel,
      threadOfKey: licenseNoticeKey(record),
      ...buildCopySentLine(toSlackId),
    });
  }

  /** DMs the engineer the license file (or where the adapter put it) to attach to the ticket. */
  async deliver(record: GeneratedLicenseRequest): Promise<void> {
    const dm = await this.client.conversations.open({ users: record.requestedBySlackId });
    const channel = dm.channel?.id;
    if (!channel) throw new Error('conversations.open returned no channel');
    const intro =
      `:key: Your 10-day Ultimate trial license for ${link(record.ticketUrl)} (` +
      `${record.userCount.toLocaleString('en-US')} users, ${escapeMrkdwn(record.email)}) ` +
      `${expiryWords(record.trialExpiresOn, DateTime.utc())}. Attach it to the ticket and reply to the customer.` +
      (this.options.licenseWarning ? `\n:warning: *${this.options.licenseWarning}*` : '');
    if (record.licenseFile) {
      await this.client.filesUploadV2({
        channel_id: channel,
        filename: `${record.id}.gitlab-license`,
        title: `Emergency trial license (${record.userCount} users)`,
        content: record.licenseFile,
        initial_comment: intro,
      });
    } else {
      const where = record.issueUrl ? ` The license copy is in ${link(record.issueUrl)}.` : '';
      await this.client.chat.postMessage({ channel, text: `${intro}${where}`, unfurl_links: false });
    }
    this.logger.info({ requestId: record.id }, 'license handed to the engineer');
  }
}
