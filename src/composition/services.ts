import type { App } from '@slack/bolt';
import { DateTime } from 'luxon';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { BotMetrics } from '../ops/metrics';
import { Authorizer } from '../slack/authorization';
import { buildStarAuditMessage } from '../slack/messages/star-audit';
import type { AppServices } from '../slack/services';
import { UserTimeZones } from '../slack/user-time-zones';
import type { Store } from '../store/store';
import { EmergencyLicenseService } from '../workflows/emergency-license-service';
import { StarCheckService } from '../workflows/star-check';
import { verdictTicketNote } from '../workflows/ticket-note-events';
import type { ZendeskClient } from '../zendesk';
import type { LeasedWork } from './leased-work';

/** Who may run what: the user-group authorizer, loudly so when everyone may. */
export function slackAuthorizer(deps: { app: App; config: Config; logger: Logger }): Authorizer {
  const { logger } = deps;
  const authz = new Authorizer({
    client: deps.app.client,
    settings: deps.config.authorization,
    logger: logger.child({ component: 'authz' }),
  });
  if (authz.openMode)
    logger.warn(
      'AUTHORIZATION_MODE=open: EVERYONE in the workspace may run every command and request licenses. Use only ' +
        'in a trial workspace.',
    );
  return authz;
}

/** What the listeners call: the services of /star-check, the emergency form and the rest. */
export function listenerServices(deps: {
  app: App;
  config: Config;
  logger: Logger;
  store: Store;
  authz: Authorizer;
  work: LeasedWork;
  metrics: BotMetrics;
  licenseWarning?: string;
  zendesk?: ZendeskClient;
}): AppServices {
  const { config, logger, store, authz, work, zendesk } = deps;
  return {
    config,
    logger,
    store,
    now: () => DateTime.utc(),
    audit: work.audit,
    timeZones: new UserTimeZones({
      client: deps.app.client,
      store: store.preferences,
      logger: logger.child({ component: 'tz' }),
    }),
    authz,
    licenseRunner: work.licenseRunner,
    licenseIntake: new EmergencyLicenseService({
      requests: store.requests,
      openRequests: store.openRequests,
      preferences: store.preferences,
      events: store.lifecycle,
      workflow: work.licenseRunner,
      ...(zendesk ? { ticketWrites: store.ticketWrites } : {}),
      permissions: authz,
      zendeskBaseUrl: config.zendeskBaseUrl,
      adapter: config.licenseAdapter,
      now: () => DateTime.utc(),
    }),
    starCheck: new StarCheckService({
      permissions: authz,
      decisions: store.decisions,
      audit: work.audit,
      auditMessage: buildStarAuditMessage,
      licensingChannel: config.licensingChannel,
      zendeskBaseUrl: config.zendeskBaseUrl,
      onVerdict: (verdict) => deps.metrics.verdicts.inc({ verdict }),
      ...(work.tickets ? { onRecorded: verdictNoteOn(work.tickets, logger) } : {}),
      now: () => DateTime.utc(),
    }),
    lifecycle: work.lifecycle,
    metrics: deps.metrics,
    licenseWarning: deps.licenseWarning,
    zendesk,
  };
}

/** A STAR verdict's note on its ticket, linked to the verdict's audit message. */
function verdictNoteOn(
  tickets: NonNullable<LeasedWork['tickets']>,
  logger: Logger,
): NonNullable<ConstructorParameters<typeof StarCheckService>[0]['onRecorded']> {
  return async (decision, by, auditKey) => {
    try {
      const note = verdictTicketNote(decision, await tickets.personOf(by.slackUserId));
      await tickets.queue.note(`star-${by.viewId}`, decision.ticketUrl, note, auditKey);
    } catch (error) {
      logger.warn({ viewId: by.viewId, err: (error as Error).message }, 'could not queue the Zendesk ticket update');
    }
  };
}
