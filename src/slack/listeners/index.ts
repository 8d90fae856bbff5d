import type { App } from '@slack/bolt';
import type { AppServices } from '../services';
import * as actions from './actions';
import * as commands from './commands';
import * as events from './events';
import * as shortcuts from './shortcuts';
import * as views from './views';

/**
 * Every listener the bot has: one file per handler, and one Bolt listener per kind of request that
 * routes to them by ID (route-table.ts says why, with the benchmark's figures).
 */
export function registerListeners(app: App, services: AppServices): void {
  commands.register(app, services);
  shortcuts.register(app, services);
  views.register(app, services);
  actions.register(app, services);
  events.register(app, services);
}
