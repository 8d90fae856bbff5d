import type { App } from '@slack/bolt';
import type { AppServices } from '../services';
import * as actions from './actions';
import * as commands from './commands';
import * as events from './events';
import { ListenerRouter } from './router';
import * as shortcuts from './shortcuts';
import { answerUnhandled } from './unhandled';
import * as views from './views';

/**
 * Every listener the bot has: one file per listener, one `register(app, services)` per folder, written as
 * for Bolt's App; a ListenerRouter runs them from one global middleware (router.ts says why).
 */
export function registerListeners(app: App, services: AppServices): void {
  const router = new ListenerRouter(answerUnhandled(services.logger));
  commands.register(router.listeners, services);
  shortcuts.register(router.listeners, services);
  views.register(router.listeners, services);
  actions.register(router.listeners, services);
  events.register(router.listeners, services);
  app.use(router.middleware);
}
