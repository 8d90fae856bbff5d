import type { AllMiddlewareArgs, AnyMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import { modal, section } from '../views/blocks';
import { COMMANDS } from '../surface';

export const OLDER_BUTTON_TEXT =
  ':warning: This button belongs to an older version of the message, and the bot no longer knows it: run the ' +
  'command again to get a current one.';

const OLDER_FORM_TEXT =
  ':warning: This form belongs to an older version of the bot, which no longer knows it: close it and run the ' +
  'command again.';

/** The kind of request and the ID listeners are registered by (for the log). */
function describe(args: AnyMiddlewareArgs): { kind: string; id?: string } {
  if ('command' in args && args.command) return { kind: 'command', id: args.command.command };
  if ('action' in args && args.action) {
    const action = args.action as { action_id?: string; callback_id?: string };
    return { kind: args.body.type, id: action.action_id ?? action.callback_id };
  }
  if ('view' in args && args.view) return { kind: args.body.type, id: args.view.callback_id };
  if ('shortcut' in args && args.shortcut) return { kind: args.body.type, id: args.shortcut.callback_id };
  if ('options' in args && args.options) return { kind: args.body.type, id: String(args.body.action_id) };
  if ('event' in args && args.event) return { kind: 'event', id: args.event.type };
  return { kind: 'unknown' };
}

/**
 * Answers a request no listener takes (a button from an older version of a message, a modal of an older
 * version, a command the bot does not have) with what happened, and logs its kind and ID. Without it the
 * request would reach the ack guard unanswered, which can only assume a stuck database.
 */
export const answerUnhandled =
  (logger: Logger) =>
  async (args: AnyMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const { kind, id } = describe(args);
    if (kind === 'event') {
      // Acknowledged by Bolt already; the manifest subscribes only to events the bot handles.
      logger.debug({ kind, id }, 'no listener for this event');
      return;
    }
    logger.warn({ kind, id }, 'no listener for this request: from an older version of the bot, or not the bot’s');
    if (!('ack' in args) || !args.ack) return;
    if ('command' in args && args.command) {
      await args.ack({
        response_type: 'ephemeral',
        text:
          `:warning: This bot has no ${args.command.command} command. Its commands are ` +
          `${Object.values(COMMANDS).join(', ')}.`,
      });
      return;
    }
    if (args.body.type === 'view_submission') {
      await args.ack({
        response_action: 'update',
        view: modal({
          callbackId: 'form_out_of_date',
          title: 'Form out of date',
          close: 'Close',
          blocks: [section(OLDER_FORM_TEXT)],
        }),
      } as never);
      return;
    }
    await args.ack();
    if (args.body.type === 'block_actions' && 'respond' in args && args.respond) {
      await args.respond({ response_type: 'ephemeral', replace_original: false, text: OLDER_BUTTON_TEXT });
    }
  };
