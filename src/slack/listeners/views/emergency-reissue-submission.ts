import { readFormMetadata } from '../../forms/emergency-form';
import type { AppServices } from '../../services';
import { answerStart, refuseMalformed, type Submission, submitter } from './emergency-license-request';

/** The engineer confirmed that a second license for the same ticket or email is needed. */
export function emergencyReissueSubmission(services: AppServices) {
  return async (submission: Submission): Promise<void> => {
    if (!readFormMetadata(submission.view)) return refuseMalformed(submission);
    return answerStart(services, submission, await services.licenseIntake.confirmReissue(submitter(submission)));
  };
}
