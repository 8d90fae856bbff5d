import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { publishDashboard } from '../../lifecycle-runtime';
import type { AppServices } from '../../services';

/** App Home is a dashboard of the viewer's open trials, recent requests and STAR checks. */
export function appHomeOpened(services: AppServices) {
  return async ({ event, client }: AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>): Promise<void> => {
    if (event.tab !== 'home') return;
    await publishDashboard(client, services.store, services.config.licensingChannel, event.user, services.now());
  };
}
