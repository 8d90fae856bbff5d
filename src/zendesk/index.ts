/**
 * Zendesk, from the outside: build the client from the parsed settings (undefined without
 * credentials: the bot then never calls Zendesk), and the read and write services on top of it.
 * The read path is wired (src/bot.ts composes the client; src/slack/zendesk-ticket.ts shows the
 * facts in the forms); the writers are not called from any flow yet (README "Zendesk (in progress)").
 */
import type { Logger } from '../logger';
import { ZendeskClient, type ZendeskCallRecord } from './client';
import type { ZendeskSettings } from './config';

export function createZendeskClient(
  settings: ZendeskSettings | undefined,
  logger?: Pick<Logger, 'debug'>,
  fetchImpl?: typeof fetch,
): ZendeskClient | undefined {
  if (!settings) return undefined;
  return new ZendeskClient({
    baseUrl: settings.baseUrl,
    apiUrl: settings.apiUrl,
    credentials: settings.credentials,
    timeoutMs: settings.timeoutMs,
    fetch: fetchImpl,
    // Method, path, status, duration: never headers, queries or bodies.
    onCall: logger ? (call: ZendeskCallRecord) => logger.debug({ zendesk: call }, 'zendesk call') : undefined,
  });
}

export { ZendeskClient, parseRetryAfter } from './client';
export type { ZendeskFailure, ZendeskFailureKind, ZendeskResult, TicketRef } from './client';
export { ZendeskCredentials, zendeskSettings, type LicenseDelivery, type ZendeskSettings } from './config';
export { readTicketFacts, ticketWarnings, imagesOf, type TicketFacts, type TicketFactsResult } from './ticket-facts';
export { failureReason } from './reasons';
export { attachLicense, addInternalNote, findWrittenComment, markerLine, type ZendeskWriteResult } from './writers';
export * from './notes';
