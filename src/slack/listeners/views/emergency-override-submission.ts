import { scopeCanBeOverridden, validateJustification } from '../../../policy/emergency-request';
import { readFormMetadata, readJustification } from '../../forms/emergency-form';
import type { AppServices } from '../../services';
import { JUSTIFICATION_BLOCK } from '../../views/emergency-license-ids';
import { allowedOrRefused, openRequestFor, refuseMalformed, refuseWith, revalidate, startLicenseRequest, Submission } from './emergency-license-request';

/** A manager overrides the scope check with a written justification. */
export function emergencyOverrideSubmission(services: AppServices) {
  return async (submission: Submission): Promise<void> => {
    const { ack, view } = submission;
    if (!(await allowedOrRefused(services, submission, ['request_license', 'override_scope']))) return;
    const metadata = readFormMetadata(view);
    if (!metadata) return refuseMalformed(submission);
    const justification = validateJustification(readJustification(view));
    if (!justification.ok) {
      await ack({ response_action: 'errors', errors: { [JUSTIFICATION_BLOCK]: justification.error } });
      return;
    }
    // The facts come from the server (the refusal this view shows), never from the submission.
    const open = await openRequestFor(services, submission, 'override');
    const checked = revalidate(open?.facts, services);
    if (!checked || (!checked.scope.inScope && !scopeCanBeOverridden(checked.scope))) {
      await refuseWith(submission, 'This request can no longer be overridden. Start again with /emergency-license.');
      return;
    }
    await startLicenseRequest(services, submission, {
      request: checked.request,
      scope: checked.scope,
      stage: 'override',
      justification: justification.text,
      channelId: open?.channelId,
    });
  };
}
