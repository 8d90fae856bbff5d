import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { parseTicketReference } from '../../../policy/ticket';
import { buildLicenseStatusMessage } from '../../messages/license-status';
import type { AppServices } from '../../services';

/** `/license-status <ticket or email>`: answers "the customer says the email never arrived". */
export function licenseStatusCommand(services: AppServices) {
  return async ({ ack, command }: AllMiddlewareArgs & SlackCommandMiddlewareArgs): Promise<void> => {
    const query = command.text.trim().replace(/^<mailto:([^|>]+)(\|[^>]*)?>$/, '$1');
    if (!query) {
      await ack({ response_type: 'ephemeral', text: 'Usage: `/license-status <Zendesk ticket URL or number | customer email>`' });
      return;
    }
    let records;
    if (z.email().safeParse(query).success) {
      records = await services.store.findByEmail(query.toLowerCase(), 25);
    } else {
      const ticket = parseTicketReference(query, services.config.zendeskBaseUrl);
      if (!ticket.ok) {
        await ack({ response_type: 'ephemeral', text: `:warning: ${ticket.error} You can also look up a customer email.` });
        return;
      }
      records = await services.store.findByTicket(ticket.url, 25);
    }
    // The lookups are indexed reads, fast enough to answer in the ack itself (10 requests shown at most).
    const events = new Map(await Promise.all(records.slice(0, 10).map(async (r) => [r.id, await services.store.lifecycle.listEvents(r.id)] as const)));
    await ack({ response_type: 'ephemeral', ...buildLicenseStatusMessage(query, records, events) } as never);
  };
}
