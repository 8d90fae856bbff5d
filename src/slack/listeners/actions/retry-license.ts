import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { escapeMrkdwn } from '../../mrkdwn';
import type { AppServices } from '../../services';
import { buildLicenseStatusView } from '../../views/emergency-license-modal';

/** "Retry" on a failed request, from the channel notice or the engineer's status modal. */
export function retryLicense(services: AppServices) {
  return async ({ ack, body, action, client, respond }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const tell = (text: string) =>
      body.view
        ? client.views.update({ view_id: body.view.id, view: { type: 'modal', title: { type: 'plain_text', text: 'Emergency license' }, close: { type: 'plain_text', text: 'Close' }, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] } })
        : respond({ response_type: 'ephemeral', replace_original: false, text });
    const decision = await services.authz.check(body.user.id, 'request_license');
    if (!decision.allowed) {
      await tell(`:no_entry: ${decision.reason}`);
      return;
    }
    const record = await services.licenses.retry(action.value ?? '');
    if (!record) {
      await tell(':information_source: This request is not failed any more (it may already be retrying): nothing was started twice. Use `/license-status` to see where it is.');
      return;
    }
    if (body.view) {
      await client.views.update({ view_id: body.view.id, view: buildLicenseStatusView(record, services.config.licensingChannel, services.licenseWarning) as never }).catch(() => undefined);
    } else {
      await respond({ response_type: 'ephemeral', replace_original: false, text: `Retry finished: the request is now *${record.status}*${record.reason ? ` (${escapeMrkdwn(record.reason)})` : ''}.` });
    }
  };
}
