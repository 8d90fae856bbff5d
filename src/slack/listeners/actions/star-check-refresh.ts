import { readStarCheckState } from '../../forms/star-check-form';
import { isPlatformError } from '../../../shared/slack-errors';
import type { AppServices } from '../../services';
import { updateView } from '../../view-calls';
import { buildStarCheckModal } from '../../views/star-check-modal';
import { keptTicketBlocks } from '../../zendesk-ticket';
import type { BlockActionArgs } from '../args';

/** An answer that changes the path was picked: show the questions that path needs now. */
export function starCheckRefresh(services: AppServices) {
  return async ({ ack, body, client }: BlockActionArgs): Promise<void> => {
    await ack();
    const view = body.view;
    if (!view) return;
    const state = readStarCheckState(view);
    const timeZone = await services.timeZones.zoneOf(body.user.id);
    try {
      await updateView(
        client,
        { viewId: view.id, hash: view.hash },
        buildStarCheckModal(state, services.now, timeZone, undefined, keptTicketBlocks(view)),
      );
    } catch (error) {
      // hash_conflict: a newer answer already refreshed the modal; that refresh wins.
      if (!isPlatformError(error, 'hash_conflict')) throw error;
    }
  };
}
