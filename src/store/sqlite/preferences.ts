import type Database from 'better-sqlite3';
import type { UserPreferenceRepository, UserPreferences } from '../types';
import { iso } from './database';

export interface PreferencesRow {
  gitlab_username: string | null;
  time_zone: string | null;
}

export function toPreferences(row: PreferencesRow | undefined): UserPreferences {
  const prefs: UserPreferences = {};
  if (row?.gitlab_username != null) prefs.gitlabUsername = row.gitlab_username;
  if (row?.time_zone != null) prefs.timeZone = row.time_zone;
  return prefs;
}

export class SqliteUserPreferences implements UserPreferenceRepository {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      get: db.prepare('SELECT gitlab_username, time_zone FROM user_preferences WHERE slack_user_id = ?'),
      // undefined keeps the stored value (COALESCE), so saving one preference never clears the other.
      save: db.prepare(
        `INSERT INTO user_preferences (slack_user_id, gitlab_username, time_zone, updated_at)
         VALUES (@slack_user_id, @gitlab_username, @time_zone, @updated_at)
         ON CONFLICT (slack_user_id) DO UPDATE SET
           gitlab_username = COALESCE(excluded.gitlab_username, user_preferences.gitlab_username),
           time_zone = COALESCE(excluded.time_zone, user_preferences.time_zone),
           updated_at = excluded.updated_at`,
      ),
    };
  }

  async getPreferences(slackUserId: string): Promise<UserPreferences> {
    return toPreferences(this.stmt.get.get(slackUserId) as PreferencesRow | undefined);
  }

  async savePreferences(slackUserId: string, prefs: UserPreferences, now: Date): Promise<void> {
    this.stmt.save.run({
      slack_user_id: slackUserId,
      gitlab_username: prefs.gitlabUsername ?? null,
      time_zone: prefs.timeZone ?? null,
      updated_at: iso(now),
    });
  }
}
