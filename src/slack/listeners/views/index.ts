import type { AppServices } from '../../services';
import { EMERGENCY_CALLBACKS } from '../../views/emergency-license-ids';
import { STAR_CHECK_CALLBACK } from '../../views/star-check-ids';
import { validSubmittedView } from '../middleware';
import type { Listeners } from '../router';
import { emergencyLicenseSubmission } from './emergency-license-submission';
import { emergencyOverrideSubmission } from './emergency-override-submission';
import { emergencyReissueSubmission } from './emergency-reissue-submission';
import { starCheckSubmission } from './star-check-submission';

/** The submissions of each modal step (view_submission, by callback_id); a malformed view is refused whole. */
export function register(app: Listeners, services: AppServices): void {
  app.view(STAR_CHECK_CALLBACK, validSubmittedView, starCheckSubmission(services));
  app.view(EMERGENCY_CALLBACKS.form, validSubmittedView, emergencyLicenseSubmission(services));
  app.view(EMERGENCY_CALLBACKS.override, validSubmittedView, emergencyOverrideSubmission(services));
  app.view(EMERGENCY_CALLBACKS.reissue, validSubmittedView, emergencyReissueSubmission(services));
}
