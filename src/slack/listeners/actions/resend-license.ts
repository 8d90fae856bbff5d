import type { AppServices } from '../../services';
import type { ButtonArgs } from '../args';

const ANSWERS = {
  // Handed over in the background (retried if Slack fails): it may not be there yet.
  queued: ':inbox_tray: The license copy is on its way to your DMs.',
  'not-generated': ':warning: That request has no generated license to send.',
} as const;

/** Sends the engineer the copy of a generated license again (never generates a new one). */
export function resendLicense(services: AppServices) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const requestId = action.value ?? '';
    // Slack redelivers a click whose ack was slow with the same payload: its action_ts names the click.
    const click = `resend:${requestId}:${body.user.id}:${action.action_ts || body.trigger_id}`;
    const result = await services.licenseIntake.sendCopy(body.user.id, requestId, click);
    const text = result.kind === 'refused' ? `:no_entry: ${result.reason}` : ANSWERS[result.kind];
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  };
}
