import { scopeCanBeOverridden } from '../../../policy/emergency-request';
import { readFormMetadata } from '../../forms/emergency-form';
import type { AppServices } from '../../services';
import { allowedOrRefused, openRequestFor, refuseMalformed, refuseWith, revalidate, startLicenseRequest, Submission } from './emergency-license-request';

/** The engineer confirmed that a second license for the same ticket or email is needed. */
export function emergencyReissueSubmission(services: AppServices) {
  return async (submission: Submission): Promise<void> => {
    if (!readFormMetadata(submission.view)) return refuseMalformed(submission);
    // Only a view the bot answered with this confirmation (for this user) can be confirmed; the
    // request and any override justification are the ones the server kept for it.
    const open = await openRequestFor(services, submission, 'reissue');
    const capabilities = open?.justification ? (['request_license', 'override_scope'] as const) : (['request_license'] as const);
    if (!(await allowedOrRefused(services, submission, capabilities))) return;
    const checked = revalidate(open?.facts, services);
    // Out of scope only goes on with a manager's justification, and only where an override is possible at all.
    if (!open || !checked || (!checked.scope.inScope && (!open.justification || !scopeCanBeOverridden(checked.scope)))) {
      await refuseWith(submission, 'This request is no longer valid (it may have fallen out of scope, or it was never opened here). Start again with /emergency-license.');
      return;
    }
    await startLicenseRequest(services, submission, {
      request: checked.request,
      scope: checked.scope,
      stage: 'reissue',
      justification: open.justification,
      channelId: open.channelId,
    });
  };
}
