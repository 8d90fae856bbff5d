import type { AppServices } from '../../services';
import { buildEmergencyLicenseModal } from '../../views/emergency-license-modal';
import { openModal } from '../open-modal';
import type { CommandArgs } from '../args';

export function emergencyLicenseCommand(services: AppServices) {
  return async ({ ack, command, client, respond }: CommandArgs): Promise<void> => {
    await ack();
    const prefill = await services.licenseIntake.prefill(command.user_id, command.text);
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
