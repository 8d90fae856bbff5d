import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type {
  OpenRequest,
  OpenRequestRepository,
  StarDecisionRecord,
  StarDecisionRepository,
  UserPreferenceRepository,
  UserPreferences,
} from '../types';
import { count, iso, type StoreDb, type Tables } from './db';
import { toDecisionRow, toOpenRequest, toPreferences, toStarDecision } from './rows';

/** STAR decisions, for the feedback export and the dashboard. */
export class StarDecisions implements StarDecisionRepository {
  constructor(private readonly store: StoreDb) {}

  async recordDecision(decision: Omit<StarDecisionRecord, 'id' | 'createdAt'>, now: Date): Promise<StarDecisionRecord> {
    // Returned as a later read returns it (e.g. JSON drops undefined values).
    const row = await this.store.db
      .insertInto('star_decisions')
      .values(toDecisionRow({ ...decision, id: randomUUID(), createdAt: iso(now) }))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toStarDecision(row);
  }

  async listDecisions(since: Date): Promise<StarDecisionRecord[]> {
    const rows = await this.store.db
      .selectFrom('star_decisions')
      .selectAll()
      .where('created_at', '>=', iso(since))
      .orderBy('created_at')
      .orderBy(this.store.seq)
      .execute();
    return rows.map(toStarDecision);
  }
}

export class UserPreferenceStore implements UserPreferenceRepository {
  constructor(private readonly db: Kysely<Tables>) {}

  async getPreferences(slackUserId: string): Promise<UserPreferences> {
    return toPreferences(
      await this.db
        .selectFrom('user_preferences')
        .select(['gitlab_username', 'time_zone'])
        .where('slack_user_id', '=', slackUserId)
        .executeTakeFirst(),
    );
  }

  async savePreferences(slackUserId: string, prefs: UserPreferences, now: Date): Promise<void> {
    // undefined keeps the stored value (COALESCE), so saving one preference never clears the other.
    await this.db
      .insertInto('user_preferences')
      .values({
        slack_user_id: slackUserId,
        gitlab_username: prefs.gitlabUsername ?? null,
        time_zone: prefs.timeZone ?? null,
        updated_at: iso(now),
      })
      .onConflict((oc) =>
        oc.column('slack_user_id').doUpdateSet({
          gitlab_username: sql`COALESCE(excluded.gitlab_username, user_preferences.gitlab_username)`,
          time_zone: sql`COALESCE(excluded.time_zone, user_preferences.time_zone)`,
          updated_at: sql`excluded.updated_at`,
        }),
      )
      .execute();
  }
}

/** Facts of a request between two modal steps, keyed by the view. */
export class OpenRequests implements OpenRequestRepository {
  constructor(private readonly db: Kysely<Tables>) {}

  async saveOpenRequest(open: Omit<OpenRequest, 'updatedAt'>, now: Date): Promise<void> {
    await this.db
      .insertInto('open_requests')
      .values({
        view_id: open.viewId,
        slack_user_id: open.slackUserId,
        stage: open.stage,
        facts: JSON.stringify(open.facts),
        justification: open.justification ?? null,
        channel_id: open.channelId ?? null,
        updated_at: iso(now),
      })
      .onConflict((oc) =>
        oc.column('view_id').doUpdateSet((eb) => ({
          slack_user_id: eb.ref('excluded.slack_user_id'),
          stage: eb.ref('excluded.stage'),
          facts: eb.ref('excluded.facts'),
          justification: eb.ref('excluded.justification'),
          channel_id: eb.ref('excluded.channel_id'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }

  async getOpenRequest(viewId: string): Promise<OpenRequest | undefined> {
    const row = await this.db.selectFrom('open_requests').selectAll().where('view_id', '=', viewId).executeTakeFirst();
    return row && toOpenRequest(row);
  }

  async pruneOpenRequests(before: Date): Promise<number> {
    return count(await this.db.deleteFrom('open_requests').where('updated_at', '<', iso(before)).executeTakeFirst());
  }
}
