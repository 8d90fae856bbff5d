import { reasonOf } from '../../messages/license-notice';
import { escapeMrkdwn, mentionUser } from '../../mrkdwn';
import type { AppServices } from '../../services';
import { updateView } from '../../view-calls';
import { buildLicenseStatusView } from '../../views/emergency-license-modal';
import type { ButtonArgs } from '../args';

/** "Retry" on a failed request, from the channel notice or the engineer's status modal. */
export function retryLicense(services: AppServices) {
  return async ({ ack, body, action, client, respond }: ButtonArgs): Promise<void> => {
    await ack();
    // From the status modal the answer replaces the modal; from the channel notice it is ephemeral.
    const tell = (text: string) =>
      body.view
        ? updateView(
            client,
            { viewId: body.view.id },
            {
              type: 'modal',
              title: { type: 'plain_text', text: 'Emergency license' },
              close: { type: 'plain_text', text: 'Close' },
              blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
            },
          )
        : respond({ response_type: 'ephemeral', replace_original: false, text });
    const result = await services.licenseIntake.retry(body.user.id, action.value ?? '');
    switch (result.kind) {
      case 'refused':
        await tell(`:no_entry: ${result.reason}`);
        return;
      case 'outside-window':
        await tell(
          `:no_entry: Not retried: ${result.problem} Start a new request with \`/emergency-license\` (a manager ` +
            `can override the scope there).`,
        );
        return;
      case 'not-failed':
        await tell(
          ':information_source: This request is not failed any more (it may already be retrying): nothing was ' +
            'started twice. Use `/license-status` to see where it is.',
        );
        return;
      case 'retried': {
        const { record } = result;
        if (body.view) {
          await client.views
            .update({
              view_id: body.view.id,
              view: buildLicenseStatusView(record, services.config.licensingChannel, services.licenseWarning),
            })
            .catch(() => undefined);
          return;
        }
        const reason = reasonOf(record);
        const where =
          record.status === 'generated'
            ? ` The license went to ${mentionUser(record.requestedBySlackId)}, who asked for it; ` +
              `\`/license-status\` can send you a copy.`
            : '';
        await tell(
          `Retry finished: the request is now *${record.status}*${reason ? ` (${escapeMrkdwn(reason)})` : ''}.${where}`,
        );
      }
    }
  };
}
