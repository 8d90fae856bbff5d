import type { DateTime } from 'luxon';
import type { LifecycleRepository } from '../store/lifecycle-types';
import type { LicenseRequestRecord, LicenseRequestRepository } from '../store/types';
import {
  DASHBOARD_CAPS,
  type AppHomeDashboard,
  type DashboardLicense,
  type DashboardRequest,
} from '../slack/views/app-home';
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
