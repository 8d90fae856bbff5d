import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { LICENSE_NEEDS_LR_PATTERN, LICENSE_RESOLVED_PATTERN } from '../../messages/license-lifecycle-ids';
import { RESEND_LICENSE_ACTION, RETRY_LICENSE_ACTION } from '../../messages/license-notice';
import type { AppServices } from '../../services';
import { OPEN_STAR_CHECK_ACTION } from '../../views/app-home';
import { OPEN_EMERGENCY_LICENSE_ACTION, STAR_DISPATCH_ACTION } from '../../views/star-check-ids';
import { validActionView } from '../middleware';
import { licenseFollowUpButton } from './license-follow-up';
import { openEmergencyLicense } from './open-emergency-license';
import { openStarCheck } from './open-star-check';
import { resendLicense } from './resend-license';
import { retryLicense } from './retry-license';
import { starCheckRefresh } from './star-check-refresh';

/** One listener per button or dispatching input. */
export function register(app: App, services: AppServices): void {
  const button = (actionId: string | RegExp) => ({ type: 'block_actions' as const, action_id: actionId });
  app.action<BlockAction<ButtonAction>>(
    button(OPEN_EMERGENCY_LICENSE_ACTION),
    validActionView,
    openEmergencyLicense(services),
  );
  app.action<BlockAction<ButtonAction>>(button(RETRY_LICENSE_ACTION), validActionView, retryLicense(services));
  app.action<BlockAction<ButtonAction>>(button(RESEND_LICENSE_ACTION), validActionView, resendLicense(services));
  app.action<BlockAction>(
    { type: 'block_actions', action_id: STAR_DISPATCH_ACTION },
    validActionView,
    starCheckRefresh(services),
  );
  // The trial follow-up buttons of the reminder, the DM and App Home rows (`license_resolved` and
  // `license_resolved:<row>`), and App Home's STAR check button.
  app.action<BlockAction<ButtonAction>>(
    button(LICENSE_RESOLVED_PATTERN),
    validActionView,
    licenseFollowUpButton(services, 'resolved'),
  );
  app.action<BlockAction<ButtonAction>>(
    button(LICENSE_NEEDS_LR_PATTERN),
    validActionView,
    licenseFollowUpButton(services, 'needs_lr'),
  );
  app.action<BlockAction<ButtonAction>>(button(OPEN_STAR_CHECK_ACTION), openStarCheck(services));
}
