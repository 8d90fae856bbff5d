import { buildLicenseStatusMessage } from '../../messages/license-status';
import type { AppServices } from '../../services';
import type { CommandArgs } from '../args';
import { licenseWriteKey } from '../../../workflows/ticket-notes';
import type { LicenseRequestRecord, TicketWrite } from '../../../store';

/** The license writes on the tickets of the shown requests (none without Zendesk credentials). */
async function licenseWrites(services: AppServices, records: LicenseRequestRecord[]) {
  const writes = new Map<string, TicketWrite>();
  if (!services.zendesk) return writes;
  for (const record of records) {
    const write = await services.store.ticketWrites.get(licenseWriteKey(record.id));
    if (write) writes.set(record.id, write);
  }
  return writes;
}

/** `/license-status <ticket or email>`: answers "the customer says the email never arrived". */
export function licenseStatusCommand(services: AppServices) {
  return async ({ ack, command }: CommandArgs): Promise<void> => {
    // Slack sends a typed email as a mailto link: look up the address itself.
    const query = command.text.trim().replace(/^<mailto:([^|>]+)(\|[^>]*)?>$/, '$1');
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
    const writes = await licenseWrites(services, result.records.slice(0, 10));
    await ack({
      response_type: 'ephemeral',
      ...buildLicenseStatusMessage(query, result.records, result.events, writes),
    });
  };
}
