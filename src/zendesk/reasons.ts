/**
 * Failed Zendesk calls in the bot's own words, one line a person can act on. Never quotes Zendesk's
 * answer (which can echo customer text) and never names a secret.
 */
import type { ZendeskFailure } from './client';

/** One plain line a person can act on, for a failed Zendesk call about `what` ("ticket 123"). */
export function failureReason(failure: ZendeskFailure, what: string): string {
  switch (failure.kind) {
    case 'foreign-ticket':
      return failure.message;
    case 'not-found':
      return `Zendesk did not find ${what}, or the bot's Zendesk user cannot see it.`;
    case 'forbidden':
      return `The bot's Zendesk user has no permission to read ${what}.`;
    case 'unauthorized':
      return "Zendesk refused the bot's credentials; tell whoever runs the bot.";
    case 'rate-limited':
      return failure.retryAfterSeconds !== undefined
        ? `Zendesk is rate-limiting the bot; try again in ${failure.retryAfterSeconds} s.`
        : 'Zendesk is rate-limiting the bot; try again in a minute.';
    case 'unavailable':
      return 'Zendesk is unavailable right now.';
    case 'timeout':
      return 'Zendesk was too slow to answer.';
    case 'invalid-answer':
      return `Zendesk's answer about ${what} could not be read.`;
    case 'rejected':
      return `Zendesk refused the request about ${what}.`;
  }
}
