import type { AppServices } from '../../services';
import { EMERGENCY_CALLBACKS } from '../../views/emergency-license-ids';
import { STAR_CHECK_CALLBACK } from '../../views/star-check-ids';
import type { SubmissionArgs } from '../dispatch';
import { validSubmittedView } from '../middleware';
import { RouteTable } from '../route-table';
import { emergencyLicenseSubmission } from './emergency-license-submission';
import { emergencyOverrideSubmission } from './emergency-override-submission';
import { emergencyReissueSubmission } from './emergency-reissue-submission';
import { starCheckSubmission } from './star-check-submission';

/** The submissions of each modal step, by callback_id; a malformed view is refused whole. */
export function submissionRoutes(services: AppServices): RouteTable<SubmissionArgs> {
  return new RouteTable<SubmissionArgs>(validSubmittedView)
    .add(STAR_CHECK_CALLBACK, starCheckSubmission(services))
    .add(EMERGENCY_CALLBACKS.form, emergencyLicenseSubmission(services))
    .add(EMERGENCY_CALLBACKS.override, emergencyOverrideSubmission(services))
    .add(EMERGENCY_CALLBACKS.reissue, emergencyReissueSubmission(services));
}
