import type { App } from '@slack/bolt';
import type { AppServices } from '../../services';
import { taken } from '../unhandled';
import { appHomeOpened } from './app-home-opened';

/** The Events API events the manifest subscribes to. */
export function register(app: App, services: AppServices): void {
  app.event('app_home_opened', taken, appHomeOpened(services));
}
