import type { Server } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { App, type Receiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { DateTime } from 'luxon';
import { OutboxDispatcher, DEFAULT_OUTBOX_OPTIONS } from './audit/outbox-dispatcher';
import type { Config } from './config';
import { createLicenseAdapter, loadSigningKey } from './licenses';
import type { Logger } from './logger';
import { guardAcks } from './ops/ack-guard';
import { healthHandler, livenessHandler, publicHealthHandler, publicLivenessHandler } from './ops/health';
import { startMetricsServer } from './ops/metrics-server';
import { BotMetrics } from './ops/metrics';
import { ackLatencyRecorder, countingSlackFetch } from './slack/instrumentation';
import { connectStore } from './store/connect';
import { describeDatabaseUrl } from './store/database-url';
import { SqliteStore } from './store/sqlite';
import type { Store } from './store/store';
import { Authorizer } from './slack/authorization';
import { boltLogger } from './slack/bolt-logger';
import { registerErrorHandler } from './slack/error-handler';
import { registerListeners } from './slack/listeners';
import { createSafeHttpReceiver } from './slack/safe-http-receiver';
import type { AppServices } from './slack/services';
import { SlackAuditSender } from './slack/slack-audit-sender';
import { SlackLicenseNotifier } from './slack/slack-license-notifier';
import { UserTimeZones } from './slack/user-time-zones';
import { buildStarAuditMessage } from './slack/messages/star-audit';
import { DEFAULT_DELIVERY_RETRY, DEFAULT_REQUEST_LEASE, EmergencyLicenseWorkflow } from './workflows/emergency-license';
import { EmergencyLicenseService } from './workflows/emergency-license-service';
import { StarCheckService } from './workflows/star-check';
import { LicenseLifecycle, withLifecycle } from './workflows/license-lifecycle';
import { StarDigestSchedule } from './workflows/star-digest-schedule';
import { JobRunner } from './shared/job-runner';
import { parseCronSchedule } from './ops/cron-schedule';
import type { LicenseAdapter } from './licenses/types';
import type { Permissions } from './workflows/permissions';
import { publishDashboard } from './slack/dashboard';
import { SlackLifecycleEffects } from './slack/license-lifecycle-effects';
import { LicenseNoticePublisher } from './slack/license-notice-publisher';
import { buildStarDigestMessage } from './slack/messages/star-digest';
import { createZendeskClient, type ZendeskClient } from './zendesk';
import { noticeLinks } from './slack/notice-links';
import { licenseNoticeKey } from './slack/messages/license-notice';
import { licenseWriteKey, TicketWriteQueue } from './workflows/ticket-notes';
import { TicketWriter } from './workflows/ticket-writer';
import {
  TicketNoteRepair,
  verdictTicketNote,
  withTicketNoteEffects,
  withTicketNotes,
} from './workflows/ticket-note-events';

const AUDIT_POST_TIMEOUT_MS = 15_000;

/**
 * The name this process holds request leases under. SQLite: one process per data folder, so a
 * fixed name lets a restarted bot take its unfinished requests back at once. PostgreSQL: unique
 * per process (REPLICA_ID, else host name and pid), so a replica never mistakes another's lease
 * for its own; a restarted container with the same host name and pid 1 takes its own back at once.
 */
export function leaseOwner(config: Config): string {
  if (config.replica.id) return config.replica.id;
  return config.database.url ? `${hostname()}:${process.pid}` : 'local';
}

/** The store the configuration selects (see connectStore), with pool errors logged instead of crashing the process. */
async function openConfiguredStore(config: Config, logger: Logger): Promise<Store> {
  const store = await connectStore({
    dataDir: config.dataDir,
    databaseUrl: config.database.url,
    postgres: {
      max: config.database.poolMax,
      connectionTimeoutMs: config.database.connectTimeoutMs,
      statementTimeoutMs: config.database.statementTimeoutMs,
      onPoolError: (error) =>
        logger.warn(
          { error: error.message },
          'an idle database connection failed (e.g. a PostgreSQL restart); it is replaced on next use',
        ),
    },
  });
  if (store instanceof SqliteStore) {
    for (const fix of store.modeFixes) {
      logger.warn(
        { path: fix.path, from: fix.from, to: fix.to },
        'tightened the permissions of the data folder/file: customer data is for the bot user only',
      );
    }
    // One process per SQLite file: an audit lease found now was left by this bot's previous run
    // (a crash mid-post). Free it, so the restart resends at once instead of after the lease.
    const leftover = (await store.outbox.due(new Date('9999-12-31T23:59:59.999Z'), 100_000)).filter(
      (entry) => entry.claimedUntil,
    );
    if (leftover.length > 0) await store.outbox.releaseClaims(leftover.map((entry) => entry.key));
  }
  return store;
}

export interface RunningBot {
  /** The HTTP port actually bound (app port in http mode, health port in socket mode). */
  port: number;
  /** The port of /metrics and the detailed health report (METRICS_PORT, or the one bound for 0). */
  metricsPort: number;
  services: AppServices;
  stop(): Promise<void>;
}

function licenseAdapterFor(config: Config, logger: Logger) {
  // The config schema requires the GitLab settings with this adapter: no fallback to local here.
  if (config.licenseAdapter === 'gitlab-issue') {
    return createLicenseAdapter({
      adapter: 'gitlab-issue',
      baseUrl: config.gitlab.url,
      token: config.gitlab.token,
      projectId: config.gitlab.projectId,
      pollIntervalMs: config.gitlab.pollIntervalMs,
      timeoutMs: config.gitlab.timeoutMs,
      requestTimeoutMs: 10_000,
    });
  }
  let signingKey;
  try {
    signingKey = loadSigningKey({
      keyPath: config.licenseSigningKeyPath,
      dataDir: config.dataDir,
      warn: (message) => logger.warn(message),
    });
  } catch (error) {
    throw new Error(`LICENSE_SIGNING_KEY_PATH: ${(error as Error).message}`, { cause: error });
  }
  return createLicenseAdapter({
    adapter: 'local',
    dataDir: config.dataDir,
    warn: (message) => logger.warn(message),
    signingKey,
  });
}

/** Shown wherever a license is handed over, so nobody sends a customer a file that cannot work. */
export const DEVELOPMENT_KEY_WARNING =
  'Signed with the DEVELOPMENT key: real GitLab instances will not accept this license. An admin must set ' +
  'LICENSE_SIGNING_KEY_PATH.';

/**
 * The leased work of one process, all under one owner name and one runner (see JobRunner): the
 * audit outbox, license requests and their hand-overs, the trial follow-up's jobs and the STAR
 * digest's runs, with the Slack effects each one has.
 */
function composeLeasedWork(deps: {
  config: Config;
  store: Store;
  logger: Logger;
  owner: string;
  adapter: LicenseAdapter;
  auditSender: SlackAuditSender;
  /** Bolt's client: DMs and App Home of the follow-up. */
  slack: WebClient;
  /** The license DMs' client (no automatic retries: see startBot). */
  deliveryClient: WebClient;
  permissions: Permissions;
  metrics: BotMetrics;
  licenseWarning?: string;
  /** Undefined without Zendesk credentials: nothing is written on tickets then. */
  zendesk?: ZendeskClient;
}) {
  const { config, store, logger, owner, licenseWarning } = deps;
  const clock = () => new Date();
  // Each audit post is made by one replica: an entry is leased for longer than its post may take,
  // one entry per claim, so a replica dying mid-post holds back only that entry, for ~20 s.
  const auditSendTimeoutMs = Math.max(config.slack.apiTimeoutMs, AUDIT_POST_TIMEOUT_MS);
  const audit = new OutboxDispatcher(store.outbox, deps.auditSender, logger.child({ component: 'outbox' }), {
    ...DEFAULT_OUTBOX_OPTIONS,
    ...config.outbox,
    sendTimeoutMs: auditSendTimeoutMs,
    leaseMs: auditSendTimeoutMs + 5_000,
  });
  const lifecycleLogger = logger.child({ component: 'lifecycle' });
  const notice = new LicenseNoticePublisher({
    audit,
    latest: (requestId) => store.requests.getRequest(requestId),
    resolution: (requestId) => store.lifecycle.resolution(requestId),
    licensingChannel: config.licensingChannel,
    licenseWarning,
    ...(deps.zendesk ? { licenseWrite: (requestId) => store.ticketWrites.get(licenseWriteKey(requestId)) } : {}),
  });
  const tickets = deps.zendesk && composeTicketWrites({ ...deps, zendesk: deps.zendesk, notice, clock });
  const slackEffects = new SlackLifecycleEffects({
    audit,
    notice,
    outbox: store.outbox,
    lifecycle: store.lifecycle,
    licensingChannel: config.licensingChannel,
    lrTeamUsergroup: config.lifecycle.lrTeamUsergroup,
    logger: lifecycleLogger,
    slack: {
      openDm: async (userId) => {
        const dm = await deps.slack.conversations.open({ users: userId });
        if (!dm.channel?.id) throw new Error('conversations.open returned no channel');
        return dm.channel.id;
      },
      refreshHome: (userId) =>
        publishDashboard(
          deps.slack,
          store,
          deps.permissions,
          config.licensingChannel,
          userId,
          DateTime.fromJSDate(clock(), { zone: 'utc' }),
        ),
    },
  });
  const lifecycle = new LicenseLifecycle({
    store,
    effects: tickets
      ? withTicketNoteEffects(slackEffects, tickets.queue, {
          personOf: tickets.personOf,
          lrTeamNotified: Boolean(config.lifecycle.lrTeamUsergroup),
          logger: lifecycleLogger,
        })
      : slackEffects,
    clock,
    owner,
    leadHours: config.lifecycle.reminderHours,
    logger: lifecycleLogger,
  });
  const licenseLogger = logger.child({ component: 'licenses' });
  const slackNotifier = new SlackLicenseNotifier({
    client: deps.deliveryClient,
    notice,
    audit,
    licensingChannel: config.licensingChannel,
    logger: licenseLogger,
    onStatus: (status) => deps.metrics.licenseRequests.inc({ status }),
    licenseWarning,
    uploadTimeoutMs: config.slack.apiTimeoutMs,
  });
  const licenseRunner = new EmergencyLicenseWorkflow({
    requests: store.requests,
    adapter: deps.adapter,
    notifier: withLifecycle(
      tickets ? withTicketNotes(slackNotifier, tickets.queue, tickets.delivery, licenseLogger) : slackNotifier,
      lifecycle,
      logger,
    ),
    logger: licenseLogger,
    // Handing a license over is retried on the audit outbox's cadence and backoff bounds.
    deliveryRetry: {
      ...DEFAULT_DELIVERY_RETRY,
      pollIntervalMs: config.outbox.pollIntervalMs,
      minBackoffMs: config.outbox.minBackoffMs,
      maxBackoffMs: config.outbox.maxBackoffMs,
    },
    lease: { ...DEFAULT_REQUEST_LEASE, owner, leaseMs: config.replica.requestLeaseMs },
  });
  const digest = config.lifecycle.starDigestCron
    ? new StarDigestSchedule({
        schedule: parseCronSchedule(config.lifecycle.starDigestCron),
        runs: store.lifecycle,
        decisions: store.decisions,
        publish: (key, value) =>
          audit.publish({ key, channel: config.licensingChannel, ...buildStarDigestMessage(value) }),
        clock,
        owner,
        logger: lifecycleLogger,
      })
    : undefined;
  const runner = new JobRunner(
    [
      audit,
      licenseRunner,
      lifecycle,
      ...(digest ? [digest] : []),
      ...(tickets ? [tickets.writer, tickets.repair] : []),
    ],
    logger.child({ component: 'jobs' }),
  );
  tickets?.startWith(runner);
  return { audit, licenseRunner, lifecycle, runner, tickets };
}

/**
 * The Zendesk ticket writes (issue 20): the queue the events write to and the writer that sends
 * them, on the audit outbox's cadence and backoff bounds. A note waits a little for its Slack
 * notice to be posted, so that it can link to it.
 */
function composeTicketWrites(deps: {
  config: Config;
  store: Store;
  logger: Logger;
  owner: string;
  slack: WebClient;
  zendesk: ZendeskClient;
  notice: LicenseNoticePublisher;
  clock: () => Date;
}) {
  const { config, store, clock } = deps;
  const settings = config.zendesk!;
  const logger = deps.logger.child({ component: 'zendesk-writes' });
  let runner: JobRunner | undefined;
  const writer = new TicketWriter({
    writes: store.ticketWrites,
    requests: store.requests,
    client: deps.zendesk,
    link: noticeLinks(store.outbox, deps.slack, logger),
    licenseWriteChanged: async (requestId) => {
      const record = await store.requests.getRequest(requestId);
      if (record) await deps.notice.publish(record);
    },
    owner: deps.owner,
    // A write is a comment check (up to 20 pages), an upload and an update, each bounded by the timeout.
    leaseMs: 25 * settings.timeoutMs,
    retry: { minMs: config.outbox.minBackoffMs, maxMs: config.outbox.maxBackoffMs },
    linkWaitMs: 60_000,
    everyMs: config.outbox.pollIntervalMs,
    logger,
    now: clock,
  });
  const queue = new TicketWriteQueue({
    writes: store.ticketWrites,
    noticeKeyOf: (requestId) => licenseNoticeKey({ id: requestId }),
    kick: () => void runner?.kick(writer),
    delivery: settings.licenseDelivery,
    now: clock,
  });
  // A note lost to a crash right after its event is queued at the next start (or within the quarter hour).
  const repair = new TicketNoteRepair({
    requests: store.requests,
    queue,
    delivery: settings.licenseDelivery,
    everyMs: 15 * 60_000,
    logger,
    now: clock,
  });
  const personOf = async (slackUserId: string) =>
    (await store.preferences.getPreferences(slackUserId)).gitlabUsername ?? `Slack user ${slackUserId}`;
  return {
    writer,
    repair,
    queue,
    personOf,
    delivery: settings.licenseDelivery,
    startWith: (jobs: JobRunner) => (runner = jobs),
  };
}

/** A STAR verdict's note on its ticket, linked to the verdict's audit message. */
function verdictNoteOn(
  tickets: NonNullable<ReturnType<typeof composeLeasedWork>['tickets']>,
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

export interface StartOptions {
  /** Receive Slack's requests through this receiver instead of HTTP or Socket Mode (in-process tests). */
  receiver?: Receiver;
}

/**
 * Wires the bot together (config → store → adapters → Bolt app) and starts it. Used by main and
 * by the end-to-end tests, which point SLACK_API_URL at a loopback fake.
 */
export async function startBot(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningBot> {
  const startedAt = performance.now();
  const store = await openConfiguredStore(config, logger);
  const database = config.database.url
    ? { backend: 'postgres' as const, location: describeDatabaseUrl(config.database.url) }
    : { backend: 'sqlite' as const, location: config.dataDir };
  const owner = leaseOwner(config);
  const developmentKey = config.licenseAdapter === 'local' && !config.licenseSigningKeyPath;
  const adapter = licenseAdapterFor(config, logger);
  const licenseWarning = developmentKey ? DEVELOPMENT_KEY_WARNING : undefined;
  if (developmentKey && config.database.url) {
    // Each replica would sign with a development key of its own DATA_DIR: one key for all is a must.
    logger.warn(
      'Several replicas share DATABASE_URL but no LICENSE_SIGNING_KEY_PATH is set: each replica signs with its own ' +
        'development key. Give every replica the same key.',
    );
  }
  let shuttingDown = false;
  let slackAuthVerified = false;
  // Assigned once below, but the health handler reads it first (undefined until the sender exists).
  // eslint-disable-next-line prefer-const
  let auditSender: SlackAuditSender | undefined;

  const probe = {
    slackAuthVerified: () => slackAuthVerified,
    storeWritable: () => store.isWritable(),
    outboxBacklog: () => store.outbox.backlog(),
    shuttingDown: () => shuttingDown,
    database: () => database,
    details: () => ({
      licenseSigningKey: config.licenseAdapter === 'local' ? (developmentKey ? 'development' : 'configured') : 'n/a',
      auditLastError: auditSender?.lastError,
    }),
  };
  const metrics = new BotMetrics(() => store.outbox.backlog());
  // The public port (PORT, or HEALTH_PORT in socket mode) answers status codes only; the facts
  // (data folder, signing key kind, database, last Slack error) and /metrics are on METRICS_PORT.
  const publicHealth = publicHealthHandler(probe);
  const customRoutes = [
    { path: '/healthz', method: ['GET', 'HEAD'], handler: publicHealth },
    // Kubernetes: readiness = /readyz (the same as /healthz), liveness = /livez (database ignored).
    { path: '/readyz', method: ['GET', 'HEAD'], handler: publicHealth },
    { path: '/livez', method: ['GET', 'HEAD'], handler: publicLivenessHandler() },
  ];
  const detailedHealth = healthHandler(probe);

  const slackLogger = boltLogger(logger);
  const clientOptions = {
    slackApiUrl: config.slack.apiUrl,
    // Failed calls are counted for /metrics by the fetch every client (Bolt's own too) uses.
    fetch: countingSlackFetch(config.slack.apiUrl ?? 'https://slack.com/api/', (method) =>
      metrics.slackApiErrors.inc({ method }),
    ),
    timeout: config.slack.apiTimeoutMs,
    logger: slackLogger,
    // Small and bounded: a trigger_id lives 3 s, and the audit outbox has its own retries.
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1000, randomize: true },
  };

  // Verified once at start, so a bad token stops the start with a clear message, and the bot's
  // identity is known: Bolt then never calls auth.test again before an ack.
  const auth = await new WebClient(config.slack.botToken, clientOptions).auth
    .test()
    .catch((error: { data?: { error?: string }; message?: string }) => {
      throw new Error(
        error.data?.error
          ? `Slack rejected SLACK_BOT_TOKEN (auth.test: ${error.data.error})`
          : `could not reach Slack at ${config.slack.apiUrl ?? 'https://slack.com/api/'} to verify ` +
              `SLACK_BOT_TOKEN (${error.message ?? 'no answer'})`,
      );
    });
  slackAuthVerified = true;
  logger.info({ team: auth.team, botUserId: auth.user_id }, 'Slack token verified');

  const app = new App({
    token: config.slack.botToken,
    botId: auth.bot_id,
    botUserId: auth.user_id,
    logger: slackLogger,
    extendedErrorHandler: true,
    tokenVerificationEnabled: false,
    // The bot keeps no per-conversation state; Bolt's store would run on every request for nothing.
    convoStore: false,
    clientOptions,
    ...(options.receiver
      ? { receiver: options.receiver }
      : config.slack.mode === 'socket'
        ? {
            socketMode: true,
            appToken: config.slack.appToken,
            customRoutes,
            installerOptions: { port: config.slack.healthPort },
          }
        : {
            // A guarded receiver: no signed request, however malformed, can end the process.
            receiver: createSafeHttpReceiver(
              { signingSecret: config.slack.signingSecret ?? '', customRoutes, logger: slackLogger },
              logger.child({ component: 'http' }),
            ),
          }),
  });

  guardAcks(app, logger.child({ component: 'ack-guard' }), { onAck: ackLatencyRecorder(metrics) });

  // The audit trail has a client of its own: a 429 must not pause the queue that opens modals, and
  // the outbox schedules its own retries (honouring Retry-After). Posts get a generous timeout,
  // because a post abandoned on timeout may still have reached the channel.
  const auditClient = new WebClient(config.slack.botToken, {
    ...clientOptions,
    timeout: Math.max(config.slack.apiTimeoutMs, AUDIT_POST_TIMEOUT_MS),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  auditSender = new SlackAuditSender(auditClient);
  const authz = new Authorizer(app.client, config.authorization, logger.child({ component: 'authz' }));
  if (authz.openMode)
    logger.warn(
      'AUTHORIZATION_MODE=open: EVERYONE in the workspace may run every command and request licenses. Use only ' +
        'in a trial workspace.',
    );
  // License DMs have a client of their own without automatic retries: each call then lasts at most
  // SLACK_API_TIMEOUT_MS, which the configuration keeps below REQUEST_LEASE_MS, so a DM fenced by
  // the request's lease is sent (or abandoned) before that lease can pass to another replica. The
  // workflow retries a failed hand-over itself, with backoff.
  const deliveryClient = new WebClient(config.slack.botToken, { ...clientOptions, retryConfig: { retries: 0 } });
  // Without Zendesk credentials: undefined, and no flow calls Zendesk.
  const zendesk = createZendeskClient(config.zendesk, logger.child({ component: 'zendesk' }));
  const work = composeLeasedWork({
    zendesk,
    config,
    store,
    logger,
    owner,
    adapter,
    auditSender,
    slack: app.client,
    deliveryClient,
    permissions: authz,
    metrics,
    licenseWarning,
  });

  const services: AppServices = {
    config,
    logger,
    store,
    now: () => DateTime.utc(),
    audit: work.audit,
    timeZones: new UserTimeZones(app.client, store.preferences, logger.child({ component: 'tz' })),
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
      onVerdict: (verdict) => metrics.verdicts.inc({ verdict }),
      ...(work.tickets ? { onRecorded: verdictNoteOn(work.tickets, logger) } : {}),
      now: () => DateTime.utc(),
    }),
    lifecycle: work.lifecycle,
    metrics,
    licenseWarning,
    zendesk,
  };
  registerListeners(app, services);
  registerErrorHandler(app, logger);

  const metricsServer = await startMetricsServer(
    config.slack.metricsPort,
    {
      '/metrics': metrics.handler(),
      '/healthz': detailedHealth,
      '/readyz': detailedHealth,
      '/livez': livenessHandler(),
    },
    (error) => logger.error({ error: error.message }, 'metrics port request failed'),
  ).catch((error: Error) => {
    throw new Error(`could not listen on METRICS_PORT ${config.slack.metricsPort}: ${error.message}`);
  });
  authz.start();
  const started = (await (config.slack.mode === 'socket' ? app.start() : app.start(config.slack.port)).catch(
    async (error: unknown) => {
      await metricsServer.close();
      throw error;
    },
  )) as unknown;
  const address = (started as Server | undefined)?.address?.() as AddressInfo | null | undefined;
  const port = address?.port ?? (config.slack.mode === 'socket' ? config.slack.healthPort : config.slack.port);
  const followUps = await work.lifecycle.trackOpenTrials();
  // One poller for every leased job (audit outbox, license requests, lifecycle jobs, digest runs);
  // each kind's first pass runs now: the license requests' one resumes what a previous run left.
  work.runner.start();
  const resumed = await work.runner.kick(work.licenseRunner);
  // Open modal steps live for hours at most; forget older ones.
  await store.openRequests.pruneOpenRequests(new Date(Date.now() - 24 * 3_600_000));
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

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      shuttingDown = true;
      const deadline = config.shutdownTimeoutMs;
      // Stop accepting requests; idle keep-alive connections would otherwise hold the server open.
      const server = started as Server | undefined;
      server?.closeIdleConnections?.();
      const receiverStopped = app
        .stop()
        .catch((error: Error) => logger.warn({ error: error.message }, 'stopping the Slack receiver failed'));
      const forceClose = setTimeout(() => server?.closeAllConnections?.(), Math.min(2000, deadline / 4));
      await receiverStopped;
      clearTimeout(forceClose);
      authz.stop();
      await Promise.race([
        Promise.all([work.runner.stop(), work.licenseRunner.settle(), work.lifecycle.stop()]),
        new Promise((resolve) => setTimeout(resolve, deadline / 2).unref()),
      ]);
      // What is still in progress (a GitLab issue followed for minutes) goes to another replica now.
      await work.licenseRunner.releaseLeases();
      await work.audit.stop(deadline / 2);
      await metricsServer.close();
      await store.close();
      logger.info('stopped');
    })());

  return { port, metricsPort: metricsServer.port, services, stop };
}
