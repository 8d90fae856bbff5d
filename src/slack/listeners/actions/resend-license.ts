import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { AppServices } from '../../services';

/** Sends the engineer the copy of a generated license again (never generates a new one). */
export function resendLicense(services: AppServices) {
  return async ({ ack, body, action, respond }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const decision = await services.authz.check(body.user.id, 'request_license');
    if (!decision.allowed) {
      await tell(`:no_entry: ${decision.reason}`);
      return;
    }
    const result = await services.licenses.sendCopy(action.value ?? '', body.user.id);
    await tell(result.kind === 'sent' ? ':inbox_tray: The license copy is in your DMs.' : ':warning: That request has no generated license to send.');
  };
}
