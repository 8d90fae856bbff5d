import type { RequestResolution } from '../store/lifecycle-types';
import type { TicketWrite } from '../store/ticket-write-types';
import type { LicenseRequestRecord, OutboxMessage } from '../store/types';
import { buildLicenseNotice, licenseNoticeKey } from './messages/license-notice';

/** Enough for a change that lands during a publish; a later change is published by whoever made it. */
const MAX_ROUNDS = 3;

/**
 * Posts (or updates in place) the licensing-channel notice of a request: the one writer of the
 * outbox key `license:<id>`, for the license workflow and the trial follow-up alike.
 *
 * The notice is built from the stored state, never from the caller's copy: two replicas may each
 * publish one request's notice (one generated the license and lost its lease, the other delivered
 * it), and the one that read first may enqueue last. So after each enqueue the notice is built
 * again from the store; when that differs, the newer one is enqueued. Whoever changes the request
 * after that check publishes after it, so the last message enqueued shows the latest state.
 */
export class LicenseNoticePublisher {
  constructor(
    private readonly deps: {
      audit: { publish(message: OutboxMessage): Promise<void> };
      /** The request as stored now (store.requests.getRequest). */
      latest(requestId: string): Promise<LicenseRequestRecord | undefined>;
      /** The trial's follow-up state (store.lifecycle.resolution). */
      resolution(requestId: string): Promise<RequestResolution>;
      licensingChannel: string;
      licenseWarning?: string;
      /** The request's license write on its Zendesk ticket (absent without Zendesk credentials). */
      licenseWrite?(requestId: string): Promise<TicketWrite | undefined>;
    },
  ) {}

  /** Publishes the notice of `record`'s request as it is stored now. */
  async publish(record: LicenseRequestRecord): Promise<void> {
    let enqueued: string | undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const message = await this.build((await this.deps.latest(record.id)) ?? record);
      const fingerprint = JSON.stringify(message);
      if (fingerprint === enqueued) return;
      await this.deps.audit.publish(message);
      enqueued = fingerprint;
    }
  }

  private async build(record: LicenseRequestRecord): Promise<OutboxMessage> {
    const generated = record.status === 'generated';
    const resolution = generated ? await this.deps.resolution(record.id) : undefined;
    const ticketWrite = generated ? await this.deps.licenseWrite?.(record.id) : undefined;
    return {
      key: licenseNoticeKey(record),
      channel: this.deps.licensingChannel,
      ...buildLicenseNotice(record, { resolution, licenseWarning: this.deps.licenseWarning, ticketWrite }),
    };
  }
}
