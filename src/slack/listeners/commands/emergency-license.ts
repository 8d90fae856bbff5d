import { unescapeSlackText } from '../../mrkdwn';
import type { AppServices } from '../../services';
import { openEmergencyForm } from '../emergency-form';
import type { CommandArgs } from '../args';

export function emergencyLicenseCommand(services: AppServices) {
  return async ({ ack, command, client, respond }: CommandArgs): Promise<void> => {
    await ack();
    const prefill = await services.licenseIntake.prefill(command.user_id, unescapeSlackText(command.text));
    const { fromZendesk } = await openEmergencyForm(
      services,
      client,
      command.trigger_id,
      prefill,
      { channelId: command.channel_id },
      { onExpired: (message) => respond({ response_type: 'ephemeral', text: message }) },
    );
    services.timeZones.warm(command.user_id);
    await fromZendesk;
  };
}
