import type { WebClient } from '@slack/web-api';
import type { RawEmergencyForm } from '../../policy/emergency-request';
import type { AppServices } from '../services';
import { buildEmergencyLicenseModal } from '../views/emergency-license-modal';
import { readableTicket, requesterEmail, updateWithTicket, type TicketLookup } from '../zendesk-ticket';
import { openModal } from './open-modal';

/**
 * Opens the emergency license form at once; with Zendesk configured and a ticket given, the form
 * says it is reading the ticket, and `fromZendesk` (already running, never rejecting) reads it
 * within its budget and updates the open form: requester email prefilled, organization, subject
 * and images shown, or one line why Zendesk could not be read. Without Zendesk: exactly the form of
 * before, and nothing to wait for.
 */
export async function openEmergencyForm(
  services: AppServices,
  client: WebClient,
  triggerId: string,
  prefill: RawEmergencyForm,
  metadata: { channelId?: string },
  opts: { push?: boolean; onExpired?: (message: string) => Promise<unknown> } = {},
): Promise<{ fromZendesk: Promise<void> }> {
  const zendesk = services.zendesk;
  const ticket = readableTicket(zendesk, prefill.ticket);
  const build = (lookup?: TicketLookup) =>
    buildEmergencyLicenseModal(
      lookup ? { ...prefill, email: prefill.email ?? requesterEmail(lookup) } : prefill,
      metadata,
      lookup,
    );
  const target = await openModal(
    client,
    triggerId,
    build(ticket ? { kind: 'reading' } : undefined),
    services.logger,
    opts,
  );
  if (!target || !ticket || !zendesk) return { fromZendesk: Promise.resolve() };
  return { fromZendesk: updateWithTicket({ zendesk, ticket, client, target, build, logger: services.logger }) };
}
