import { sql, type Kysely } from 'kysely';
import type { AuditOutbox, ClaimDueOptions, OutboxEntry, OutboxMessage } from '../types';
import { clampLimit, count, iso, pickedOrder, until, type StoreDb, type Tables } from './db';
import { toOutboxEntry } from './rows';

/** The durable audit outbox, on either backend. */
export class Outbox implements AuditOutbox {
  private readonly db: Kysely<Tables>;

  constructor(private readonly store: StoreDb) {
    this.db = store.db;
  }

  /** The read queries (a test checks their SQLite plans). */
  readonly queries = {
    due: (now: Date, limit: number) =>
      this.db
        .selectFrom('audit_outbox')
        .selectAll()
        .where(sql<boolean>`version > delivered_version`)
        .where('next_attempt_at', '<=', iso(now))
        .orderBy('created_at')
        .orderBy(this.store.seq)
        .limit(clampLimit(limit)),
    backlog: () =>
      this.db
        .selectFrom('audit_outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where(sql<boolean>`version > delivered_version`),
  };

  async enqueue(message: OutboxMessage, now: Date): Promise<OutboxEntry> {
    // New key: version 1, due now. Existing key: new text/blocks, version + 1, due now again,
    // attempts/last_error reset. ts and created_at are kept (the Slack message is updated in
    // place and keeps its place in the queue). channel/thread_of_key only change while the
    // message was never posted: a posted message cannot move.
    const at = iso(now);
    const row = await this.db
      .insertInto('audit_outbox')
      .values({
        key: message.key,
        channel: message.channel,
        text: message.text,
        blocks: JSON.stringify(message.blocks ?? []),
        thread_of_key: message.threadOfKey ?? null,
        ts: null,
        version: 1,
        delivered_version: 0,
        attempts: 0,
        next_attempt_at: at,
        last_error: null,
        created_at: at,
      })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          text: eb.ref('excluded.text'),
          blocks: eb.ref('excluded.blocks'),
          channel: sql`CASE WHEN audit_outbox.ts IS NULL THEN excluded.channel ELSE audit_outbox.channel END`,
          thread_of_key: sql`CASE WHEN audit_outbox.ts IS NULL THEN excluded.thread_of_key
            ELSE audit_outbox.thread_of_key END`,
          version: sql`audit_outbox.version + 1`,
          attempts: 0,
          last_error: null,
          next_attempt_at: eb.ref('excluded.next_attempt_at'),
        })),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toOutboxEntry(row);
  }

  async due(now: Date, limit: number): Promise<OutboxEntry[]> {
    return (await this.queries.due(now, limit).execute()).map(toOutboxEntry);
  }

  async claimDue(
    owner: string,
    now: Date,
    limit: number,
    leaseMs: number,
    options: ClaimDueOptions = {},
  ): Promise<OutboxEntry[]> {
    // Pick and lease in one statement (see StoreDb.skipLocked); the lease keeps them away after.
    const rows = await this.db
      .updateTable('audit_outbox')
      .set({ claimed_by: owner, claimed_until: until(now, leaseMs) })
      .where(
        'key',
        'in',
        this.store.skipLocked(
          this.db
            .selectFrom('audit_outbox')
            .select('key')
            .where(sql<boolean>`version > delivered_version`)
            .where('next_attempt_at', '<=', iso(options.dueBy ?? now))
            .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', iso(now))]))
            .orderBy('created_at')
            .orderBy(this.store.seq)
            .limit(clampLimit(limit)),
        ),
      )
      .returningAll()
      .returning(this.store.seq.as('seq'))
      .execute();
    return pickedOrder(rows, (row) => row.created_at).map(toOutboxEntry);
  }

  /** The entry `key` while `owner` holds its lease, even run out (nobody else took it meanwhile). */
  private owned(key: string, owner: string) {
    return this.db.updateTable('audit_outbox').where('key', '=', key).where('claimed_by', '=', owner);
  }

  async renewLease(entry: OutboxEntry, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const result = await this.owned(entry.key, owner)
      .where('claimed_until', '>', iso(now))
      .where('delivered_version', '=', entry.deliveredVersion)
      .where((eb) => (entry.ts === undefined ? eb('ts', 'is', null) : eb('ts', '=', entry.ts)))
      .set({ claimed_until: until(now, leaseMs) })
      .executeTakeFirst();
    return count(result) === 1;
  }

  async releaseClaims(keys: string[], owner?: string): Promise<void> {
    if (keys.length === 0) return;
    let release = this.db
      .updateTable('audit_outbox')
      .set({ claimed_by: null, claimed_until: null })
      .where('key', 'in', keys);
    if (owner !== undefined) release = release.where('claimed_by', '=', owner);
    await release.execute();
  }

  async get(key: string): Promise<OutboxEntry | undefined> {
    const row = await this.db.selectFrom('audit_outbox').selectAll().where('key', '=', key).executeTakeFirst();
    return row && toOutboxEntry(row);
  }

  async markDelivered(
    key: string,
    owner: string,
    version: number,
    ts: string,
    _now: Date,
  ): Promise<{ keptTs?: string }> {
    const greatest = this.store.dialect === 'sqlite' ? 'MAX' : 'GREATEST';
    const ownLease = sql<boolean>`claimed_by = ${owner}`;
    // A ts already recorded for another copy is kept (that copy stays the live one); RETURNING tells.
    const row = await this.db
      .updateTable('audit_outbox')
      .set({
        ts: sql`COALESCE(ts, ${ts})`,
        delivered_version: sql`CASE WHEN ts IS NULL OR ts = ${ts}
          THEN ${sql.raw(greatest)}(delivered_version, ${version}) ELSE delivered_version END`,
        claimed_by: sql`CASE WHEN ${ownLease} THEN NULL ELSE claimed_by END`,
        claimed_until: sql`CASE WHEN ${ownLease} THEN NULL ELSE claimed_until END`,
      })
      .where('key', '=', key)
      .returning('ts')
      .executeTakeFirst();
    const kept = row?.ts;
    return kept && kept !== ts ? { keptTs: kept } : {};
  }

  async markFailed(key: string, owner: string, error: string, nextAttemptAt: Date): Promise<boolean> {
    const result = await this.owned(key, owner)
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        next_attempt_at: iso(nextAttemptAt),
        last_error: error,
        claimed_by: null,
        claimed_until: null,
      }))
      .executeTakeFirst();
    return count(result) === 1;
  }

  async markPostStarted(key: string, owner: string, now: Date | null): Promise<void> {
    await this.owned(key, owner)
      .set({ post_started_at: now && iso(now) })
      .where('ts', 'is', null)
      .execute();
  }

  async backlog(): Promise<number> {
    return Number((await this.queries.backlog().executeTakeFirst())?.n ?? 0);
  }
}
