import { scopeCanBeOverridden } from '../../../policy/emergency-request';
import { readPendingMetadata } from '../../forms/emergency-form';
import type { AppServices } from '../../services';
import { allowedOrRefused, refuseWith, revalidate, startLicenseRequest, Submission } from './emergency-license-request';

/** The engineer confirmed that a second license for the same ticket or email is needed. */
export function emergencyReissueSubmission(services: AppServices) {
  return async (submission: Submission): Promise<void> => {
    const metadata = readPendingMetadata(submission.view);
    const capabilities = metadata.justification ? (['request_license', 'override_scope'] as const) : (['request_license'] as const);
    if (!(await allowedOrRefused(services, submission, capabilities))) return;
    const checked = revalidate(metadata.request, services);
    // A justification only ever overrides the time window: never SaaS, prospects or no paid plan.
    if (!checked || (!checked.scope.inScope && !(metadata.justification && scopeCanBeOverridden(checked.scope)))) {
      await refuseWith(submission, 'This request is no longer valid (it may have fallen out of scope). Start again with /emergency-license.');
      return;
    }
    await startLicenseRequest(services, submission, {
      request: checked.request,
      scope: checked.scope,
      stage: 'reissue',
      justification: metadata.justification,
      channelId: metadata.channelId,
    });
  };
}
