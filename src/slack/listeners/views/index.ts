import type { App } from '@slack/bolt';
import type { AppServices } from '../../services';
import { EMERGENCY_CALLBACKS } from '../../views/emergency-license-ids';
import { STAR_CHECK_CALLBACK } from '../../views/star-check-ids';
import { validSubmittedView } from '../middleware';
import { RouteTable } from '../route-table';
import type { Submission } from './emergency-license-request';
import { emergencyLicenseSubmission } from './emergency-license-submission';
import { emergencyOverrideSubmission } from './emergency-override-submission';
import { emergencyReissueSubmission } from './emergency-reissue-submission';
import { starCheckSubmission } from './star-check-submission';

/** The submissions of each modal step, by callback_id, behind one listener. */
export function register(app: App, services: AppServices): void {
  const submissions = new RouteTable<Submission>()
    .add(STAR_CHECK_CALLBACK, starCheckSubmission(services))
    .add(EMERGENCY_CALLBACKS.form, emergencyLicenseSubmission(services))
    .add(EMERGENCY_CALLBACKS.override, emergencyOverrideSubmission(services))
    .add(EMERGENCY_CALLBACKS.reissue, emergencyReissueSubmission(services));
  app.view(
    { type: 'view_submission', callback_id: submissions.ids },
    validSubmittedView,
    submissions.listener(({ view }) => view.callback_id),
  );
}
