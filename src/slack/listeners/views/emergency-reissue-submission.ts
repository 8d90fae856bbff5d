import type { AckFn, AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewResponseAction } from '@slack/bolt';
import { readPendingMetadata } from '../../forms/emergency-form';
import type { AppServices } from '../../services';
import { buildNotAllowedView } from '../../views/emergency-license-modal';
import { allowedOrRefused, revalidate, startLicenseRequest } from './emergency-license-request';

/** The engineer confirmed that a second license for the same ticket, email and user count is needed. */
export function emergencyReissueSubmission(services: AppServices) {
  return async ({ ack, body, view, client }: AllMiddlewareArgs & SlackViewMiddlewareArgs): Promise<void> => {
    const userId = body.user.id;
    const metadata = readPendingMetadata(view);
    const capabilities = metadata.justification ? (['request_license', 'override_scope'] as const) : (['request_license'] as const);
    if (!(await allowedOrRefused(services, userId, capabilities, ack as AckFn<ViewResponseAction>))) return;
    const checked = revalidate(metadata.request, services);
    if (!checked || (!checked.scope.inScope && !metadata.justification)) {
      await ack({ response_action: 'update', view: buildNotAllowedView('This request is no longer valid (it may have fallen out of scope). Start again with /emergency-license.') as never });
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
      stage: 'reissue',
      justification: metadata.justification,
      channelId: metadata.channelId,
    });
  };
}
