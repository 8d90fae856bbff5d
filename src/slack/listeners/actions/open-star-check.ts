import type { AppServices } from '../../services';
import { buildNotAllowedView } from '../../views/emergency-license-modal';
import { buildStarCheckModal } from '../../views/star-check-modal';
import { openModal } from '../open-modal';
import type { ButtonArgs } from '../args';

/** App Home's "STAR check" button: the /star-check modal without a ticket (a button cannot run a command). */
export function openStarCheck(services: AppServices) {
  return async ({ ack, body, client }: ButtonArgs): Promise<void> => {
    await ack();
    const decision = await services.authz.check(body.user.id, 'star_check');
    const view = decision.allowed
      ? buildStarCheckModal({ answers: {} }, services.now)
      : buildNotAllowedView(decision.reason);
    await openModal(client, body.trigger_id, view, services.logger);
    services.timeZones.warm(body.user.id);
  };
}
