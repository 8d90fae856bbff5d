import type { App } from '@slack/bolt';
import type { AppServices } from '../services';
import { buttonRoutes, inputRoutes } from './actions';
import { commandRoutes } from './commands';
import { dispatch } from './dispatch';
import { eventRoutes } from './events';
import { shortcutRoutes } from './shortcuts';
import { submissionRoutes } from './views';

/**
 * Every handler the bot has: one file per handler, one route table per folder, and one global
 * middleware that hands each request to its handler (dispatch.ts says why, with the benchmark's figures).
 */
export function registerListeners(app: App, services: AppServices): void {
  app.use(
    dispatch({
      commands: commandRoutes(services),
      shortcuts: shortcutRoutes(services),
      submissions: submissionRoutes(services),
      buttons: buttonRoutes(services),
      inputs: inputRoutes(services),
      events: eventRoutes(services),
    }),
  );
}
