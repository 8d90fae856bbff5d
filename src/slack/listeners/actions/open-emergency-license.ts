import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { readMetadata } from '../../forms/view-state';
import type { AppServices } from '../../services';
import { buildEmergencyLicenseModal, buildNotAllowedView } from '../../views/emergency-license-modal';
import type { EmergencyLicensePrefill } from '../../views/star-verdict';
import { emergencyPrefill } from '../commands/emergency-license';
import { openModal } from '../open-modal';

/** The verdict's "Open emergency license form" button: push the form, prefilled from the check. */
export function openEmergencyLicense(services: AppServices) {
  return async ({ ack, body, action, client }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const decision = await services.authz.check(userId, 'request_license');
    const given = readMetadata<Partial<EmergencyLicensePrefill>>(action.value, {});
    const expirationDate = typeof given.expirationDate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(given.expirationDate) ? given.expirationDate : undefined;
    const view = decision.allowed
      ? buildEmergencyLicenseModal(await emergencyPrefill(services, userId, typeof given.ticket === 'string' ? given.ticket : undefined, expirationDate))
      : buildNotAllowedView(decision.reason);
    // From the verdict modal the form is pushed on top of it; from App Home it opens on its own.
    await openModal(client, body.trigger_id, view, services.logger, { push: body.view?.type === 'modal' });
  };
}
