import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type CustomRoute, type Receiver } from '@slack/bolt';
import type { AuthTestResponse } from '@slack/web-api';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { guardAcks } from '../ops/ack-guard';
import type { BotMetrics } from '../ops/metrics';
import { ackLatencyRecorder } from '../slack/instrumentation';
import { createSafeHttpReceiver } from '../slack/safe-http-receiver';
import { unavailableResponse } from '../slack/unanswered';
import type { SlackClientOptions } from './slack-clients';

/**
 * The Bolt app, on the receiver the configuration selects (or the one given, in-process tests),
 * with the health routes on its public port and every ack guarded and timed.
 */
export function createBoltApp(deps: {
  config: Config;
  logger: Logger;
  metrics: BotMetrics;
  clientOptions: SlackClientOptions;
  /** The verified token's identity (see verifySlackToken). */
  auth: AuthTestResponse;
  publicRoutes: CustomRoute[];
  receiver?: Receiver;
  /** Whether the database answers now: the ack guard blames it only then. */
  databaseReachable: () => Promise<boolean>;
}): App {
  const { config, logger, clientOptions } = deps;
  const app = new App({
    token: config.slack.botToken,
    botId: deps.auth.bot_id,
    botUserId: deps.auth.user_id,
    logger: clientOptions.logger,
    extendedErrorHandler: true,
    tokenVerificationEnabled: false,
    // The bot keeps no per-conversation state; Bolt's store would run on every request for nothing.
    convoStore: false,
    clientOptions,
    ...(deps.receiver
      ? { receiver: deps.receiver }
      : config.slack.mode === 'socket'
        ? {
            socketMode: true,
            appToken: config.slack.appToken,
            customRoutes: deps.publicRoutes,
            installerOptions: { port: config.slack.healthPort },
          }
        : {
            // A guarded receiver: no signed request, however malformed, can end the process.
            receiver: createSafeHttpReceiver(
              {
                signingSecret: config.slack.signingSecret ?? '',
                customRoutes: deps.publicRoutes,
                logger: clientOptions.logger,
              },
              logger.child({ component: 'http' }),
            ),
          }),
  });
  guardAcks(app, logger.child({ component: 'ack-guard' }), {
    answer: unavailableResponse,
    onAck: ackLatencyRecorder(deps.metrics),
    databaseReachable: deps.databaseReachable,
  });
  return app;
}

/**
 * Starts receiving Slack's requests (HTTP on PORT, or Socket Mode with health on HEALTH_PORT). A
 * failed start closes the metrics server already listening, so the process can exit.
 */
export async function startReceiving(deps: { app: App; config: Config; metricsServer: { close(): Promise<void> } }) {
  const { app, config } = deps;
  const started = (await (config.slack.mode === 'socket' ? app.start() : app.start(config.slack.port)).catch(
    async (error: unknown) => {
      await deps.metricsServer.close();
      throw error;
    },
  )) as unknown;
  const server = started as Server | undefined;
  const address = server?.address?.() as AddressInfo | null | undefined;
  const port = address?.port ?? (config.slack.mode === 'socket' ? config.slack.healthPort : config.slack.port);
  return { server, port };
}
