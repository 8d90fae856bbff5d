import type { WebClient } from '@slack/web-api';
import type { OutboxEntry } from '../store/types';
import type { NoticeLink } from '../workflows/ticket-writer';

/**
 * The permalink of a Slack message the bot posted through the audit outbox (by its key), for the
 * notes on Zendesk tickets: not posted yet, or posted with its link (none when Slack would not say).
 */
export function noticeLinks(
  outbox: { get(key: string): Promise<OutboxEntry | undefined> },
  slack: Pick<WebClient, 'chat'>,
  logger: { warn(obj: object, msg: string): void },
): (key: string) => Promise<NoticeLink> {
  return async (key) => {
    const entry = await outbox.get(key);
    if (!entry?.ts) return { posted: false };
    try {
      const answer = await slack.chat.getPermalink({ channel: entry.channel, message_ts: entry.ts });
      return { posted: true, url: answer.permalink };
    } catch (error) {
      logger.warn({ key, error: (error as Error).message }, 'no permalink for a Slack notice; the note goes without');
      return { posted: true };
    }
  };
}
