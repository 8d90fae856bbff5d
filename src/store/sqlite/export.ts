import type Database from 'better-sqlite3';
import { toRequestRecord, type RequestColumns } from '../request-columns';
import type { DecisionRow, OutboxRow, PreferencesRow } from '../sql/db';
import { toOutboxEntry, toPreferences, toStarDecision } from '../sql/rows';
import type { LicenseRequestRecord, OutboxEntry, StarDecisionRecord, UserPreferences } from '../types';

/** One user's preferences as stored, for copying a store. */
export interface StoredPreferences {
  slackUserId: string;
  prefs: UserPreferences;
  updatedAt: string;
}

/**
 * Every stored row, oldest first (insertion order), as the repositories return them, for copying
 * the store elsewhere (`npm run migrate-store`). Streams synchronously: nothing is loaded at once.
 */
export class SqliteExport {
  constructor(private readonly db: Database.Database) {}

  private *rows<R>(table: string): Generator<R> {
    for (const row of this.db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).iterate()) yield row as R;
  }

  *requests(): Generator<LicenseRequestRecord> {
    for (const row of this.rows<RequestColumns>('license_requests')) yield toRequestRecord(row);
  }

  *outbox(): Generator<OutboxEntry> {
    for (const row of this.rows<OutboxRow>('audit_outbox')) yield toOutboxEntry(row);
  }

  *decisions(): Generator<StarDecisionRecord> {
    for (const row of this.rows<DecisionRow>('star_decisions')) yield toStarDecision(row);
  }

  *preferences(): Generator<StoredPreferences> {
    for (const r of this.rows<PreferencesRow>('user_preferences'))
      yield { slackUserId: r.slack_user_id, prefs: toPreferences(r), updatedAt: r.updated_at };
  }
}
