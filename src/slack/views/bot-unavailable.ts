import type { Unanswered } from '../../ops/ack-guard';
import { unansweredText } from '../messages/bot-unavailable';
import type { ModalView } from './blocks';

/** The modal a form submission is replaced with when the ack guard answers in the listener's place. */
export const UNANSWERED_CALLBACKS = { database: 'bot_unavailable', failed: 'bot_failed' } as const;

const TITLES: Record<Unanswered, string> = { database: 'Try again shortly', failed: 'Something went wrong' };

/**
 * Written out rather than through `modal()` and `section()`, which add an empty private_metadata and a
 * block id: Slack keeps receiving this answer exactly as it always has (tests/ops/ack-guard.test.ts).
 */
export function buildUnansweredView(why: Unanswered): ModalView {
  return {
    type: 'modal',
    callback_id: UNANSWERED_CALLBACKS[why],
    title: { type: 'plain_text', text: TITLES[why] },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: unansweredText(why) } }],
  };
}
