import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { LICENSE_NEEDS_LR_PATTERN, LICENSE_RESOLVED_PATTERN } from '../../messages/license-lifecycle-ids';
import { RESEND_LICENSE_ACTION, RETRY_LICENSE_ACTION } from '../../messages/license-notice';
import type { AppServices } from '../../services';
import { OPEN_STAR_CHECK_ACTION } from '../../views/app-home';
import { OPEN_EMERGENCY_LICENSE_ACTION, STAR_DISPATCH_ACTION } from '../../views/star-check-ids';
import { validActionView } from '../middleware';
import { RouteTable } from '../route-table';
import { licenseFollowUpButton } from './license-follow-up';
import { openEmergencyLicense } from './open-emergency-license';
import { openStarCheck } from './open-star-check';
import { resendLicense } from './resend-license';
import { retryLicense } from './retry-license';
import { starCheckRefresh } from './star-check-refresh';

/** The buttons, by action_id, behind one listener; the STAR check's path-changing inputs behind another. */
export function register(app: App, services: AppServices): void {
  const buttons = new RouteTable<AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>>()
    .add(OPEN_EMERGENCY_LICENSE_ACTION, openEmergencyLicense(services))
    .add(RETRY_LICENSE_ACTION, retryLicense(services))
    .add(RESEND_LICENSE_ACTION, resendLicense(services))
    // The trial follow-up buttons of the reminder, the DM and App Home rows (`license_resolved` and
    // `license_resolved:<row>`), and App Home's STAR check button.
    .add(LICENSE_RESOLVED_PATTERN, licenseFollowUpButton(services, 'resolved'))
    .add(LICENSE_NEEDS_LR_PATTERN, licenseFollowUpButton(services, 'needs_lr'))
    .add(OPEN_STAR_CHECK_ACTION, openStarCheck(services));
  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: buttons.ids },
    validActionView,
    buttons.listener(({ action }) => action.action_id),
  );
  // An answer that changes the STAR check's path (radio buttons, the deployment, the expiration date).
  app.action<BlockAction>(
    { type: 'block_actions', action_id: STAR_DISPATCH_ACTION },
    validActionView,
    starCheckRefresh(services),
  );
}
