import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { UserPreferenceRepository } from '../store/types';
import { slackErrorCode } from '../shared/slack-errors';
import { SingleFlight } from '../shared/single-flight';

/** How long a zone read from Slack is trusted before it is read again. */
const CACHE_TTL_MS = 6 * 3_600_000;

/**
 * Users' Slack time zones, for showing times in them. Read with users.info *after* the modal
 * is open (never before an ack), cached in memory and remembered in the store.
 */
export class UserTimeZones {
  private readonly cache = new Map<string, { zone: string; at: number }>();
  private readonly lookups = new SingleFlight<string | undefined>();

  constructor(private readonly deps: { client: WebClient; store: UserPreferenceRepository; logger: Logger }) {}

  /** Starts a lookup in the background if the zone is not known yet. */
  warm(userId: string): void {
    const cached = this.cache.get(userId);
    if (cached && Date.now() - cached.at < CACHE_TTL_MS) return;
    void this.fetch(userId);
  }

  /** The best zone known now, without waiting on Slack: memory, then the store, then UTC. */
  async zoneOf(userId: string): Promise<string> {
    const cached = this.cache.get(userId);
    if (cached) return cached.zone;
    const stored = (await this.deps.store.getPreferences(userId)).timeZone;
    if (stored) {
      this.cache.set(userId, { zone: stored, at: 0 });
      return stored;
    }
    return 'UTC';
  }

  private fetch(userId: string): Promise<string | undefined> {
    return this.lookups.run(userId, () =>
      this.deps.client.users
        .info({ user: userId })
        .then(async (result) => {
          const zone = result.user?.tz;
          if (zone) {
            this.cache.set(userId, { zone, at: Date.now() });
            await this.deps.store.savePreferences(userId, { timeZone: zone }, new Date());
          }
          return zone;
        })
        .catch((error: unknown) => {
          this.deps.logger.warn(
            { userId, error: slackErrorCode(error) },
            'could not read the user time zone; showing UTC',
          );
          return undefined;
        }),
    );
  }
}
