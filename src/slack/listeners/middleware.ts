import { MALFORMED_FORM_MESSAGE, parseSubmittedView } from '../forms/view-payload';
import { stripInvisible } from '../mrkdwn';
import { modal, section } from '../views/blocks';
import type { Authorizer, Capability } from '../authorization';
import type { BlockActionArgs, CommandArgs, SubmissionArgs } from './args';

/**
 * Listener middleware: the checks that run before a listener (`app.command(name, check, …, listener)`).
 * Each answers a request it refuses and does not call `next()`, or calls `next()` with the request as it
 * came (or cleaned).
 */

/**
 * Permission check before a command's listener: a refused user gets the reason as an ephemeral reply in
 * the ack itself, and the listener never runs.
 */
export function commandRequires(authz: Authorizer, capability: Capability) {
  return async (args: CommandArgs): Promise<void> => {
    const decision = await authz.check(args.command.user_id, capability);
    if (!decision.allowed) {
      await args.ack({ response_type: 'ephemeral', text: `:no_entry: ${decision.reason}` });
      return;
    }
    await args.next();
  };
}

/** A submitted view of the wrong shape or size is refused whole: the user is told, nothing runs. */
export async function validSubmittedView(args: SubmissionArgs): Promise<void> {
  if (!parseSubmittedView(args.body.view)) {
    args.logger.warn('refused a malformed view_submission payload');
    await args.ack({
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
  await args.next();
}

/** Block actions carry the view too; a malformed one is acknowledged and ignored. */
export async function validActionView(args: BlockActionArgs): Promise<void> {
  const view: unknown = args.body.view;
  if (
    view !== undefined &&
    view !== null &&
    (view as { type?: string }).type === 'modal' &&
    !parseSubmittedView(view)
  ) {
    args.logger.warn('ignored a block action with a malformed view');
    await args.ack();
    return;
  }
  await args.next();
}

const MAX_COMMAND_TEXT = 4000;

/**
 * Slash command text is bounded (anything longer is answered, not processed) and cleaned. A command
 * typed with no text at all may come without a `text` field: that is empty text, not too long.
 */
export async function boundedCommandText(args: CommandArgs): Promise<void> {
  const { command } = args;
  if (command.text === undefined || command.text === null) (command as { text: string }).text = '';
  if (typeof command.text !== 'string' || command.text.length > MAX_COMMAND_TEXT) {
    await args.ack({
      response_type: 'ephemeral',
      text: ':warning: That command text is too long. Give just the ticket URL or number.',
    });
    return;
  }
  // User text: bidi controls and zero-width characters are dropped before any handler reads it.
  command.text = stripInvisible(command.text);
  await args.next();
}
