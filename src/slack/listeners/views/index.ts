import type { App } from '@slack/bolt';
import type { AppServices } from '../../services';
import { EMERGENCY_CALLBACKS } from '../../views/emergency-license-ids';
import { STAR_CHECK_CALLBACK } from '../../views/star-check-ids';
import { validSubmittedView } from '../middleware';
import { emergencyLicenseSubmission } from './emergency-license-submission';
import { emergencyOverrideSubmission } from './emergency-override-submission';
import { emergencyReissueSubmission } from './emergency-reissue-submission';
import { starCheckSubmission } from './star-check-submission';

/** One listener per modal step (a string callback_id matches only view_submission). */
export function register(app: App, services: AppServices): void {
  app.view(STAR_CHECK_CALLBACK, validSubmittedView, starCheckSubmission(services));
  app.view(EMERGENCY_CALLBACKS.form, validSubmittedView, emergencyLicenseSubmission(services));
  app.view(EMERGENCY_CALLBACKS.override, validSubmittedView, emergencyOverrideSubmission(services));
  app.view(EMERGENCY_CALLBACKS.reissue, validSubmittedView, emergencyReissueSubmission(services));
}
