import type { RequestResolution } from '../store/lifecycle-types';
import type { TicketWrite } from '../store/ticket-write-types';
import type { LicenseRequestRecord, OutboxEntry, OutboxMessage } from '../store/types';
import { buildLicenseNotice, LICENSE_WARNING_BLOCK, licenseNoticeKey } from './messages/license-notice';
import { unescapeSlackText } from './mrkdwn';

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
      /** The message stored under an outbox key (store.outbox.get): what publish() compares with. */
      stored(key: string): Promise<OutboxEntry | undefined>;
      /** The request's license write on its Zendesk ticket (absent without Zendesk credentials). */
      licenseWrite?(requestId: string): Promise<TicketWrite | undefined>;
    },
  ) {}

  /**
   * Publishes the notice of `record`'s request as it is stored now; true when a new version was
   * enqueued. A notice the outbox already holds is left alone: a change that does not show (a
   * failed hand-over attempt before the give-up) would otherwise edit the Slack message for nothing.
   */
  async publish(record: LicenseRequestRecord): Promise<boolean> {
    let enqueued = false;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const stored = await this.deps.stored(licenseNoticeKey(record));
      const message = await this.build((await this.deps.latest(record.id)) ?? record, stored);
      if (stored && sameMessage(stored, message)) return enqueued;
      await this.deps.audit.publish(message);
      enqueued = true;
    }
    return enqueued;
  }

  private async build(record: LicenseRequestRecord, stored: OutboxEntry | undefined): Promise<OutboxMessage> {
    const generated = record.status === 'generated';
    const resolution = generated ? await this.deps.resolution(record.id) : undefined;
    const ticketWrite = generated ? await this.deps.licenseWrite?.(record.id) : undefined;
    // A license signed with the development key stays signed with it after a key is configured.
    const licenseWarning = this.deps.licenseWarning ?? postedLicenseWarning(stored);
    return {
      key: licenseNoticeKey(record),
      channel: this.deps.licensingChannel,
      ...buildLicenseNotice(record, { resolution, licenseWarning, ticketWrite }),
    };
  }
}

/**
 * Whether the outbox already holds `message` as its newest version. Blocks are compared as data:
 * PostgreSQL keeps them as JSONB, which gives an object's keys back in another order. Not the
 * channel: a posted message keeps its own, so a changed LICENSING_CHANNEL would otherwise make
 * every publish edit it again.
 */
const sameMessage = (stored: OutboxEntry, message: OutboxMessage): boolean =>
  stored.text === message.text && canonicalJson(stored.blocks) === canonicalJson(message.blocks);

const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );

/** The license warning a posted notice shows (its `license_warning` block), as the builder was given it. */
function postedLicenseWarning(stored: OutboxEntry | undefined): string | undefined {
  const block = (stored?.blocks as { block_id?: string; text?: { text?: string } }[] | undefined)?.find(
    (candidate) => candidate.block_id === LICENSE_WARNING_BLOCK,
  );
  const escaped = block?.text?.text?.match(/^:warning: \*(.*)\*$/s)?.[1];
  return escaped === undefined ? undefined : unescapeSlackText(escaped);
}
