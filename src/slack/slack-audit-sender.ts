import type { WebClient } from '@slack/web-api';
import type { AuditSender } from '../audit/outbox-dispatcher';
import type { OutboxEntry } from '../store/types';
import { mrkdwn, type ContextBlock, type SlackBlock } from './views/blocks';

const isBlock = (value: unknown): value is SlackBlock =>
  typeof value === 'object' && value !== null && 'type' in value && typeof value.type === 'string';

/**
 * The outbox keeps a message's blocks as JSON (the store knows nothing of Slack), written by the
 * builders in ./messages. Read back, they are checked to be blocks (objects with a `type`) rather
 * than cast: a row that is not fails here, naming its entry, instead of as Slack's `invalid_blocks`.
 */
export function storedBlocks(entry: Pick<OutboxEntry, 'key' | 'blocks'>): SlackBlock[] {
  const { blocks } = entry;
  if (blocks.every(isBlock)) return blocks;
  throw new TypeError(
    `outbox entry ${entry.key}: block ${blocks.findIndex((b) => !isBlock(b))} is not a Block Kit block`,
  );
}

export const SUPERSEDES_NOTE =
  ':information_source: Posted again after an interruption: if an earlier copy of this message shows an older ' +
  'status, this one replaces it and is the one kept up to date.';

const supersedesNote: ContextBlock = { type: 'context', block_id: 'supersedes', elements: [mrkdwn(SUPERSEDES_NOTE)] };

/** Posts audit entries with chat.postMessage, and later versions with chat.update. */
export class SlackAuditSender implements AuditSender {
  /** Slack's answer to the last failed delivery, cleared by the next success (shown by /healthz). */
  lastError?: string;

  constructor(private readonly client: WebClient) {}

  async send(entry: OutboxEntry, threadTs?: string): Promise<{ ts: string }> {
    try {
      const result = await this.post(entry, threadTs);
      this.lastError = undefined;
      return result;
    } catch (error) {
      this.lastError = (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;
      throw error;
    }
  }

  /** The copy `ts` becomes a one-line note pointing at the copy kept up to date (`currentTs`). */
  async markOutOfDate(entry: OutboxEntry, ts: string, currentTs: string): Promise<void> {
    const current = `https://slack.com/archives/${entry.channel}/p${currentTs.replace('.', '')}`;
    const text =
      ':information_source: This copy is out of date (it was posted twice after an interruption): the current ' +
      `one is <${current}|here>.`;
    await this.client.chat.update({
      channel: entry.channel,
      ts,
      text,
      blocks: [{ type: 'section', block_id: 'out_of_date', text: mrkdwn(text) }],
    });
  }

  private async post(entry: OutboxEntry, threadTs?: string): Promise<{ ts: string }> {
    const blocks = storedBlocks(entry);
    if (entry.ts) {
      await this.client.chat.update({ channel: entry.channel, ts: entry.ts, text: entry.text, blocks });
      return { ts: entry.ts };
    }
    // A previous post of this entry may have reached the channel without the bot seeing Slack's
    // answer (crash, timeout): this copy says it is the one kept up to date.
    const superseding = entry.postStartedAt ? [...blocks, supersedesNote] : blocks;
    const result = await this.client.chat.postMessage({
      channel: entry.channel,
      text: entry.text,
      blocks: superseding,
      // Names the outbox entry on the message itself, so copies of one entry can be told apart
      // by anyone who can read the channel's history (the bot cannot: no channels:history).
      metadata: { event_type: 'lr_audit_entry', event_payload: { key: entry.key, version: entry.version } },
      ...(threadTs ? { thread_ts: threadTs } : {}),
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!result.ts) throw new Error('chat.postMessage returned no ts');
    return { ts: result.ts };
  }
}
