import { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { BotMetrics } from '../ops/metrics';
import { boltLogger } from '../slack/bolt-logger';
import { countingSlackFetch } from '../slack/instrumentation';

/** The longest an audit post may take; the outbox leases an entry for longer (see composeLeasedWork). */
export const AUDIT_POST_TIMEOUT_MS = 15_000;

/** The options every Slack client takes, Bolt's own included. */
export type SlackClientOptions = ReturnType<typeof slackClientOptions>;

export function slackClientOptions(deps: { config: Config; logger: Logger; metrics: BotMetrics }) {
  const { config, metrics } = deps;
  return {
    slackApiUrl: config.slack.apiUrl,
    // Failed calls are counted for /metrics by the fetch every client (Bolt's own too) uses.
    fetch: countingSlackFetch(config.slack.apiUrl ?? 'https://slack.com/api/', (method) =>
      metrics.slackApiErrors.inc({ method }),
    ),
    timeout: config.slack.apiTimeoutMs,
    logger: boltLogger(deps.logger),
    // Small and bounded: a trigger_id lives 3 s, and the audit outbox has its own retries.
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1000, randomize: true },
  };
}

/**
 * Verified once at start, so a bad token stops the start with a clear message, and the bot's
 * identity is known: Bolt then never calls auth.test again before an ack.
 */
export async function verifySlackToken(deps: { config: Config; clientOptions: SlackClientOptions; logger: Logger }) {
  const { config } = deps;
  const auth = await new WebClient(config.slack.botToken, deps.clientOptions).auth
    .test()
    .catch((error: { data?: { error?: string }; message?: string }) => {
      throw new Error(
        error.data?.error
          ? `Slack rejected SLACK_BOT_TOKEN (auth.test: ${error.data.error})`
          : `could not reach Slack at ${config.slack.apiUrl ?? 'https://slack.com/api/'} to verify ` +
              `SLACK_BOT_TOKEN (${error.message ?? 'no answer'})`,
      );
    });
  deps.logger.info({ team: auth.team, botUserId: auth.user_id }, 'Slack token verified');
  return auth;
}

/** The clients of the work that retries on its own schedule, apart from Bolt's client. */
export function outboundSlackClients(deps: { config: Config; clientOptions: SlackClientOptions }) {
  const { config, clientOptions } = deps;
  return {
    // The audit trail has a client of its own: a 429 must not pause the queue that opens modals, and
    // the outbox schedules its own retries (honouring Retry-After). Posts get a generous timeout,
    // because a post abandoned on timeout may still have reached the channel.
    auditPosts: new WebClient(config.slack.botToken, {
      ...clientOptions,
      timeout: Math.max(config.slack.apiTimeoutMs, AUDIT_POST_TIMEOUT_MS),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    }),
    // License DMs have a client of their own without automatic retries: each call then lasts at most
    // SLACK_API_TIMEOUT_MS, which the configuration keeps below REQUEST_LEASE_MS, so a DM fenced by
    // the request's lease is sent (or abandoned) before that lease can pass to another replica. The
    // workflow retries a failed hand-over itself, with backoff.
    licenseDelivery: new WebClient(config.slack.botToken, { ...clientOptions, retryConfig: { retries: 0 } }),
  };
}
