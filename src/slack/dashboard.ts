import type { WebClient } from '@slack/web-api';
import type { DateTime } from 'luxon';
import type { Store } from '../store/store';
import { loadHome } from '../workflows/app-home-dashboard';
import type { Permissions } from '../workflows/permissions';
import { publishHome } from './view-calls';
import { buildAppHome, buildAppHomeWithoutAccess } from './views/app-home';

/**
 * Publishes `userId`'s App Home (on app_home_opened and when a request they own changes): the
 * dashboard for a member of the requester, override or STAR groups (checked on every publish),
 * otherwise what the bot is and how to get access, with no request.
 */
export async function publishDashboard(
  client: WebClient,
  store: Store,
  permissions: Permissions,
  licensingChannel: string,
  userId: string,
  now: DateTime,
): Promise<void> {
  const home = await loadHome(store, permissions, userId, now);
  await publishHome(
    client,
    userId,
    home.access === 'granted'
      ? buildAppHome(licensingChannel, home.dashboard)
      : buildAppHomeWithoutAccess(licensingChannel, home.reason),
  );
}
