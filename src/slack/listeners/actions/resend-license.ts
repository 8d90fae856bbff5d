import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { AppServices } from '../../services';
import type { LicenseNotifier } from '../../../workflows/emergency-license';

/** Sends the engineer the copy of a generated license again (never generates a new one). */
export function resendLicense(services: AppServices, notifier: LicenseNotifier) {
  return async ({ ack, body, action, respond }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const decision = await services.authz.check(body.user.id, 'request_license');
    if (!decision.allowed) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: `:no_entry: ${decision.reason}` });
      return;
    }
    const record = await services.store.requests.getRequest(action.value ?? '');
    if (!record || record.status !== 'generated') {
      await respond({ response_type: 'ephemeral', replace_original: false, text: ':warning: That request has no generated license to send.' });
      return;
    }
    await notifier.deliver({ ...record, requestedBySlackId: body.user.id });
    // Anyone on the team may fetch a copy; the request's thread says who did.
    await notifier.copySent?.(record, body.user.id);
    await respond({ response_type: 'ephemeral', replace_original: false, text: ':inbox_tray: The license copy is in your DMs.' });
  };
}
