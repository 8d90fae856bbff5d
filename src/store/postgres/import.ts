import { toRequestColumns } from '../request-columns';
import { count, type StoreDb } from '../sql/db';
import { toDecisionRow, toOutboxRow } from '../sql/rows';
import type { LicenseRequestRecord, OutboxEntry, StarDecisionRecord, UserPreferences } from '../types';

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
export function importRecords(store: StoreDb, batch: ImportBatch): Promise<ImportCounts> {
  return store.transaction(async (trx) => {
    const counted: ImportCounts = { requests: 0, outbox: 0, decisions: 0, preferences: 0 };
    for (const r of batch.requests ?? [])
      counted.requests += count(
        await trx
          .insertInto('license_requests')
          .values(toRequestColumns(r))
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst(),
      );
    for (const e of batch.outbox ?? [])
      counted.outbox += count(
        await trx
          .insertInto('audit_outbox')
          .values(toOutboxRow(e))
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst(),
      );
    for (const d of batch.decisions ?? [])
      counted.decisions += count(
        await trx
          .insertInto('star_decisions')
          .values(toDecisionRow(d))
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst(),
      );
    for (const p of batch.preferences ?? [])
      counted.preferences += count(
        await trx
          .insertInto('user_preferences')
          .values({
            slack_user_id: p.slackUserId,
            gitlab_username: p.prefs.gitlabUsername ?? null,
            time_zone: p.prefs.timeZone ?? null,
            updated_at: p.updatedAt,
          })
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst(),
      );
    return counted;
  });
}
