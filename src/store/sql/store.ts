import type { Kysely } from 'kysely';
import type { Store } from '../store';
import { type ClosedGuard, iso, StoreDb, type Tables } from './db';
import { Lifecycle } from './lifecycle';
import { Outbox } from './outbox';
import { OpenRequests, StarDecisions, UserPreferenceStore } from './records';
import { LicenseRequests } from './requests';
import { TicketWrites } from './ticket-writes';

/**
 * The repositories over one Kysely database, the same for both backends; SqliteStore and
 * PostgresStore only open the database (and migrate it with their own migration list).
 */
export abstract class SqlStore implements Store {
  readonly requests: LicenseRequests;
  readonly openRequests: OpenRequests;
  readonly outbox: Outbox;
  readonly decisions: StarDecisions;
  readonly preferences: UserPreferenceStore;
  readonly lifecycle: Lifecycle;
  readonly ticketWrites: TicketWrites;
  protected readonly sql: StoreDb;

  protected constructor(db: Kysely<Tables>, dialect: StoreDb['dialect'], guard: ClosedGuard) {
    this.sql = new StoreDb(db, dialect, guard);
    this.requests = new LicenseRequests(this.sql);
    this.openRequests = new OpenRequests(db);
    this.outbox = new Outbox(this.sql);
    this.decisions = new StarDecisions(this.sql);
    this.preferences = new UserPreferenceStore(db);
    this.lifecycle = new Lifecycle(this.sql);
    this.ticketWrites = new TicketWrites(this.sql);
  }

  async isWritable(): Promise<boolean> {
    try {
      await this.sql.db
        .insertInto('health')
        .values({ id: 1, checked_at: iso(new Date()) })
        .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ checked_at: eb.ref('excluded.checked_at') })))
        .execute();
      return true;
    } catch {
      return false;
    }
  }

  abstract close(): Promise<void>;
}
