import type { App } from '@slack/bolt';
import type { AppServices } from '../services';
import * as actions from './actions';
import * as commands from './commands';
import * as events from './events';
import * as shortcuts from './shortcuts';
import * as views from './views';

/**
 * Every listener the bot has, one registration per handler (the Bolt templates' layout). Bolt runs
 * each listener's middleware chain on every request: against one routing listener per kind, the 16
 * listeners cost 1.4–2.7% CPU per /star-check under the benchmark's load (README, "Performance"),
 * under the 5% that would justify routing.
 */
export function registerListeners(app: App, services: AppServices): void {
  commands.register(app, services);
  shortcuts.register(app, services);
  views.register(app, services);
  actions.register(app, services);
  events.register(app, services);
}
