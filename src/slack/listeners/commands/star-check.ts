import { parseTicketReference } from '../../../policy/ticket';
import { unescapeSlackText } from '../../mrkdwn';
import type { AppServices } from '../../services';
import { buildStarCheckModal } from '../../views/star-check-modal';
import { readableTicket, ticketLookupBlocks, updateWithTicket, type TicketLookup } from '../../zendesk-ticket';
import { openModal } from '../open-modal';
import type { CommandArgs } from '../args';

export function starCheckCommand(services: AppServices) {
  return async ({ ack, command, client, respond }: CommandArgs): Promise<void> => {
    await ack();
    const text = unescapeSlackText(command.text).trim();
    const ticket = parseTicketReference(text, services.config.zendeskBaseUrl);
    const state = { ticket: ticket.ok ? ticket.url : text || undefined, answers: {}, channelId: command.channel_id };
    // With Zendesk and a ticket: the first step shows the organization and subject once read.
    const readable = readableTicket(services.zendesk, state.ticket);
    const build = (lookup?: TicketLookup) =>
      buildStarCheckModal(state, services.now, 'UTC', undefined, ticketLookupBlocks(lookup, { brief: true }));
    const target = await openModal(
      client,
      command.trigger_id,
      build(readable ? { kind: 'reading' } : undefined),
      services.logger,
      {
        onExpired: (message) => respond({ response_type: 'ephemeral', text: message }),
      },
    );
    services.timeZones.warm(command.user_id);
    if (target && readable && services.zendesk)
      await updateWithTicket({
        zendesk: services.zendesk,
        ticket: readable,
        client,
        target,
        build,
        logger: services.logger,
      });
  };
}
