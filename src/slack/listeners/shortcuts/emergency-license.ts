import type { AppServices } from '../../services';
import { buildEmergencyLicenseModal, buildNotAllowedView } from '../../views/emergency-license-modal';
import { openModal } from '../open-modal';
import type { ShortcutArgs } from '../args';

/** The global shortcut has no channel to answer in, so a refusal is shown as a modal too. */
export function emergencyLicenseShortcut(services: AppServices) {
  return async ({ ack, shortcut, client }: ShortcutArgs): Promise<void> => {
    await ack();
    const userId = shortcut.user.id;
    const decision = await services.authz.check(userId, 'request_license');
    const view = decision.allowed
      ? buildEmergencyLicenseModal(await services.licenseIntake.prefill(userId, undefined))
      : buildNotAllowedView(decision.reason);
    await openModal(client, shortcut.trigger_id, view, services.logger);
    services.timeZones.warm(userId);
  };
}
