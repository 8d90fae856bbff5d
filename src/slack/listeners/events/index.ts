import type { AppServices } from '../../services';
import type { EventArgs } from '../dispatch';
import { RouteTable } from '../route-table';
import { appHomeOpened } from './app-home-opened';

/** The Events API events the manifest subscribes to, by event type. */
export function eventRoutes(services: AppServices): RouteTable<EventArgs> {
  return new RouteTable<EventArgs>().add('app_home_opened', appHomeOpened(services));
}
