import type { BlockAction, ButtonAction } from '@slack/bolt';
import { LICENSE_NEEDS_LR_PATTERN, LICENSE_RESOLVED_PATTERN } from '../../messages/license-lifecycle-ids';
import { RESEND_LICENSE_ACTION, RETRY_LICENSE_ACTION } from '../../messages/license-notice';
import type { AppServices } from '../../services';
import { OPEN_STAR_CHECK_ACTION } from '../../views/app-home';
import { OPEN_EMERGENCY_LICENSE_ACTION, STAR_DISPATCH_ACTION } from '../../views/star-check-ids';
import { validActionView } from '../middleware';
import type { Listeners } from '../router';
import { licenseFollowUpButton } from './license-follow-up';
import { openEmergencyLicense } from './open-emergency-license';
import { openStarCheck } from './open-star-check';
import { resendLicense } from './resend-license';
import { retryLicense } from './retry-license';
import { starCheckRefresh } from './star-check-refresh';

type Button = BlockAction<ButtonAction>;

/** The buttons and inputs (block_actions), by action_id; a click from a malformed view is ignored. */
export function register(app: Listeners, services: AppServices): void {
  app.action<Button>(OPEN_EMERGENCY_LICENSE_ACTION, validActionView, openEmergencyLicense(services));
  app.action<Button>(RETRY_LICENSE_ACTION, validActionView, retryLicense(services));
  app.action<Button>(RESEND_LICENSE_ACTION, validActionView, resendLicense(services));
  // The trial follow-up buttons of the reminder, the DM and App Home rows (`license_resolved` and
  // `license_resolved:<row>`), and App Home's STAR check button.
  app.action<Button>(LICENSE_RESOLVED_PATTERN, validActionView, licenseFollowUpButton(services, 'resolved'));
  app.action<Button>(LICENSE_NEEDS_LR_PATTERN, validActionView, licenseFollowUpButton(services, 'needs_lr'));
  app.action<Button>(OPEN_STAR_CHECK_ACTION, validActionView, openStarCheck(services));
  // The STAR check's path-changing answers (inputs that dispatch an action when changed).
  app.action<BlockAction>(STAR_DISPATCH_ACTION, validActionView, starCheckRefresh(services));
}
