import type { Config } from '../config';
import type { Logger } from '../logger';
import {
  healthHandler,
  livenessHandler,
  publicHealthHandler,
  publicLivenessHandler,
  type HealthProbe,
} from '../ops/health';
import type { BotMetrics } from '../ops/metrics';
import { startMetricsServer } from '../ops/metrics-server';
import type { SlackAuditSender } from '../slack/slack-audit-sender';
import type { Store } from '../store/store';
import type { DatabaseDescription } from './store';
import type { SigningKeyKind } from './license-adapter';

/** What the start and the stop learn as they go, read by every health request. */
export interface StartProgress {
  slackAuthVerified: boolean;
  shuttingDown: boolean;
  /** Undefined until the sender exists. */
  auditSender?: SlackAuditSender;
}

/**
 * The health reports. The public port (PORT, or HEALTH_PORT in socket mode) answers status codes
 * only; the facts (data folder, signing key kind, database, last Slack error) and /metrics are on
 * METRICS_PORT.
 */
export function healthEndpoints(deps: {
  store: Store;
  database: DatabaseDescription;
  signingKey: SigningKeyKind;
  progress: StartProgress;
}) {
  const { store, progress } = deps;
  const probe: HealthProbe = {
    slackAuthVerified: () => progress.slackAuthVerified,
    storeWritable: () => store.isWritable(),
    outboxBacklog: () => store.outbox.backlog(),
    shuttingDown: () => progress.shuttingDown,
    database: () => deps.database,
    details: () => ({ licenseSigningKey: deps.signingKey, auditLastError: progress.auditSender?.lastError }),
  };
  const publicHealth = publicHealthHandler(probe);
  const publicRoutes = [
    { path: '/healthz', method: ['GET', 'HEAD'], handler: publicHealth },
    // Kubernetes: readiness = /readyz (the same as /healthz), liveness = /livez (database ignored).
    { path: '/readyz', method: ['GET', 'HEAD'], handler: publicHealth },
    { path: '/livez', method: ['GET', 'HEAD'], handler: publicLivenessHandler() },
  ];
  return { publicRoutes, detailedHealth: healthHandler(probe) };
}

/** METRICS_PORT: /metrics and the detailed health report. */
export async function startMetricsEndpoint(deps: {
  config: Config;
  logger: Logger;
  metrics: BotMetrics;
  detailedHealth: ReturnType<typeof healthHandler>;
}) {
  const { config, logger } = deps;
  return startMetricsServer(
    config.slack.metricsPort,
    {
      '/metrics': deps.metrics.handler(),
      '/healthz': deps.detailedHealth,
      '/readyz': deps.detailedHealth,
      '/livez': livenessHandler(),
    },
    (error) => logger.error({ error: error.message }, 'metrics port request failed'),
  ).catch((error: Error) => {
    throw new Error(`could not listen on METRICS_PORT ${config.slack.metricsPort}: ${error.message}`);
  });
}
