import { randomBytes } from 'node:crypto';
import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { scrubSecrets } from '../logger';

/**
 * The argument of Bolt's extended error handler (`extendedErrorHandler: true`), from its public `App.error`
 * signature.
 */
type ExtendedErrorHandlerArgs = Parameters<Parameters<App['error']>[0]>[0];

/**
 * The last line of defence: the person sees a short message with a reference ID, the log has
 * the detail under the same ID.
 */
export function registerErrorHandler(app: App, logger: Logger): void {
  app.error(async ({ error, body }: ExtendedErrorHandlerArgs) => {
    const reference = randomBytes(4).toString('hex').toUpperCase();
    const original = (error as { original?: Error }).original ?? error;
    logger.error(
      { reference, error: scrubSecrets(original?.stack ?? String(original)), type: (body as { type?: string })?.type },
      'listener failed',
    );
    const payload = body as
      | {
          user?: { id?: string };
          user_id?: string;
          channel?: { id?: string };
          channel_id?: string;
          event?: { user?: string | { id?: string } };
        }
      | undefined;
    const eventUser = payload?.event?.user;
    const userId = payload?.user?.id ?? payload?.user_id ?? (typeof eventUser === 'string' ? eventUser : eventUser?.id);
    if (!userId) return;
    const text =
      `:warning: Sorry, something went wrong on our side (reference \`${reference}\`). Part of your ` +
      `action may already be done: check /license-status or the licensing channel before you try again, and ` +
      `give this reference to the bot's maintainers if it keeps failing.`;
    const channel = payload?.channel?.id ?? payload?.channel_id;
    // Telling the user is best effort; the log already has the reference.
    const byDm = () => app.client.chat.postMessage({ channel: userId, text }).catch(() => undefined);
    if (!channel) {
      await byDm();
      return;
    }
    // Slack refuses an ephemeral message where the bot is not a member (a DM between people, a private
    // channel): the DM reaches the person anywhere.
    await app.client.chat.postEphemeral({ channel, user: userId, text }).catch(byDm);
  });
}
