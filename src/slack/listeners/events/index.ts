import type { AppServices } from '../../services';
import type { Listeners } from '../router';
import { appHomeOpened } from './app-home-opened';

/** The Events API events the manifest subscribes to. */
export function register(app: Listeners, services: AppServices): void {
  app.event('app_home_opened', appHomeOpened(services));
}
