import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { isPlatformError, slackErrorCode } from '../../shared/slack-errors';
import type { ModalView } from '../views/blocks';

/**
 * Opens (or pushes) a modal with the trigger_id. The trigger expires 3 seconds after the user's
 * action, so this is always the first Web API call a listener makes.
 */
export async function openModal(
  client: WebClient,
  triggerId: string,
  view: ModalView,
  logger: Logger,
  opts: { push?: boolean; onExpired?: (message: string) => Promise<unknown> } = {},
): Promise<string | undefined> {
  try {
    const result = opts.push
      ? await client.views.push({ trigger_id: triggerId, view: view })
      : await client.views.open({ trigger_id: triggerId, view: view });
    return result.view?.id;
  } catch (error) {
    logger.warn({ error: slackErrorCode(error) }, 'could not open the modal');
    if (opts.onExpired) {
      await opts
        .onExpired(
          isPlatformError(error, 'expired_trigger_id')
            ? ':hourglass: Slack took too long to open the form. Please run the command again.'
            : ':warning: The form could not be opened. Please try again in a minute.',
        )
        .catch(() => undefined);
    }
    return undefined;
  }
}
