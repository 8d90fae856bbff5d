import type { App } from '@slack/bolt';
import type { AppServices } from '../services';
import * as actions from './actions';
import * as commands from './commands';
import * as events from './events';
import * as shortcuts from './shortcuts';
import * as views from './views';

/**
 * Every listener the bot has, one registration per handler (the Bolt templates' layout). Bolt runs
 * each listener's matchers on every request: against one routing listener per kind, the extra
 * listeners measured about 40–46 µs CPU per command, 1.5–3% of a /star-check (see the README).
 */
export function registerListeners(app: App, services: AppServices): void {
  commands.register(app, services);
  shortcuts.register(app, services);
  views.register(app, services);
  actions.register(app, services);
  events.register(app, services);
}
