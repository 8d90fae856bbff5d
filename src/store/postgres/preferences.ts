import type { UserPreferenceRepository, UserPreferences } from '../types';
import { iso, type PgConnection } from './connection';

export class PgUserPreferences implements UserPreferenceRepository {
  constructor(private readonly pg: PgConnection) {}

  async getPreferences(slackUserId: string): Promise<UserPreferences> {
    const [row] = await this.pg.rows<{ gitlab_username: string | null; time_zone: string | null }>(
      'SELECT gitlab_username, time_zone FROM user_preferences WHERE slack_user_id = $1',
      [slackUserId],
    );
    const prefs: UserPreferences = {};
    if (row?.gitlab_username != null) prefs.gitlabUsername = row.gitlab_username;
    if (row?.time_zone != null) prefs.timeZone = row.time_zone;
    return prefs;
  }

  async savePreferences(slackUserId: string, prefs: UserPreferences, now: Date): Promise<void> {
    // undefined keeps the stored value (COALESCE), so saving one preference never clears the other.
    await this.pg.query(
      `INSERT INTO user_preferences (slack_user_id, gitlab_username, time_zone, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (slack_user_id) DO UPDATE SET
         gitlab_username = COALESCE(EXCLUDED.gitlab_username, user_preferences.gitlab_username),
         time_zone = COALESCE(EXCLUDED.time_zone, user_preferences.time_zone),
         updated_at = EXCLUDED.updated_at`,
      [slackUserId, prefs.gitlabUsername ?? null, prefs.timeZone ?? null, iso(now)],
    );
  }
}
