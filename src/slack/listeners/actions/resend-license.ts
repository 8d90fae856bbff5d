import type { AppServices } from '../../services';
import type { ButtonArgs } from '../args';

const ANSWERS = {
  sent: ':inbox_tray: The license copy is in your DMs.',
  'not-generated': ':warning: That request has no generated license to send.',
} as const;

/** Sends the engineer the copy of a generated license again (never generates a new one). */
export function resendLicense(services: AppServices) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const result = await services.licenseIntake.sendCopy(body.user.id, action.value ?? '');
    const text = result.kind === 'refused' ? `:no_entry: ${result.reason}` : ANSWERS[result.kind];
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  };
}
