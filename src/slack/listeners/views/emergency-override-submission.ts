import type { AckFn, AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewResponseAction } from '@slack/bolt';
import { scopeCanBeOverridden, validateJustification } from '../../../policy/emergency-request';
import { readJustification, readPendingMetadata } from '../../forms/emergency-form';
import type { AppServices } from '../../services';
import { buildNotAllowedView } from '../../views/emergency-license-modal';
import { JUSTIFICATION_BLOCK } from '../../views/emergency-license-ids';
import { allowedOrRefused, revalidate, startLicenseRequest } from './emergency-license-request';

/** A manager overrides the scope check with a written justification. */
export function emergencyOverrideSubmission(services: AppServices) {
  return async ({ ack, body, view, client }: AllMiddlewareArgs & SlackViewMiddlewareArgs): Promise<void> => {
    const userId = body.user.id;
    if (!(await allowedOrRefused(services, userId, ['request_license', 'override_scope'], ack as AckFn<ViewResponseAction>))) return;
    const justification = validateJustification(readJustification(view));
    if (!justification.ok) {
      await ack({ response_action: 'errors', errors: { [JUSTIFICATION_BLOCK]: justification.error } });
      return;
    }
    const metadata = readPendingMetadata(view);
    const checked = revalidate(metadata.request, services);
    if (!checked || (!checked.scope.inScope && !scopeCanBeOverridden(checked.scope))) {
      await ack({ response_action: 'update', view: buildNotAllowedView('This request can no longer be overridden. Start again with /emergency-license.') as never });
      return;
    }
    await startLicenseRequest({
      services,
      client,
      ack: ack as AckFn<ViewResponseAction>,
      viewId: view.id,
      slackUserId: userId,
      request: checked.request,
      scope: checked.scope,
      stage: 'override',
      justification: justification.text,
      channelId: metadata.channelId,
    });
  };
}
