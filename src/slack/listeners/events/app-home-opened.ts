import { publishDashboard } from '../../lifecycle-runtime';
import type { AppServices } from '../../services';
import type { EventArgs } from '../args';

/** App Home is a dashboard of the viewer's open trials, recent requests and STAR checks. */
export function appHomeOpened(services: AppServices) {
  return async ({ event, client }: EventArgs): Promise<void> => {
    if (event.type !== 'app_home_opened' || event.tab !== 'home') return;
    await publishDashboard(client, services.store, services.config.licensingChannel, event.user, services.now());
  };
}
