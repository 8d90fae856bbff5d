import { LICENSE_NEEDS_LR_PATTERN, LICENSE_RESOLVED_PATTERN } from '../../messages/license-lifecycle-ids';
import { RESEND_LICENSE_ACTION, RETRY_LICENSE_ACTION } from '../../messages/license-notice';
import type { AppServices } from '../../services';
import { OPEN_STAR_CHECK_ACTION } from '../../views/app-home';
import { OPEN_EMERGENCY_LICENSE_ACTION, STAR_DISPATCH_ACTION } from '../../views/star-check-ids';
import type { BlockActionArgs, ButtonArgs } from '../dispatch';
import { validActionView } from '../middleware';
import { RouteTable } from '../route-table';
import { licenseFollowUpButton } from './license-follow-up';
import { openEmergencyLicense } from './open-emergency-license';
import { openStarCheck } from './open-star-check';
import { resendLicense } from './resend-license';
import { retryLicense } from './retry-license';
import { starCheckRefresh } from './star-check-refresh';

/** The buttons, by action_id; a click from a malformed view is ignored. */
export function buttonRoutes(services: AppServices): RouteTable<ButtonArgs> {
  return (
    new RouteTable<ButtonArgs>(validActionView)
      .add(OPEN_EMERGENCY_LICENSE_ACTION, openEmergencyLicense(services))
      .add(RETRY_LICENSE_ACTION, retryLicense(services))
      .add(RESEND_LICENSE_ACTION, resendLicense(services))
      // The trial follow-up buttons of the reminder, the DM and App Home rows (`license_resolved` and
      // `license_resolved:<row>`), and App Home's STAR check button.
      .add(LICENSE_RESOLVED_PATTERN, licenseFollowUpButton(services, 'resolved'))
      .add(LICENSE_NEEDS_LR_PATTERN, licenseFollowUpButton(services, 'needs_lr'))
      .add(OPEN_STAR_CHECK_ACTION, openStarCheck(services))
  );
}

/** The inputs that dispatch an action when changed (the STAR check's path-changing answers), by action_id. */
export function inputRoutes(services: AppServices): RouteTable<BlockActionArgs> {
  return new RouteTable<BlockActionArgs>(validActionView).add(STAR_DISPATCH_ACTION, starCheckRefresh(services));
}
