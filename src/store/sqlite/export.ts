import type Database from 'better-sqlite3';
import { toRequestRecord, type RequestColumns } from '../request-columns';
import type { LicenseRequestRecord, OutboxEntry, StarDecisionRecord, UserPreferences } from '../types';
import { toStarDecision, type StarDecisionRow } from './decisions';
import { toOutboxEntry, type OutboxRow } from './outbox';
import { toPreferences, type PreferencesRow } from './preferences';

/** One user's preferences as stored, for copying a store. */
export interface StoredPreferences {
  slackUserId: string;
  prefs: UserPreferences;
  updatedAt: string;
}

/**
 * Every stored row, oldest first (insertion order), as the repositories return them, for copying
 * the store elsewhere (`npm run migrate-store`). Streams: nothing is loaded at once.
 */
export class SqliteExport {
  constructor(private readonly db: Database.Database) {}

  *requests(): Generator<LicenseRequestRecord> {
    for (const row of this.db.prepare('SELECT * FROM license_requests ORDER BY rowid').iterate())
      yield toRequestRecord(row as RequestColumns);
  }

  *outbox(): Generator<OutboxEntry> {
    for (const row of this.db.prepare('SELECT * FROM audit_outbox ORDER BY rowid').iterate())
      yield toOutboxEntry(row as OutboxRow);
  }

  *decisions(): Generator<StarDecisionRecord> {
    for (const row of this.db.prepare('SELECT * FROM star_decisions ORDER BY rowid').iterate())
      yield toStarDecision(row as StarDecisionRow);
  }

  *preferences(): Generator<StoredPreferences> {
    for (const row of this.db.prepare('SELECT * FROM user_preferences ORDER BY rowid').iterate()) {
      const r = row as PreferencesRow & { slack_user_id: string; updated_at: string };
      yield { slackUserId: r.slack_user_id, prefs: toPreferences(r), updatedAt: r.updated_at };
    }
  }
}
