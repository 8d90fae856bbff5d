import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { StarDecisionRecord, StarDecisionRepository } from '../types';
import { iso } from './database';

export interface StarDecisionRow {
  id: string;
  ticket_url: string;
  decided_by_slack_id: string;
  verdict: string;
  inputs: string;
  created_at: string;
}

export function toStarDecision(row: StarDecisionRow): StarDecisionRecord {
  return {
    id: row.id,
    ticketUrl: row.ticket_url,
    decidedBySlackId: row.decided_by_slack_id,
    verdict: row.verdict,
    inputs: JSON.parse(row.inputs) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

export class SqliteStarDecisions implements StarDecisionRepository {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      insert: db.prepare(
        `INSERT INTO star_decisions (id, ticket_url, decided_by_slack_id, verdict, inputs, created_at)
         VALUES (@id, @ticket_url, @decided_by_slack_id, @verdict, @inputs, @created_at)
         RETURNING *`,
      ),
      list: db.prepare('SELECT * FROM star_decisions WHERE created_at >= ? ORDER BY created_at, rowid'),
    };
  }

  async recordDecision(decision: Omit<StarDecisionRecord, 'id' | 'createdAt'>, now: Date): Promise<StarDecisionRecord> {
    // Returned as a later read returns it (e.g. JSON drops undefined values).
    const row = this.stmt.insert.get({
      id: randomUUID(),
      ticket_url: decision.ticketUrl,
      decided_by_slack_id: decision.decidedBySlackId,
      verdict: decision.verdict,
      inputs: JSON.stringify(decision.inputs ?? {}),
      created_at: iso(now),
    }) as StarDecisionRow;
    return toStarDecision(row);
  }

  async listDecisions(since: Date): Promise<StarDecisionRecord[]> {
    return (this.stmt.list.all(iso(since)) as StarDecisionRow[]).map(toStarDecision);
  }
}
