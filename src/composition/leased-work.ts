import type { WebClient } from '@slack/web-api';
import { DateTime } from 'luxon';
import { OutboxDispatcher, DEFAULT_OUTBOX_OPTIONS } from '../audit/outbox-dispatcher';
import type { Config } from '../config';
import type { LicenseAdapter } from '../licenses/types';
import type { Logger } from '../logger';
import { parseCronSchedule } from '../ops/cron-schedule';
import type { BotMetrics } from '../ops/metrics';
import { JobRunner } from '../shared/job-runner';
import { publishDashboard } from '../slack/dashboard';
import { SlackLifecycleEffects } from '../slack/license-lifecycle-effects';
import { LicenseNoticePublisher } from '../slack/license-notice-publisher';
import { licenseNoticeKey } from '../slack/messages/license-notice';
import { buildStarDigestMessage } from '../slack/messages/star-digest';
import { noticeLinks } from '../slack/notice-links';
import type { SlackAuditSender } from '../slack/slack-audit-sender';
import { SlackLicenseNotifier } from '../slack/slack-license-notifier';
import { SlackLineRepair } from '../slack/license-line-repair';
import type { Store } from '../store/store';
import {
  DEFAULT_DELIVERY_RETRY,
  DEFAULT_REQUEST_LEASE,
  EmergencyLicenseWorkflow,
} from '../workflows/emergency-license';
import { LicenseLifecycle, withLifecycle } from '../workflows/license-lifecycle';
import type { Permissions } from '../workflows/permissions';
import { StarDigestSchedule } from '../workflows/star-digest-schedule';
import { TicketNoteRepair, withTicketNoteEffects, withTicketNotes } from '../workflows/ticket-note-events';
import { licenseWriteKey, TicketWriteQueue } from '../workflows/ticket-notes';
import { TicketWriter } from '../workflows/ticket-writer';
import type { ZendeskClient } from '../zendesk';
import { AUDIT_POST_TIMEOUT_MS } from './slack-clients';

/**
 * The leased work of one process, all under one owner name and one runner (see JobRunner): the
 * audit outbox, license requests and their hand-overs, the trial follow-up's jobs and the STAR
 * digest's runs, with the Slack effects each one has, and the repair of the Slack messages a
 * crash kept from being queued.
 */
export function composeLeasedWork(deps: {
  config: Config;
  store: Store;
  logger: Logger;
  owner: string;
  adapter: LicenseAdapter;
  auditSender: SlackAuditSender;
  /** Bolt's client: DMs and App Home of the follow-up. */
  slack: WebClient;
  /** The license DMs' client (no automatic retries: see outboundSlackClients). */
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
  const audit = new OutboxDispatcher({
    outbox: store.outbox,
    sender: deps.auditSender,
    owner,
    logger: logger.child({ component: 'outbox' }),
    options: {
      ...DEFAULT_OUTBOX_OPTIONS,
      ...config.outbox,
      sendTimeoutMs: auditSendTimeoutMs,
      leaseMs: auditSendTimeoutMs + 5_000,
    },
  });
  const lifecycleLogger = logger.child({ component: 'lifecycle' });
  const notice = new LicenseNoticePublisher({
    audit,
    stored: (key) => store.outbox.get(key),
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
  // A notice or thread line lost to a crash right after its change is queued at the next start
  // (or within the quarter hour).
  const slackRepair = new SlackLineRepair({
    requests: store.requests,
    outbox: store.outbox,
    notice,
    notifier: slackNotifier,
    everyMs: 15 * 60_000,
    logger: licenseLogger,
    now: clock,
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
      slackRepair,
      lifecycle,
      ...(digest ? [digest] : []),
      ...(tickets ? [tickets.writer, tickets.repair] : []),
    ],
    logger.child({ component: 'jobs' }),
  );
  tickets?.startWith(runner);
  return { audit, licenseRunner, slackRepair, lifecycle, runner, tickets };
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

export type LeasedWork = ReturnType<typeof composeLeasedWork>;

/**
 * Starts the leased work: the open trials' follow-ups are tracked, then the one poller of every
 * leased job (audit outbox, license requests, lifecycle jobs, digest runs) starts, and each kind's
 * first pass runs now: the license requests' one resumes what a previous run left.
 */
export async function startLeasedWork(deps: { work: LeasedWork; store: Store }) {
  const { work } = deps;
  const followUps = await work.lifecycle.trackOpenTrials();
  work.runner.start();
  const resumed = await work.runner.kick(work.licenseRunner);
  // Open modal steps live for hours at most; forget older ones.
  await deps.store.openRequests.pruneOpenRequests(new Date(Date.now() - 24 * 3_600_000));
  return { followUps, resumed };
}
