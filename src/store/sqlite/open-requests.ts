import type Database from 'better-sqlite3';
import type { OpenRequest, OpenRequestRepository } from '../types';
import { iso } from './database';

interface OpenRequestRow {
  view_id: string;
  slack_user_id: string;
  stage: OpenRequest['stage'];
  facts: string;
  justification: string | null;
  channel_id: string | null;
  updated_at: string;
}

/** Facts of a request between two modal steps, keyed by the view. */
export class SqliteOpenRequests implements OpenRequestRepository {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      save: db.prepare(
        `INSERT INTO open_requests (view_id, slack_user_id, stage, facts, justification, channel_id, updated_at)
         VALUES (@view_id, @slack_user_id, @stage, @facts, @justification, @channel_id, @updated_at)
         ON CONFLICT (view_id) DO UPDATE SET slack_user_id = excluded.slack_user_id, stage = excluded.stage,
           facts = excluded.facts, justification = excluded.justification, channel_id = excluded.channel_id,
           updated_at = excluded.updated_at`,
      ),
      get: db.prepare('SELECT * FROM open_requests WHERE view_id = ?'),
      prune: db.prepare('DELETE FROM open_requests WHERE updated_at < ?'),
    };
  }

  async saveOpenRequest(open: Omit<OpenRequest, 'updatedAt'>, now: Date): Promise<void> {
    this.stmt.save.run({
      view_id: open.viewId,
      slack_user_id: open.slackUserId,
      stage: open.stage,
      facts: JSON.stringify(open.facts),
      justification: open.justification ?? null,
      channel_id: open.channelId ?? null,
      updated_at: iso(now),
    });
  }

  async getOpenRequest(viewId: string): Promise<OpenRequest | undefined> {
    const row = this.stmt.get.get(viewId) as OpenRequestRow | undefined;
    if (!row) return undefined;
    const open: OpenRequest = {
      viewId: row.view_id,
      slackUserId: row.slack_user_id,
      stage: row.stage,
      facts: JSON.parse(row.facts) as Record<string, unknown>,
      updatedAt: row.updated_at,
    };
    if (row.justification !== null) open.justification = row.justification;
    if (row.channel_id !== null) open.channelId = row.channel_id;
    return open;
  }

  async pruneOpenRequests(before: Date): Promise<number> {
    return this.stmt.prune.run(iso(before)).changes;
  }
}
