import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseTicketReference } from '../../../policy/ticket';
import type { AppServices } from '../../services';
import { buildEmergencyLicenseModal } from '../../views/emergency-license-modal';
import { openModal } from '../open-modal';

/** Prefill shared by every entry point: the ticket if known, and the engineer's remembered username. */
export async function emergencyPrefill(services: AppServices, userId: string, ticketText: string | undefined, expirationDate?: string) {
  const text = (ticketText ?? '').trim();
  const ticket = text ? parseTicketReference(text, services.config.zendeskBaseUrl) : undefined;
  const { gitlabUsername } = await services.store.preferences.getPreferences(userId);
  return { ticket: ticket?.ok ? ticket.url : text || undefined, username: gitlabUsername, expirationDate };
}

export function emergencyLicenseCommand(services: AppServices) {
  return async ({ ack, command, client, respond }: AllMiddlewareArgs & SlackCommandMiddlewareArgs): Promise<void> => {
    await ack();
    const prefill = await emergencyPrefill(services, command.user_id, command.text);
    await openModal(client, command.trigger_id, buildEmergencyLicenseModal(prefill, { channelId: command.channel_id }), services.logger, {
      onExpired: (message) => respond({ response_type: 'ephemeral', text: message }),
    });
    services.timeZones.warm(command.user_id);
  };
}
