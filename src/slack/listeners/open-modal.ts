import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { isPlatformError, slackErrorCode } from '../../shared/slack-errors';
import { openView, pushView, type ViewTarget } from '../view-calls';
import type { ModalView } from '../views/blocks';

/**
 * Opens (or pushes) a modal with the trigger_id. The trigger expires 3 seconds after the user's
 * action, so this is always the first Web API call a listener makes. Answers the view's id and hash
 * (for a later views.update), or undefined when it could not be opened.
 */
export async function openModal(
  client: WebClient,
  triggerId: string,
  view: ModalView,
  logger: Logger,
  opts: { push?: boolean; onExpired?: (message: string) => Promise<unknown> } = {},
): Promise<ViewTarget | undefined> {
  try {
    return opts.push ? await pushView(client, triggerId, view) : await openView(client, triggerId, view);
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
