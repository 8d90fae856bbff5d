import { parseTicketReference } from '../../../policy/ticket';
import type { AppServices } from '../../services';
import { buildStarCheckModal } from '../../views/star-check-modal';
import { openModal } from '../open-modal';
import type { CommandArgs } from '../args';

export function starCheckCommand(services: AppServices) {
  return async ({ ack, command, client, respond }: CommandArgs): Promise<void> => {
    await ack();
    const text = command.text.trim();
    const ticket = parseTicketReference(text, services.config.zendeskBaseUrl);
    const view = buildStarCheckModal(
      { ticket: ticket.ok ? ticket.url : text || undefined, answers: {}, channelId: command.channel_id },
      services.now,
    );
    await openModal(client, command.trigger_id, view, services.logger, {
      onExpired: (message) => respond({ response_type: 'ephemeral', text: message }),
    });
    services.timeZones.warm(command.user_id);
  };
}
