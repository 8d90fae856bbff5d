import type { WebClient } from '@slack/web-api';
import type { AuditSender } from '../audit/outbox-dispatcher';
import type { OutboxEntry } from '../store/types';

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
    const result = await this.client.chat.postMessage({
      channel: entry.channel,
      text: entry.text,
      blocks,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!result.ts) throw new Error('chat.postMessage returned no ts');
    return { ts: result.ts };
  }
}
