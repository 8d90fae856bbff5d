import type { FakeZendesk, FaultSpec } from '../../testkit/fake-zendesk';

/**
 * Each way a ticket cannot be read (404, 403, 429 with Retry-After, 503, slower than the read
 * budget), as `it.each` rows: the name, a step that arranges it on the fake Zendesk and returns the
 * ticket number, and the words the bot's one line says. `zendesk` is read when a row runs (the fake
 * is started in `beforeAll`).
 */
export function unreadableTickets(zendesk: () => FakeZendesk): [string, () => number, RegExp][] {
  const failing = (fault: Omit<FaultSpec, 'path'>) => () => {
    const ticket = zendesk().addTicket({ requester: { email: 'x@acme.example' } });
    zendesk().fail({ path: new RegExp(`/tickets/${ticket.id}$`), ...fault });
    return ticket.id;
  };
  return [
    ['404', () => 999_999, /did not find ticket 999999/],
    [
      '403',
      () => {
        const ticket = zendesk().addTicket({ requester: { email: 'x@acme.example' } });
        zendesk().forbiddenTickets.add(ticket.id);
        return ticket.id;
      },
      /no permission to read ticket/,
    ],
    ['429', failing({ status: 429, retryAfter: 30 }), /rate-limiting the bot; try again in 30 s/],
    ['503', failing({ status: 503 }), /Zendesk is unavailable right now/],
    ['slow', failing({ delayMs: 4000 }), /too slow/],
  ];
}
