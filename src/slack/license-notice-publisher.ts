import type { RequestResolution } from '../store/lifecycle-types';
import type { TicketWrite } from '../store/ticket-write-types';
import type { LicenseRequestRecord, OutboxEntry, OutboxMessage } from '../store/types';
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
      /** The message stored under an outbox key (store.outbox.get): what republish() compares with. */
      stored(key: string): Promise<OutboxEntry | undefined>;
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

  /**
   * Publishes the notice only when the stored one differs from what the stored state calls for
   * (a change whose publish was lost to a crash); true when it did. An unchanged notice is left
   * alone: publishing it again would edit the Slack message for nothing.
   */
  async republish(record: LicenseRequestRecord): Promise<boolean> {
    const message = await this.build((await this.deps.latest(record.id)) ?? record);
    const stored = await this.deps.stored(message.key);
    if (stored && sameMessage(stored, message)) return false;
    await this.publish(record);
    return true;
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

/**
 * Whether the outbox already holds `message` as its newest version (blocks compared as stored:
 * JSON). Not the channel: a posted message keeps its own, so a changed LICENSING_CHANNEL would
 * otherwise make every pass publish it again.
 */
const sameMessage = (stored: OutboxEntry, message: OutboxMessage): boolean =>
  stored.text === message.text && JSON.stringify(stored.blocks) === JSON.stringify(message.blocks);
