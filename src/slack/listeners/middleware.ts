import type { Middleware, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Authorizer, Capability } from '../authorization';

/**
 * Permission check attached per command: a refused user gets the reason as an ephemeral reply
 * in the ack itself, and the command handler never runs.
 */
export function commandRequires(authz: Authorizer, capability: Capability): Middleware<SlackCommandMiddlewareArgs> {
  return async ({ command, ack, next }) => {
    const decision = await authz.check(command.user_id, capability);
    if (!decision.allowed) {
      await ack({ response_type: 'ephemeral', text: `:no_entry: ${decision.reason}` });
      return;
    }
    await next();
  };
}
