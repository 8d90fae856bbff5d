import { unescapeSlackText } from '../../mrkdwn';
import { buildLicenseStatusMessage, buildLicenseStatusTicketMessage } from '../../messages/license-status';
import type { AppServices } from '../../services';
import { lookUpTicket, readableTicket } from '../../zendesk-ticket';
import type { CommandArgs } from '../args';

/** `/license-status <ticket or email>`: answers "the customer says the email never arrived". */
export function licenseStatusCommand(services: AppServices) {
  return async ({ ack, command, respond }: CommandArgs): Promise<void> => {
    // Slack sends a typed email as a mailto link: look up the address itself.
    const query = unescapeSlackText(command.text)
      .trim()
      .replace(/^<mailto:([^|>]+)(\|[^>]*)?>$/, '$1');
    if (!query) {
      await ack({
        response_type: 'ephemeral',
        text: 'Usage: `/license-status &lt;Zendesk ticket URL or number | customer email&gt;`',
      });
      return;
    }
    const result = await services.licenseIntake.lookup(query);
    if (result.kind === 'bad-ticket') {
      await ack({
        response_type: 'ephemeral',
        text: `:warning: ${result.error} You can also look up a customer email.`,
      });
      return;
    }
    // The lookup is a local indexed read, fast enough to answer in the ack itself.
    await ack({
      response_type: 'ephemeral',
      ...buildLicenseStatusMessage(result.ticketUrl ?? query, result.records, result.events, result.writes),
    });
    // Zendesk is read only after the ack, within the forms' budget, and answers in a second
    // ephemeral message: Slack documents replacing an original message from interactions, not a
    // slash command's ephemeral ack, so the ack stays as it is.
    const ticket = readableTicket(services.zendesk, result.ticketUrl);
    if (!ticket || !services.zendesk) return;
    const lookup = await lookUpTicket(services.zendesk, ticket);
    if (lookup.kind === 'unavailable') services.logger.info({ reason: lookup.reason }, 'ticket not read from Zendesk');
    try {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        ...buildLicenseStatusTicketMessage(lookup, result.records),
      });
    } catch (error) {
      services.logger.warn({ err: (error as Error).message }, 'could not show what the Zendesk ticket says');
    }
  };
}
