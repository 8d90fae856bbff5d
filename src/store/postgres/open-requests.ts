import type { OpenRequest, OpenRequestRepository } from '../types';
import { iso, type PgConnection } from './connection';
import { toOpenRequest, type PgOpenRequestRow } from './rows';

export class PgOpenRequests implements OpenRequestRepository {
  constructor(private readonly pg: PgConnection) {}

  async saveOpenRequest(open: Omit<OpenRequest, 'updatedAt'>, now: Date): Promise<void> {
    await this.pg.query(
      `INSERT INTO open_requests (view_id, slack_user_id, stage, facts, justification, channel_id, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)
       ON CONFLICT (view_id) DO UPDATE SET slack_user_id = EXCLUDED.slack_user_id, stage = EXCLUDED.stage,
         facts = EXCLUDED.facts, justification = EXCLUDED.justification, channel_id = EXCLUDED.channel_id,
         updated_at = EXCLUDED.updated_at`,
      [
        open.viewId,
        open.slackUserId,
        open.stage,
        JSON.stringify(open.facts),
        open.justification ?? null,
        open.channelId ?? null,
        iso(now),
      ],
    );
  }

  async getOpenRequest(viewId: string): Promise<OpenRequest | undefined> {
    const [row] = await this.pg.rows<PgOpenRequestRow>('SELECT * FROM open_requests WHERE view_id = $1', [viewId]);
    return row && toOpenRequest(row);
  }

  async pruneOpenRequests(before: Date): Promise<number> {
    const result = await this.pg.query('DELETE FROM open_requests WHERE updated_at < $1', [iso(before)]);
    return result.rowCount ?? 0;
  }
}
