import type { Unanswered } from '../../ops/ack-guard';

/** What the ack guard (src/ops/ack-guard.ts) tells a person whose request it answers in the listener's place. */
export const UNAVAILABLE_TEXT =
  ':warning: The bot could not answer this in time: most likely its database is not reachable right now. Please ' +
  'try again in a minute, and check /license-status first: part of what you sent may already be stored (it ' +
  'is then finished automatically).';

/** A listener failed while the database answers: a fault of the bot's own, not the database's. */
export const FAILED_TEXT =
  ':warning: Sorry, something went wrong on our side and the bot could not finish this. Part of it may already ' +
  'be done: check /license-status or the licensing channel before you try again.';

export const unansweredText = (why: Unanswered): string => (why === 'database' ? UNAVAILABLE_TEXT : FAILED_TEXT);

/** A slash command's ack in the listener's place: text only, so it shows even if blocks were the fault. */
export function buildUnansweredCommandReply(why: Unanswered): { response_type: 'ephemeral'; text: string } {
  return { response_type: 'ephemeral', text: unansweredText(why) };
}
