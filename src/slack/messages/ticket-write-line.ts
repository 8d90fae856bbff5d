import type { TicketWrite } from '../../store/ticket-write-types';
import { escapeMrkdwn, link } from '../mrkdwn';

/** "Zendesk ticket 123" (the notice and /license-status link the ticket already), or its URL without a number. */
function ticketName(ticketUrl: string): string {
  const number = /\/tickets\/(\d+)(?:[/?#]|$)/.exec(ticketUrl)?.[1];
  return number ? `Zendesk ticket ${number}` : `Zendesk ticket ${link(ticketUrl)}`;
}

/**
 * The state of a request's license write on its ticket (issue 20), in one line for the channel
 * notice and /license-status: attached (and how), not yet (with why, and that it is retried), or
 * refused for good (with Zendesk's reason in the bot's words).
 */
export function ticketWriteLine(write: TicketWrite): string {
  const ticket = ticketName(write.ticketUrl);
  const how =
    write.payload.delivery === 'public-reply'
      ? 'license sent to the requester in a public reply'
      : 'license attached as an internal note';
  switch (write.state) {
    case 'done':
      return `:ticket: ${ticket}: ${how}.`;
    case 'failed':
      return `:x: License not attached to ${ticket}. ${escapeMrkdwn(write.lastError ?? 'Zendesk refused it.')}`;
    case 'pending':
      return write.attempts > 0 && write.lastError
        ? `:warning: License not on ${ticket} yet, retrying. ${escapeMrkdwn(write.lastError)}`
        : `:hourglass_flowing_sand: ${ticket}: attaching the license…`;
  }
}
