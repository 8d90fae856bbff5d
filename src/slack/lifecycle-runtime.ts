import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { parseCronSchedule } from '../ops/cron-schedule';
import type { Store } from '../store/store';
import type { OutboxMessage } from '../store/types';
import { loadHome } from '../workflows/app-home-dashboard';
import type { Permissions } from '../workflows/permissions';
import { LicenseLifecycle } from '../workflows/license-lifecycle';
import { StarDigestSchedule } from '../workflows/star-digest-schedule';
import { SlackLifecycleEffects } from './license-lifecycle-effects';
import { buildStarDigestMessage } from './messages/star-digest';
import { publishHome } from './view-calls';
import { buildAppHome, buildAppHomeWithoutAccess } from './views/app-home';

/**
 * Publishes `userId`'s App Home (on app_home_opened and when a request they own changes): the
 * dashboard for a member of the requester, override or STAR groups (checked on every publish),
 * otherwise what the bot is and how to get access, with no request.
 */
export async function publishDashboard(
  client: WebClient,
  store: Store,
  permissions: Permissions,
  licensingChannel: string,
  userId: string,
  now: DateTime,
): Promise<void> {
  const home = await loadHome(store, permissions, userId, now);
  await publishHome(
    client,
    userId,
    home.access === 'granted'
      ? buildAppHome(licensingChannel, home.dashboard)
      : buildAppHomeWithoutAccess(licensingChannel, home.reason),
  );
}

export interface LifecycleRuntime {
  lifecycle: LicenseLifecycle;
  digest?: StarDigestSchedule;
  start(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Builds the trial follow-up and the weekly digest for one bot process: Slack effects over the
 * audit outbox, the scheduler over the store's leased jobs, this replica's lease owner name.
 */
export function createLifecycleRuntime(deps: {
  config: Config;
  store: Store;
  client: WebClient;
  /** Who may see requests on App Home (checked on every publish). */
  permissions: Permissions;
  audit: { publish(message: OutboxMessage): Promise<void> };
  logger: Logger;
  licenseWarning?: string;
  clock?: () => Date;
  pollIntervalMs?: number;
}): LifecycleRuntime {
  const { config, store, client, audit } = deps;
  const clock = deps.clock ?? (() => new Date());
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const logger = deps.logger.child({ component: 'lifecycle' });
  const effects = new SlackLifecycleEffects({
    audit,
    outbox: store.outbox,
    lifecycle: store.lifecycle,
    licensingChannel: config.licensingChannel,
    lrTeamUsergroup: config.lifecycle.lrTeamUsergroup,
    licenseWarning: deps.licenseWarning,
    logger,
    slack: {
      openDm: async (userId) => {
        const dm = await client.conversations.open({ users: userId });
        if (!dm.channel?.id) throw new Error('conversations.open returned no channel');
        return dm.channel.id;
      },
      refreshHome: (userId) =>
        publishDashboard(
          client,
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
    effects,
    clock,
    owner,
    leadHours: config.lifecycle.reminderHours,
    logger,
    pollIntervalMs: deps.pollIntervalMs,
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
        logger,
      })
    : undefined;
  return {
    lifecycle,
    digest,
    async start() {
      digest?.start();
      return lifecycle.start();
    },
    async stop() {
      await Promise.all([lifecycle.stop(), digest?.stop()]);
    },
  };
}
