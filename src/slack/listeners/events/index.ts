import type { App } from '@slack/bolt';
import type { AppServices } from '../../services';
import { appHomeOpened } from './app-home-opened';

export function register(app: App, services: AppServices): void {
  app.event('app_home_opened', appHomeOpened(services));
}
