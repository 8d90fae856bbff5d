import type { WebClient } from '@slack/web-api';
import type { AuditSender } from '../audit/outbox-dispatcher';
import type { OutboxEntry } from '../store/types';

/** Posts audit entries with chat.postMessage, and later versions with chat.update. */
export class SlackAuditSender implements AuditSender {
  constructor(private readonly client: WebClient) {}

  async send(entry: OutboxEntry, threadTs?: string): Promise<{ ts: string }> {
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
