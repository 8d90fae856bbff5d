import { randomUUID } from 'node:crypto';
import type { StarDecisionRecord, StarDecisionRepository } from '../types';
import { iso, type PgConnection } from './connection';
import { DECISION_COLUMNS, decisionValues, toStarDecision, type PgDecisionRow } from './rows';

export class PgStarDecisions implements StarDecisionRepository {
  constructor(private readonly pg: PgConnection) {}

  async recordDecision(decision: Omit<StarDecisionRecord, 'id' | 'createdAt'>, now: Date): Promise<StarDecisionRecord> {
    const [row] = await this.pg.rows<PgDecisionRow>(
      `INSERT INTO star_decisions (${DECISION_COLUMNS.join(', ')}) VALUES ($1, $2, $3, $4, $5::jsonb, $6) RETURNING *`,
      decisionValues({ ...decision, inputs: decision.inputs ?? {}, id: randomUUID(), createdAt: iso(now) }),
    );
    return toStarDecision(row);
  }

  async listDecisions(since: Date): Promise<StarDecisionRecord[]> {
    const rows = await this.pg.rows<PgDecisionRow>(
      'SELECT * FROM star_decisions WHERE created_at >= $1 ORDER BY created_at, seq',
      [iso(since)],
    );
    return rows.map(toStarDecision);
  }
}
