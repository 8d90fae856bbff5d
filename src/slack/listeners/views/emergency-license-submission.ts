import { NOT_OVERRIDABLE_REASON, scopeCanBeOverridden, validateEmergencyForm } from '../../../policy/emergency-request';
import { readEmergencyForm, readFormMetadata } from '../../forms/emergency-form';
import type { AppServices } from '../../services';
import { buildOutOfScopeView } from '../../views/emergency-license-modal';
import { allowedOrRefused, refuseMalformed, startLicenseRequest, Submission, toRequestInput } from './emergency-license-request';

/** The emergency license form was submitted: validate, check scope, then request the license. */
export function emergencyLicenseSubmission(services: AppServices) {
  return async (submission: Submission): Promise<void> => {
    const { ack, view } = submission;
    const userId = submission.body.user.id;
    if (!(await allowedOrRefused(services, submission, ['request_license']))) return;
    const metadata = readFormMetadata(view);
    if (!metadata) return refuseMalformed(submission);
    const result = validateEmergencyForm(readEmergencyForm(view), services.config.zendeskBaseUrl, services.now());
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: result.errors as Record<string, string> });
      return;
    }
    const { request, scope } = result;
    const { channelId } = metadata;

    if (!scope.inScope) {
      const overridable = scopeCanBeOverridden(scope);
      const manager = overridable ? await services.authz.check(userId, 'override_scope') : undefined;
      if (manager?.allowed) {
        // What the override may go on with stays on the server, keyed by this view.
        await services.store.openRequests.saveOpenRequest({ viewId: view.id, slackUserId: userId, stage: 'override', facts: { ...request }, channelId }, services.now().toJSDate());
      }
      await ack({
        response_action: 'update',
        view: buildOutOfScopeView(request, scope, {
          canOverride: Boolean(manager?.allowed),
          overrideBlockedReason: !overridable ? NOT_OVERRIDABLE_REASON : manager && !manager.allowed ? manager.reason : undefined,
          timeZone: await services.timeZones.zoneOf(userId),
          channelId,
        }) as never,
      });
      await services.store.preferences.savePreferences(userId, { gitlabUsername: request.username }, services.now().toJSDate());
      await services.licenses.refuse(
        toRequestInput(request, scope, { slackUserId: userId, idempotencyKey: `${view.id}:refused`, adapter: services.config.licenseAdapter }),
        scope.failures.map((f) => f.reason).join(' '),
      );
      return;
    }

    await startLicenseRequest(services, submission, {
      request,
      scope,
      stage: 'submit',
      channelId,
    });
  };
}
