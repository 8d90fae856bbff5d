import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { AppServices } from '../../services';
import { buildEmergencyLicenseModal } from '../../views/emergency-license-modal';
import { openModal } from '../open-modal';

export function emergencyLicenseCommand(services: AppServices) {
  return async ({ ack, command, client, respond }: AllMiddlewareArgs & SlackCommandMiddlewareArgs): Promise<void> => {
    await ack();
    const prefill = await services.emergency.prefill(command.user_id, command.text);
    await openModal(
      client,
      command.trigger_id,
      buildEmergencyLicenseModal(prefill, { channelId: command.channel_id }),
      services.logger,
      {
        onExpired: (message) => respond({ response_type: 'ephemeral', text: message }),
      },
    );
    services.timeZones.warm(command.user_id);
  };
}
