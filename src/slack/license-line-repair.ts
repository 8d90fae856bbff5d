import type { AuditOutbox, LicenseRequestRecord, LicenseRequestRepository } from '../store/types';
import { RecentRequestsRepair, type RecentRequestsRepairDeps } from '../workflows/recent-requests-repair';
import type { LicenseNoticePublisher } from './license-notice-publisher';
import { copySentKey, givenUpKey, licenseNoticeKey } from './messages/license-notice';
import type { SlackLicenseNotifier } from './slack-license-notifier';

export interface SlackLineRepairDeps extends RecentRequestsRepairDeps {
  requests: Pick<LicenseRequestRepository, 'createdSince' | 'copiesOf'>;
  /** Whether a line's key is stored already (store.outbox). */
  outbox: Pick<AuditOutbox, 'get'>;
  notice: Pick<LicenseNoticePublisher, 'publish'>;
  notifier: Pick<SlackLicenseNotifier, 'copySent' | 'handOverGivenUp'>;
  logger: { warn(obj: object, msg: string): void };
}

/**
 * The repair of a request's Slack messages (see RecentRequestsRepair): its notice, edited when
 * the stored one no longer says the stored state; the thread line of a given-up first hand-over;
 * and each copy's line, given up or sent. A line is queued only when its key is not stored at
 * all: queueing a stored key again would edit a posted line for nothing.
 */
export class SlackLineRepair extends RecentRequestsRepair {
  readonly name = 'slack notice repair';

  constructor(private readonly deps: SlackLineRepairDeps) {
    super(deps);
  }

  protected async repair(record: LicenseRequestRecord): Promise<number> {
    const queued: string[] = [];
    if (await this.deps.notice.publish(record)) queued.push(licenseNoticeKey(record));
    for (const line of await this.linesOf(record)) {
      if (await this.deps.outbox.get(line.key)) continue;
      await line.say();
      queued.push(line.key);
    }
    // Usually a crash between the change and its message; also a change whose own queueing is under way.
    for (const key of queued)
      this.deps.logger.warn({ requestId: record.id, key }, 'queued a Slack message its event had not queued');
    return queued.length;
  }

  /** The thread lines `record`'s state calls for, each with how its event says it. */
  private async linesOf(record: LicenseRequestRecord): Promise<{ key: string; say: () => Promise<void> }[]> {
    if (record.status !== 'generated') return [];
    const { notifier } = this.deps;
    const lines =
      record.delivery.status === 'failed'
        ? [{ key: givenUpKey(record), say: () => notifier.handOverGivenUp(record) }]
        : [];
    for (const copy of await this.deps.requests.copiesOf(record.id)) {
      if (copy.delivery.status === 'failed')
        lines.push({ key: givenUpKey(record, copy), say: () => notifier.handOverGivenUp(record, copy) });
      if (copy.delivery.status === 'delivered')
        lines.push({
          key: copySentKey(record, copy.id),
          say: () => notifier.copySent(record, copy.toSlackId, copy.id),
        });
    }
    return lines;
  }
}
