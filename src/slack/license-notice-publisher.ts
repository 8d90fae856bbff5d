import type { RequestResolution } from '../store/lifecycle-types';
import type { TicketWrite } from '../store/ticket-write-types';
import type { LicenseRequestRecord, OutboxMessage } from '../store/types';
import { buildLicenseNotice, licenseNoticeKey } from './messages/license-notice';

/**
 * Posts (or updates in place) the licensing-channel notice of a request: the one writer of the
 * outbox key `license:<id>`, for the license workflow and the trial follow-up alike. The notice is
 * built from the whole state each time (record and follow-up), so the order of the callers never
 * decides what the channel shows.
 */
export class LicenseNoticePublisher {
  constructor(
    private readonly deps: {
      audit: { publish(message: OutboxMessage): Promise<void> };
      /** The trial's follow-up state (store.lifecycle.resolution). */
      resolution(requestId: string): Promise<RequestResolution>;
      licensingChannel: string;
      licenseWarning?: string;
      /** The request's license write on its Zendesk ticket (absent without Zendesk credentials). */
      licenseWrite?(requestId: string): Promise<TicketWrite | undefined>;
    },
  ) {}

  /** `resolution` when the caller has just read it; otherwise read here for a generated trial. */
  async publish(record: LicenseRequestRecord, resolution?: RequestResolution): Promise<void> {
    const followUp = resolution ?? (record.status === 'generated' ? await this.deps.resolution(record.id) : undefined);
    const ticketWrite = record.status === 'generated' ? await this.deps.licenseWrite?.(record.id) : undefined;
    await this.deps.audit.publish({
      key: licenseNoticeKey(record),
      channel: this.deps.licensingChannel,
      ...buildLicenseNotice(record, { resolution: followUp, licenseWarning: this.deps.licenseWarning, ticketWrite }),
    });
  }
}
