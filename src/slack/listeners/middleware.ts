import type {
  AllMiddlewareArgs,
  Middleware,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackViewMiddlewareArgs,
} from '@slack/bolt';
import { MALFORMED_FORM_MESSAGE, parseSubmittedView } from '../forms/view-payload';
import { stripInvisible } from '../mrkdwn';
import { modal, section } from '../views/blocks';
import type { Authorizer, Capability } from '../authorization';

/**
 * Permission check wrapped around a command's handler: a refused user gets the reason as an
 * ephemeral reply in the ack itself, and the handler never runs.
 */
export function commandRequires(
  authz: Authorizer,
  capability: Capability,
  handler: (args: AllMiddlewareArgs & SlackCommandMiddlewareArgs) => Promise<void>,
): (args: AllMiddlewareArgs & SlackCommandMiddlewareArgs) => Promise<void> {
  return async (args) => {
    const decision = await authz.check(args.command.user_id, capability);
    if (!decision.allowed) {
      await args.ack({ response_type: 'ephemeral', text: `:no_entry: ${decision.reason}` });
      return;
    }
    await handler(args);
  };
}

/** A submitted view of the wrong shape or size is refused whole: the user is told, nothing runs. */
export const validSubmittedView: Middleware<SlackViewMiddlewareArgs> = async ({ body, ack, next, logger }) => {
  if (body.type === 'view_submission' && !parseSubmittedView(body.view)) {
    logger.warn('refused a malformed view_submission payload');
    await ack({
      response_action: 'update',
      view: modal({
        callbackId: 'malformed_form',
        title: 'Form not accepted',
        close: 'Close',
        blocks: [section(`:warning: ${MALFORMED_FORM_MESSAGE}`)],
      }),
    });
    return;
  }
  await next();
};

/** Block actions carry the view too; a malformed one is acknowledged and ignored. */
export const validActionView: Middleware<SlackActionMiddlewareArgs> = async ({ body, ack, next, logger }) => {
  const view = (body as { view?: unknown }).view;
  if (
    view !== undefined &&
    view !== null &&
    (view as { type?: string }).type === 'modal' &&
    !parseSubmittedView(view)
  ) {
    logger.warn('ignored a block action with a malformed view');
    await ack();
    return;
  }
  await next();
};

const MAX_COMMAND_TEXT = 4000;

/**
 * Slash command text is bounded (anything longer is answered, not processed) and cleaned. A command
 * typed with no text at all may come without a `text` field: that is empty text, not too long.
 */
export const boundedCommandText: Middleware<SlackCommandMiddlewareArgs> = async ({ command, ack, next }) => {
  if (command.text === undefined || command.text === null) (command as { text: string }).text = '';
  if (typeof command.text !== 'string' || command.text.length > MAX_COMMAND_TEXT) {
    await ack({
      response_type: 'ephemeral',
      text: ':warning: That command text is too long. Give just the ticket URL or number.',
    });
    return;
  }
  // User text: bidi controls and zero-width characters are dropped before any handler reads it.
  command.text = stripInvisible(command.text);
  await next();
};
