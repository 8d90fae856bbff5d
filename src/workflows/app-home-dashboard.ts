import type { DateTime } from 'luxon';
import type { LifecycleRepository } from '../store/lifecycle-types';
import type { LicenseRequestRecord, LicenseRequestRepository, StarDecisionRecord } from '../store/types';
import { OPEN_TRIAL_HORIZON_DAYS } from './license-lifecycle';
import type { Permissions } from './permissions';

/** What App Home may show `slackUserId`: the dashboard, or (not a member) only why and how to get access. */
export type AppHome = { access: 'granted'; dashboard: AppHomeDashboard } | { access: 'denied'; reason: string };

/**
 * Checks `see_requests` (membership read afresh) before anything is loaded: every publish, on
 * app_home_opened and on the refresh after a request changes, goes through here, so a dashboard
 * with customer data never reaches a non-member.
 */
export async function loadHome(
  store: DashboardStore,
  permissions: Permissions,
  slackUserId: string,
  now: DateTime,
): Promise<AppHome> {
  const decision = await permissions.check(slackUserId, 'see_requests');
  if (!decision.allowed) return { access: 'denied', reason: decision.reason };
  return { access: 'granted', dashboard: await loadDashboard(store, slackUserId, now) };
}

/** An open trial as the dashboard shows it; a LicenseRequestRecord plus its follow-up state fits. */
export type DashboardLicense = Pick<
  LicenseRequestRecord,
  'id' | 'ticketUrl' | 'email' | 'userCount' | 'requestedBySlackId' | 'status'
> & {
  trialExpiresOn?: string;
  resolvedAt?: string;
  /** Set once someone pressed "Needs L&R". */
  needsLrBySlackId?: string;
};

export type DashboardRequest = Pick<
  LicenseRequestRecord,
  'id' | 'ticketUrl' | 'email' | 'userCount' | 'status' | 'createdAt'
> & { trialExpiresOn?: string; resolvedAt?: string };
export type DashboardStarCheck = Pick<StarDecisionRecord, 'id' | 'ticketUrl' | 'verdict' | 'createdAt'>;

/** Everything the dashboard shows (loaded here; Slack's view builder `buildAppHome` stays pure). */
export interface AppHomeDashboard {
  now: DateTime;
  /** Generated, unresolved trials (others are filtered out here too). */
  openLicenses: DashboardLicense[];
  /** The viewer's own recent license requests, newest first. */
  recentRequests: DashboardRequest[];
  /** The viewer's own recent STAR checks, newest first. */
  recentStarChecks: DashboardStarCheck[];
  /** Show the "STAR check" button; only when a listener for OPEN_STAR_CHECK_ACTION is registered. */
  starCheckButton?: boolean;
}

/** Caps that keep the view under Slack's 100 blocks: 3 + 2 + 2×20 + 1 + 2 + 10 + 2 + 10 + 1 = 71. */
export const DASHBOARD_CAPS = { openLicenses: 20, recentRequests: 10, recentStarChecks: 10 } as const;

type DashboardStore = {
  requests: Pick<LicenseRequestRepository, 'getRequest'>;
  lifecycle: Pick<LifecycleRepository, 'openTrialIds' | 'requestIdsBy' | 'decisionsBy' | 'resolution'>;
};

/**
 * Loads what the App Home dashboard shows for `slackUserId` (the builder stays pure): every open
 * trial (generated, unresolved; lapsed ones for two weeks), and the viewer's own recent requests
 * and STAR checks. One more open trial than shown is loaded so the builder can say "…and more".
 */
export async function loadDashboard(
  store: DashboardStore,
  slackUserId: string,
  now: DateTime,
): Promise<AppHomeDashboard> {
  const since = now.minus({ days: OPEN_TRIAL_HORIZON_DAYS }).toISODate()!;
  const [openIds, ownIds, recentStarChecks] = await Promise.all([
    store.lifecycle.openTrialIds(since, DASHBOARD_CAPS.openLicenses + 1),
    store.lifecycle.requestIdsBy(slackUserId, DASHBOARD_CAPS.recentRequests),
    store.lifecycle.decisionsBy(slackUserId, DASHBOARD_CAPS.recentStarChecks),
  ]);
  const withResolution = async (id: string) => {
    const [record, resolution] = await Promise.all([store.requests.getRequest(id), store.lifecycle.resolution(id)]);
    return record ? { record, resolution } : undefined;
  };
  const present = <T>(items: (T | undefined)[]) => items.filter((item): item is T => item !== undefined);
  const open = present(await Promise.all(openIds.map(withResolution)));
  const own = present(await Promise.all(ownIds.map(withResolution)));
  const openLicenses: DashboardLicense[] = open.map(({ record, resolution }) => ({
    ...pick(record),
    requestedBySlackId: record.requestedBySlackId,
    ...(resolution.resolvedAt ? { resolvedAt: resolution.resolvedAt } : {}),
    ...(resolution.needsLrBySlackId ? { needsLrBySlackId: resolution.needsLrBySlackId } : {}),
  }));
  const recentRequests: DashboardRequest[] = own.map(({ record, resolution }) => ({
    ...pick(record),
    createdAt: record.createdAt,
    ...(resolution.resolvedAt ? { resolvedAt: resolution.resolvedAt } : {}),
  }));
  return { now, openLicenses, recentRequests, recentStarChecks, starCheckButton: true };
}

const pick = (record: LicenseRequestRecord) => ({
  id: record.id,
  ticketUrl: record.ticketUrl,
  email: record.email,
  userCount: record.userCount,
  status: record.status,
  ...(record.status === 'generated' ? { trialExpiresOn: record.trialExpiresOn } : {}),
});
