import type { LicenseRequestRecord, OutboxEntry, StarDecisionRecord, UserPreferences } from '../types';
import type { PgConnection } from './connection';
import {
  DECISION_COLUMNS,
  decisionValues,
  OUTBOX_COLUMNS,
  outboxValues,
  placeholders,
  REQUEST_COLUMNS,
  requestValues,
} from './rows';

export interface ImportBatch {
  requests?: LicenseRequestRecord[];
  outbox?: OutboxEntry[];
  decisions?: StarDecisionRecord[];
  preferences?: { slackUserId: string; prefs: UserPreferences; updatedAt: string }[];
}

export interface ImportCounts {
  requests: number;
  outbox: number;
  decisions: number;
  preferences: number;
}

/**
 * Inserts records as given (ids, timestamps, versions kept), skipping any whose key already
 * exists, so running a copy twice inserts nothing the second time. One transaction per call.
 * Returns how many rows were inserted. (`npm run migrate-store`.)
 */
export function importRecords(pg: PgConnection, batch: ImportBatch): Promise<ImportCounts> {
  return pg.transaction(async (client) => {
    const count: ImportCounts = { requests: 0, outbox: 0, decisions: 0, preferences: 0 };
    for (const r of batch.requests ?? []) {
      const res = await client.query(
        `INSERT INTO license_requests (${REQUEST_COLUMNS.join(', ')}) VALUES (` +
          `${placeholders(REQUEST_COLUMNS.length)}) ON CONFLICT DO NOTHING`,
        requestValues(r),
      );
      count.requests += res.rowCount ?? 0;
    }
    for (const e of batch.outbox ?? []) {
      // Text parameters into jsonb columns are parsed by the server (the column type decides).
      const res = await client.query(
        `INSERT INTO audit_outbox (${OUTBOX_COLUMNS.join(', ')}) VALUES (${placeholders(OUTBOX_COLUMNS.length)}` +
          `) ON CONFLICT DO NOTHING`,
        outboxValues(e),
      );
      count.outbox += res.rowCount ?? 0;
    }
    for (const d of batch.decisions ?? []) {
      const res = await client.query(
        `INSERT INTO star_decisions (${DECISION_COLUMNS.join(', ')}) VALUES ($1, $2, $3, $4, $5::jsonb, $6) ON ` +
          `CONFLICT DO NOTHING`,
        decisionValues(d),
      );
      count.decisions += res.rowCount ?? 0;
    }
    for (const p of batch.preferences ?? []) {
      const res = await client.query(
        `INSERT INTO user_preferences (slack_user_id, gitlab_username, time_zone, updated_at) VALUES ($1, $2, ` +
          `$3, $4) ON CONFLICT DO NOTHING`,
        [p.slackUserId, p.prefs.gitlabUsername ?? null, p.prefs.timeZone ?? null, p.updatedAt],
      );
      count.preferences += res.rowCount ?? 0;
    }
    return count;
  });
}
