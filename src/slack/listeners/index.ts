import type { App } from '@slack/bolt';
import type { AppServices } from '../services';
import * as actions from './actions';
import * as commands from './commands';
import * as events from './events';
import * as shortcuts from './shortcuts';
import * as views from './views';

/**
 * Every listener the bot has, one registration per handler (the Bolt templates' layout). Bolt runs
 * each listener's matcher on every request; measured with `npm run bench`, the extra listeners
 * cost well under the 5% CPU per command this layout was allowed (see the README).
 */
export function registerListeners(app: App, services: AppServices): void {
  commands.register(app, services);
  shortcuts.register(app, services);
  views.register(app, services);
  actions.register(app, services);
  events.register(app, services);
}
