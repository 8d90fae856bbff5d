import type { Receiver } from '@slack/bolt';
import { createBoltApp, startReceiving } from './composition/bolt-app';
import { healthEndpoints, startMetricsEndpoint, type StartProgress } from './composition/health-endpoints';
import { composeLeasedWork, startLeasedWork } from './composition/leased-work';
import { leaseOwner } from './composition/lease-owner';
import { configuredLicenseAdapter } from './composition/license-adapter';
import { stopOnce } from './composition/shutdown';
import { listenerServices, slackAuthorizer } from './composition/services';
import { outboundSlackClients, slackClientOptions, verifySlackToken } from './composition/slack-clients';
import { describeDatabase, openConfiguredStore } from './composition/store';
import type { Config } from './config';
import type { Logger } from './logger';
import { BotMetrics } from './ops/metrics';
import { registerErrorHandler } from './slack/error-handler';
import { registerListeners } from './slack/listeners';
import type { AppServices } from './slack/services';
import { SlackAuditSender } from './slack/slack-audit-sender';
import { createZendeskClient } from './zendesk';

export { leaseOwner } from './composition/lease-owner';
export { DEVELOPMENT_KEY_WARNING } from './composition/license-adapter';

export interface RunningBot {
  /** The HTTP port actually bound (app port in http mode, health port in socket mode). */
  port: number;
  /** The port of /metrics and the detailed health report (METRICS_PORT, or the one bound for 0). */
  metricsPort: number;
  services: AppServices;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Receive Slack's requests through this receiver instead of HTTP or Socket Mode (in-process tests). */
  receiver?: Receiver;
}

/**
 * Wires the bot together and starts it; each step is one function of src/composition/, given its
 * dependencies by name. Used by main and by the end-to-end tests, which point SLACK_API_URL at a
 * loopback fake.
 */
export async function startBot(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningBot> {
  const startedAt = performance.now();
  const store = await openConfiguredStore({ config, logger });
  const database = describeDatabase(config);
  const owner = leaseOwner(config);
  const { adapter, licenseWarning, signingKey } = configuredLicenseAdapter({ config, logger });
  const progress: StartProgress = { slackAuthVerified: false, shuttingDown: false };
  const metrics = new BotMetrics(() => store.outbox.backlog());
  const { publicRoutes, detailedHealth } = healthEndpoints({ store, database, signingKey, progress });

  const clientOptions = slackClientOptions({ config, logger, metrics });
  const auth = await verifySlackToken({ config, clientOptions, logger });
  progress.slackAuthVerified = true;
  const app = createBoltApp({
    config,
    logger,
    metrics,
    clientOptions,
    auth,
    publicRoutes,
    receiver: options.receiver,
    databaseReachable: () => store.isWritable(),
  });
  const clients = outboundSlackClients({ config, clientOptions });
  const auditSender = new SlackAuditSender(clients.auditPosts);
  progress.auditSender = auditSender;
  const authz = slackAuthorizer({ app, config, logger });
  // Without Zendesk credentials: undefined, and no flow calls Zendesk.
  const zendesk = createZendeskClient(config.zendesk, logger.child({ component: 'zendesk' }));
  const work = composeLeasedWork({
    config,
    store,
    logger,
    owner,
    adapter,
    auditSender,
    slack: app.client,
    deliveryClient: clients.licenseDelivery,
    permissions: authz,
    metrics,
    licenseWarning,
    zendesk,
  });
  const services = listenerServices({ app, config, logger, store, authz, work, metrics, licenseWarning, zendesk });
  registerListeners(app, services);
  registerErrorHandler(app, logger);

  const metricsServer = await startMetricsEndpoint({ config, logger, metrics, detailedHealth });
  authz.start();
  const { server, port } = await startReceiving({ app, config, metricsServer });
  const { followUps, resumed } = await startLeasedWork({ work, store });
  logger.info(
    {
      mode: config.slack.mode,
      port,
      metricsPort: metricsServer.port,
      adapter: adapter.name,
      store: database.backend,
      replica: owner,
      resumed,
      followUps,
      readyMs: Math.round(performance.now() - startedAt),
    },
    'L&R on-call bot ready',
  );

  const stop = stopOnce({ config, logger, progress, app, server, authz, work, metricsServer, store });
  return { port, metricsPort: metricsServer.port, services, stop };
}
