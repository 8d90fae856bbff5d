import { DateTime } from 'luxon';
import { expiryWords } from '../policy/time';
import { randomUUID } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { OutboxDispatcher } from '../audit/outbox-dispatcher';
import type { GeneratedLicenseRequest, LicenseCopy, LicenseRequestRecord } from '../store/types';
import type { DeliverOptions, LicenseNotifier } from '../workflows/emergency-license';
import type { LicenseNoticePublisher } from './license-notice-publisher';
import {
  buildCopySentLine,
  buildGivenUpLine,
  copySentKey,
  givenUpKey,
  licenseNoticeKey,
} from './messages/license-notice';
import { readerDateOfIso } from './messages/reader-date';
import { escapeMrkdwn, link } from './mrkdwn';

/** What the notifier works with (see SlackLicenseNotifier). */
export interface SlackLicenseNotifierDeps {
  /** The license DMs' client. */
  client: WebClient;
  /** The channel notice's one writer. */
  notice: Pick<LicenseNoticePublisher, 'publish'>;
  /** Thread lines (a copy was sent; a hand-over was given up). */
  audit: Pick<OutboxDispatcher, 'publish'>;
  licensingChannel: string;
  logger: Logger;
  onStatus?: (status: LicenseRequestRecord['status']) => void;
  licenseWarning?: string;
  /** Bound on the upload of the file's bytes (the Web API client's timeout bounds the API calls). */
  uploadTimeoutMs?: number;
  /** POSTs the file's bytes to the upload URL Slack gave (default: fetch, bounded by uploadTimeoutMs). */
  uploadBytes?: (url: string, bytes: Uint8Array) => Promise<void>;
}

/** Slack side effects of the emergency license workflow: the channel notice and the file in a DM. */
export class SlackLicenseNotifier implements LicenseNotifier {
  private readonly client: WebClient;
  private readonly logger: Logger;

  constructor(private readonly options: SlackLicenseNotifierDeps) {
    this.client = options.client;
    this.logger = options.logger;
  }

  async recordChanged(record: LicenseRequestRecord): Promise<void> {
    this.options.onStatus?.(record.status);
    await this.options.notice.publish(record);
  }

  private readonly uploadBytes = async (url: string, bytes: Uint8Array): Promise<void> => {
    const uploaded = await fetch(url, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
      signal: AbortSignal.timeout(this.options.uploadTimeoutMs ?? 30_000),
    });
    await uploaded.arrayBuffer().catch(() => undefined);
    if (!uploaded.ok) throw new Error(`uploading the license file failed: HTTP ${uploaded.status}`);
  };

  /** A line in the request's thread (through the outbox, like the notice): who got a copy. */
  async copySent(record: LicenseRequestRecord, toSlackId: string, copyId?: string): Promise<void> {
    await this.options.audit.publish({
      key: copySentKey(record, copyId ?? randomUUID()),
      channel: this.options.licensingChannel,
      threadOfKey: licenseNoticeKey(record),
      ...buildCopySentLine(toSlackId),
    });
  }

  /**
   * A line in the request's thread, mentioning whom the license was for: it never came, and where
   * it is. Keyed by the request (the first hand-over) or the copy, so saying it again says it once.
   */
  async handOverGivenUp(record: GeneratedLicenseRequest, copy?: LicenseCopy): Promise<void> {
    await this.options.audit.publish({
      key: givenUpKey(record, copy),
      channel: this.options.licensingChannel,
      threadOfKey: licenseNoticeKey(record),
      ...buildGivenUpLine(record, copy),
    });
  }

  /**
   * DMs the engineer the license file (or where the adapter put it) to attach to the ticket. The
   * file goes up in the three steps of Slack's upload (URL, bytes, complete) rather than through
   * filesUploadV2, so that `fence` runs right before the one call that makes the DM visible
   * (files.completeUploadExternal, or chat.postMessage): work that lost its lease sends nothing.
   */
  async deliver(record: GeneratedLicenseRequest, options: DeliverOptions = {}): Promise<void> {
    const fence = options.fence ?? ((): Promise<{ replacesCopyOf?: string }> => Promise.resolve({}));
    const dm = await this.client.conversations.open({ users: record.requestedBySlackId });
    const channel = dm.channel?.id;
    if (!channel) throw new Error('conversations.open returned no channel');
    const intro = (replacesCopyOf: string | undefined) =>
      (replacesCopyOf
        ? `:repeat: *This copy replaces an earlier one* (sent ${readerDateOfIso(replacesCopyOf)}, whose hand-over ` +
          `was interrupted): if you got both, they are the same license; use either.\n`
        : '') +
      `:key: Your 10-day Ultimate trial license for ${link(record.ticketUrl)} (` +
      `${record.userCount.toLocaleString('en-US')} users, ${escapeMrkdwn(record.email)}) ` +
      `${expiryWords(record.trialExpiresOn, DateTime.utc())}. Attach it to the ticket and reply to the customer.` +
      (this.options.licenseWarning ? `\n:warning: *${this.options.licenseWarning}*` : '');
    let replacesCopyOf: string | undefined;
    if (record.licenseFile) {
      const filename = `${record.id}.gitlab-license`;
      const bytes = Buffer.from(record.licenseFile, 'utf8');
      const target = await this.client.files.getUploadURLExternal({ filename, length: bytes.length });
      if (!target.upload_url || !target.file_id) throw new Error('files.getUploadURLExternal returned no upload URL');
      await (this.options.uploadBytes ?? this.uploadBytes)(target.upload_url, new Uint8Array(bytes));
      ({ replacesCopyOf } = await fence());
      await this.client.files.completeUploadExternal({
        files: [{ id: target.file_id, title: `Emergency trial license (${record.userCount} users)` }],
        channel_id: channel,
        initial_comment: intro(replacesCopyOf),
      });
    } else {
      const where = record.issueUrl ? ` The license copy is in ${link(record.issueUrl)}.` : '';
      ({ replacesCopyOf } = await fence());
      await this.client.chat.postMessage({ channel, text: `${intro(replacesCopyOf)}${where}`, unfurl_links: false });
    }
    this.logger.info(
      { requestId: record.id, ...(replacesCopyOf ? { replacesCopyOf } : {}) },
      'license handed to the engineer',
    );
  }
}
