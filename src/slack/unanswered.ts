import type { Body, Unanswered } from '../ops/ack-guard';
import { buildUnansweredCommandReply } from './messages/bot-unavailable';
import { buildUnansweredView } from './views/bot-unavailable';

/**
 * The ack guard's answer in the listener's place (its `answer` option), for each kind of interaction:
 * undefined for those with nothing to show (a plain ack).
 */
export function unavailableResponse(body: Body, why: Unanswered): Record<string, unknown> | undefined {
  if (body.command) return buildUnansweredCommandReply(why);
  if (body.type === 'view_submission') return { response_action: 'update', view: buildUnansweredView(why) };
  return undefined;
}
