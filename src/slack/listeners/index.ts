import type { App } from '@slack/bolt';
import type { AppServices } from '../services';
import * as actions from './actions';
import * as commands from './commands';
import * as events from './events';
import * as shortcuts from './shortcuts';
import { answerUnhandled } from './unhandled';
import * as views from './views';

/** Every listener the bot has: one file per listener, one `register(app, services)` per folder. */
export function registerListeners(app: App, services: AppServices): void {
  app.use(answerUnhandled(services.logger));
  commands.register(app, services);
  shortcuts.register(app, services);
  views.register(app, services);
  actions.register(app, services);
  events.register(app, services);
}
