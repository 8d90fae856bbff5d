import type { DateTime } from 'luxon';
import type { Logger } from 'pino';
import type { OutboxDispatcher } from '../audit/outbox-dispatcher';
import type { Config } from '../config';
import type { BotMetrics } from '../ops/metrics';
import type { Store } from '../store/store';
import type { EmergencyLicenseWorkflow } from '../workflows/emergency-license';
import type { EmergencyLicenseService } from '../workflows/emergency-license-service';
import type { StarCheckService } from '../workflows/star-check';
import type { LicenseLifecycle } from '../workflows/license-lifecycle';
import type { ZendeskClient } from '../zendesk';
import type { Authorizer } from './authorization';
import type { UserTimeZones } from './user-time-zones';

/** What listeners need from the rest of the bot; built once in main and passed to `registerListeners`. */
export interface AppServices {
  config: Config;
  logger: Logger;
  /** For start-up, shutdown and tests; listeners go through the services below, never the store. */
  store: Store;
  now: () => DateTime;
  audit: OutboxDispatcher;
  timeZones: UserTimeZones;
  authz: Authorizer;
  /** Runs license requests under their lease (adapter, hand-over, retries); fed by `licenseIntake`. */
  licenseRunner: EmergencyLicenseWorkflow;
  /** Takes emergency license requests in: validation, scope, idempotency, open requests, preferences. */
  licenseIntake: EmergencyLicenseService;
  /** /star-check: questions, validation, verdict, decision record and audit message. */
  starCheck: StarCheckService;
  /** Trial follow-up: reminders, lapse, Resolved / Needs L&R, App Home refresh (issue 12). */
  lifecycle: LicenseLifecycle;
  metrics: BotMetrics;
  /** Reads ticket facts for the forms (issue 20); undefined without Zendesk credentials: no Zendesk calls. */
  zendesk?: ZendeskClient;
  /** Set when generated licenses cannot work on a customer instance (development signing key). */
  licenseWarning?: string;
}
