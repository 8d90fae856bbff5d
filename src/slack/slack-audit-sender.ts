import type { WebClient } from '@slack/web-api';
import type { AuditSender } from '../audit/outbox-dispatcher';
import type { OutboxEntry } from '../store/types';

export const SUPERSEDES_NOTE =
  ':information_source: Posted again after an interruption: if an earlier copy of this message shows an older status, this one replaces it and is the one kept up to date.';

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

  private async post(entry: OutboxEntry, threadTs?: string): Promise<{ ts: string }> {
    const blocks = entry.blocks as never[];
    if (entry.ts) {
      await this.client.chat.update({ channel: entry.channel, ts: entry.ts, text: entry.text, blocks });
      return { ts: entry.ts };
    }
    // A previous post of this entry may have reached the channel without the bot seeing Slack's
    // answer (crash, timeout): this copy says it is the one kept up to date.
    const superseding = entry.postStartedAt
      ? [...blocks, { type: 'context', block_id: 'supersedes', elements: [{ type: 'mrkdwn', text: SUPERSEDES_NOTE }] } as never]
      : blocks;
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
