import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { slackErrorCode } from '../shared/slack-errors';
import { SingleFlight } from '../shared/single-flight';

import type { Capability, PermissionDecision, Permissions } from '../workflows/permissions';

export type { Capability };
export type AuthorizationDecision = PermissionDecision;

type GroupCapability = Exclude<Capability, 'see_requests'>;

/** How long one usergroups.users.list may take; a group not read in time reads as unreadable (deny). */
const LOOKUP_TIMEOUT_MS = 1500;

const CAPABILITY_SETTINGS: Record<
  GroupCapability,
  { groups: keyof Config['authorization']; variable: string; what: string; emptyMeansEveryone: boolean }
> = {
  star_check: {
    groups: 'starCheckGroups',
    variable: 'STAR_CHECK_USERGROUPS',
    what: 'run /star-check',
    emptyMeansEveryone: true,
  },
  request_license: {
    groups: 'requesterGroups',
    variable: 'LICENSE_REQUESTER_USERGROUPS',
    what: 'request emergency licenses',
    emptyMeansEveryone: false,
  },
  override_scope: {
    groups: 'overrideGroups',
    variable: 'LICENSE_OVERRIDE_USERGROUPS',
    what: 'override the emergency scope check',
    emptyMeansEveryone: false,
  },
};

interface CachedGroup {
  members: Set<string>;
  fetchedAt: number;
}

/**
 * Deny-by-default authorization from Slack user groups. Membership comes from
 * usergroups.users.list, cached for a few minutes and refreshed in the background so that a
 * check is normally an in-memory lookup; when membership cannot be read the answer is "no".
 */
export class Authorizer implements Permissions {
  private readonly cache = new Map<string, CachedGroup>();
  private readonly lookups = new SingleFlight<CachedGroup>();
  private refreshTimer?: NodeJS.Timeout;

  constructor(private readonly deps: { client: WebClient; settings: Config['authorization']; logger: Logger }) {}

  get openMode(): boolean {
    return this.deps.settings.mode === 'open';
  }

  private allGroups(): string[] {
    return [
      ...new Set([
        ...this.deps.settings.starCheckGroups,
        ...this.deps.settings.requesterGroups,
        ...this.deps.settings.overrideGroups,
      ]),
    ];
  }

  /** Loads every configured group now and keeps them fresh. */
  start(): void {
    if (this.openMode) return;
    const refresh = () => {
      for (const group of this.allGroups()) {
        void this.load(group).catch((error: unknown) =>
          this.deps.logger.error(
            { group, error: slackErrorCode(error) },
            'cannot read a configured Slack user group: check the *_USERGROUPS settings',
          ),
        );
      }
    };
    refresh();
    this.refreshTimer = setInterval(refresh, Math.max(10_000, (this.deps.settings.cacheSeconds * 1000) / 2));
    this.refreshTimer.unref();
  }

  stop(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
  }

  async check(userId: string, capability: Capability): Promise<AuthorizationDecision> {
    if (this.openMode) return { allowed: true };
    if (capability === 'see_requests') return this.checkSeeRequests(userId);
    const setting = CAPABILITY_SETTINGS[capability];
    const groups = this.deps.settings[setting.groups] as string[];
    if (groups.length === 0) {
      return setting.emptyMeansEveryone
        ? { allowed: true }
        : {
            allowed: false,
            reason:
              `Nobody may ${setting.what} yet: an admin must list the allowed Slack user groups in ` +
              `${setting.variable} (or set AUTHORIZATION_MODE=open in a trial workspace).`,
          };
    }
    // All groups at once (each lookup is bounded), and one broken group does not hide the others.
    const results = await Promise.allSettled(groups.map((group) => this.fresh(group)));
    if (results.some((result) => result.status === 'fulfilled' && result.value.members.has(userId)))
      return { allowed: true };
    const unreadable = groups.filter((_, i) => results[i].status === 'rejected');
    if (unreadable.length > 0) {
      this.deps.logger.warn({ capability, unreadable }, 'user group membership could not be read; denying');
      return {
        allowed: false,
        reason:
          `Your permission to ${setting.what} could not be checked with Slack right now, so it is ` +
          `refused. Try again in a minute.`,
      };
    }
    return {
      allowed: false,
      reason:
        `Only members of ${groups.map((g) => `<!subteam^${g}>`).join(', ')} may ${setting.what}. Ask your ` +
        `manager to add you to that user group.`,
    };
  }

  /**
   * Members of the requester, override or STAR groups (SPEC "Who sees what"); an empty list is
   * nobody (here no group means no member). Read from Slack on every check, not from the cache.
   */
  private async checkSeeRequests(userId: string): Promise<AuthorizationDecision> {
    const groups = [
      ...new Set([
        ...this.deps.settings.requesterGroups,
        ...this.deps.settings.overrideGroups,
        ...this.deps.settings.starCheckGroups,
      ]),
    ];
    if (groups.length === 0) {
      return {
        allowed: false,
        reason:
          'Nobody may see license requests here yet: an admin must list the Slack user groups of the on-call ' +
          'engineers in LICENSE_REQUESTER_USERGROUPS (or STAR_CHECK_USERGROUPS, LICENSE_OVERRIDE_USERGROUPS).',
      };
    }
    // Each its own lookup, started now: joining one already in flight could answer with the
    // membership from before someone was removed.
    const results = await Promise.allSettled(groups.map((group) => this.lookUp(group)));
    if (results.some((result) => result.status === 'fulfilled' && result.value.members.has(userId)))
      return { allowed: true };
    const unreadable = groups.filter((_, i) => results[i].status === 'rejected');
    if (unreadable.length > 0) {
      this.deps.logger.warn(
        { capability: 'see_requests', unreadable },
        'user group membership could not be read; denying',
      );
      return {
        allowed: false,
        reason: 'Your membership could not be checked with Slack right now, so requests are not shown. Try again soon.',
      };
    }
    return {
      allowed: false,
      reason:
        `License requests are shown only to members of ${groups.map((g) => `<!subteam^${g}>`).join(', ')}. Ask ` +
        `your manager to add you to one of those user groups.`,
    };
  }

  private async fresh(group: string): Promise<CachedGroup> {
    const cached = this.cache.get(group);
    if (cached && Date.now() - cached.fetchedAt < this.deps.settings.cacheSeconds * 1000) return cached;
    return this.load(group);
  }

  /** One lookup per group at a time, shared by the checks that may use a cached answer. */
  private load(group: string): Promise<CachedGroup> {
    return this.lookups.run(group, () => this.lookUp(group));
  }

  private async lookUp(group: string): Promise<CachedGroup> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`usergroups.users.list timed out after ${LOOKUP_TIMEOUT_MS} ms`)),
        LOOKUP_TIMEOUT_MS,
      );
    });
    try {
      const result = await Promise.race([this.deps.client.usergroups.users.list({ usergroup: group }), timeout]);
      const entry = { members: new Set(result.users ?? []), fetchedAt: Date.now() };
      this.cache.set(group, entry);
      return entry;
    } finally {
      clearTimeout(timer);
    }
  }
}
