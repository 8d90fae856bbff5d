import { publishDashboard } from '../../dashboard';
import type { AppServices } from '../../services';
import type { EventArgs } from '../args';

/**
 * App Home is a dashboard of the open trials, the viewer's recent requests and STAR checks, for
 * members of the requester, override or STAR groups only; anyone else sees how to get access.
 */
export function appHomeOpened(services: AppServices) {
  return async ({ event, client }: EventArgs): Promise<void> => {
    if (event.type !== 'app_home_opened' || event.tab !== 'home') return;
    await publishDashboard(
      client,
      services.store,
      services.authz,
      services.config.licensingChannel,
      event.user,
      services.now(),
    );
  };
}
