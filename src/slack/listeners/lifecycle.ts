import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { LICENSE_NEEDS_LR_PATTERN, LICENSE_RESOLVED_PATTERN } from '../messages/license-lifecycle-ids';
import { publishDashboard } from '../lifecycle-runtime';
import type { AppServices } from '../services';
import { OPEN_STAR_CHECK_ACTION } from '../views/app-home';
import { licenseFollowUpButton } from './actions/license-follow-up';
import { openStarCheck } from './actions/open-star-check';
import { validActionView } from './middleware';

export type LifecycleServices = AppServices;

/**
 * Everything issue 12 adds to the Slack surface, in one place so it can be registered from
 * anywhere: the Resolved / Needs L&R buttons (reminder, DM, App Home rows: the patterns match
 * `license_resolved` and `license_resolved:<row>`), App Home's STAR check button, and the App
 * Home dashboard on app_home_opened.
 */
export function registerLifecycleListeners(app: App, services: LifecycleServices): void {
  const resolved = licenseFollowUpButton(services, 'resolved');
  const needsLr = licenseFollowUpButton(services, 'needs_lr');
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: LICENSE_RESOLVED_PATTERN }, validActionView, resolved);
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: LICENSE_NEEDS_LR_PATTERN }, validActionView, needsLr);
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: OPEN_STAR_CHECK_ACTION }, openStarCheck(services));

  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await publishDashboard(client, services.store, services.config.licensingChannel, event.user, services.now());
  });
}
