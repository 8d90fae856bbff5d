import { readFormMetadata, readJustification } from '../../forms/emergency-form';
import type { AppServices } from '../../services';
import { JUSTIFICATION_BLOCK } from '../../views/emergency-license-ids';
import { answerStart, refuseMalformed, type Submission, submitter, viewAck } from './emergency-license-request';

/** A manager overrides the scope check with a written justification. */
export function emergencyOverrideSubmission(services: AppServices) {
  return async (submission: Submission): Promise<void> => {
    if (!readFormMetadata(submission.view)) return refuseMalformed(submission);
    const result = await services.licenseIntake.override(submitter(submission), readJustification(submission.view));
    if (result.kind === 'errors') {
      await viewAck(submission)({
        response_action: 'errors',
        errors: { [JUSTIFICATION_BLOCK]: result.errors.justification },
      });
      return;
    }
    return answerStart(services, submission, result);
  };
}
