import { readEmergencyForm, readFormMetadata } from '../../forms/emergency-form';
import type { AppServices } from '../../services';
import { buildOutOfScopeView } from '../../views/emergency-license-modal';
import { answerStart, refuseMalformed, type Submission, submitter, viewAck } from './emergency-license-request';

/** The emergency license form was submitted: the service validates, checks scope and starts the request. */
export function emergencyLicenseSubmission(services: AppServices) {
  return async (submission: Submission): Promise<void> => {
    const { view } = submission;
    const metadata = readFormMetadata(view);
    if (!metadata) return refuseMalformed(submission);
    const result = await services.licenseIntake.submitForm(
      submitter(submission),
      readEmergencyForm(view),
      metadata.channelId,
    );
    if (result.kind === 'errors') {
      await viewAck(submission)({ response_action: 'errors', errors: result.errors });
      return;
    }
    if (result.kind !== 'out-of-scope') return answerStart(services, submission, result);
    await viewAck(submission)({
      response_action: 'update',
      view: buildOutOfScopeView(result.request, result.scope, {
        canOverride: result.canOverride,
        overrideBlockedReason: result.overrideBlockedReason,
        timeZone: await services.timeZones.zoneOf(submission.body.user.id),
        channelId: metadata.channelId,
      }),
    });
    await result.finish();
  };
}
