import type { Kysely, Selectable } from 'kysely';
import type { TicketWrite, TicketWriteInput, TicketWriteRepository } from '../ticket-write-types';
import { clampLimit, compareText, count, iso, until, type StoreDb, type Tables, type TicketWriteRow } from './db';

const toTicketWrite = (row: Selectable<TicketWriteRow>): TicketWrite => ({
  key: row.key,
  ticketUrl: row.ticket_url,
  kind: row.kind,
  ...(row.request_id != null ? { requestId: row.request_id } : {}),
  payload: JSON.parse(row.payload) as Record<string, unknown>,
  ...(row.notice_key != null ? { noticeKey: row.notice_key } : {}),
  state: row.state,
  ...(row.written != null ? { written: row.written } : {}),
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  ...(row.last_error != null ? { lastError: row.last_error } : {}),
  ...(row.claimed_by != null ? { claimedBy: row.claimed_by } : {}),
  ...(row.claimed_until != null ? { claimedUntil: row.claimed_until } : {}),
  createdAt: row.created_at,
  ...(row.done_at != null ? { doneAt: row.done_at } : {}),
});

/** The Zendesk ticket writes (see TicketWriteRepository), on either backend. */
export class TicketWrites implements TicketWriteRepository {
  private readonly db: Kysely<Tables>;

  constructor(private readonly store: StoreDb) {
    this.db = store.db;
  }

  async enqueue(write: TicketWriteInput, now: Date): Promise<boolean> {
    const result = await this.db
      .insertInto('ticket_writes')
      .values({
        key: write.key,
        ticket_url: write.ticketUrl,
        kind: write.kind,
        request_id: write.requestId ?? null,
        payload: JSON.stringify(write.payload),
        notice_key: write.noticeKey ?? null,
        state: 'pending',
        attempts: 0,
        next_attempt_at: iso(now),
        created_at: iso(now),
      })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return count(result) === 1;
  }

  async get(key: string): Promise<TicketWrite | undefined> {
    const row = await this.db.selectFrom('ticket_writes').selectAll().where('key', '=', key).executeTakeFirst();
    return row && toTicketWrite(row);
  }

  async forRequest(requestId: string): Promise<TicketWrite[]> {
    const rows = await this.db
      .selectFrom('ticket_writes')
      .selectAll()
      .where('request_id', '=', requestId)
      .orderBy('created_at')
      .orderBy('key')
      .execute();
    return rows.map(toTicketWrite);
  }

  async claimDue(owner: string, now: Date, limit: number, leaseMs: number): Promise<TicketWrite[]> {
    // Pick and lease in one statement (see StoreDb.skipLocked).
    const rows = await this.db
      .updateTable('ticket_writes')
      .set({ claimed_by: owner, claimed_until: until(now, leaseMs) })
      .where(
        'key',
        'in',
        this.store.skipLocked(
          this.db
            .selectFrom('ticket_writes')
            .select('key')
            .where('state', '=', 'pending')
            .where('next_attempt_at', '<=', iso(now))
            .where((eb) =>
              eb.or([
                eb('claimed_until', 'is', null),
                eb('claimed_until', '<=', iso(now)),
                eb('claimed_by', '=', owner),
              ]),
            )
            .orderBy('next_attempt_at')
            .orderBy('key')
            .limit(clampLimit(limit)),
        ),
      )
      .returningAll()
      .execute();
    return rows
      .sort((a, b) => compareText(a.next_attempt_at, b.next_attempt_at) || compareText(a.key, b.key))
      .map(toTicketWrite);
  }

  /** The write `key` while it is pending and claimed by `owner` (its lease may have run out). */
  private owned(key: string, owner: string) {
    return this.db
      .updateTable('ticket_writes')
      .where('key', '=', key)
      .where('state', '=', 'pending')
      .where('claimed_by', '=', owner);
  }

  /** The write `key` while `owner` still holds its live lease and it is still pending. */
  private leased(key: string, owner: string, now: Date) {
    return this.owned(key, owner).where('claimed_until', '>', iso(now));
  }

  async renewLease(key: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    return (
      count(
        await this.leased(key, owner, now)
          .set({ claimed_until: until(now, leaseMs) })
          .executeTakeFirst(),
      ) === 1
    );
  }

  async markDone(key: string, owner: string, written: 'now' | 'already', now: Date): Promise<boolean> {
    const result = await this.leased(key, owner, now)
      .set({ state: 'done', written, done_at: iso(now), last_error: null, claimed_by: null, claimed_until: null })
      .executeTakeFirst();
    return count(result) === 1;
  }

  async markRetry(key: string, owner: string, error: string | undefined, nextAttemptAt: Date): Promise<boolean> {
    // The lease may have run out during a slow attempt: the owner still records its own outcome
    // while nobody else took the write over.
    const result = await this.owned(key, owner)
      .set((eb) => ({
        ...(error !== undefined ? { attempts: eb('attempts', '+', 1), last_error: error } : {}),
        next_attempt_at: iso(nextAttemptAt),
        claimed_by: null,
        claimed_until: null,
      }))
      .executeTakeFirst();
    return count(result) === 1;
  }

  async markFailed(key: string, owner: string, error: string, now: Date): Promise<boolean> {
    const result = await this.owned(key, owner)
      .set((eb) => ({
        state: 'failed',
        attempts: eb('attempts', '+', 1),
        last_error: error,
        done_at: iso(now),
        claimed_by: null,
        claimed_until: null,
      }))
      .executeTakeFirst();
    return count(result) === 1;
  }
}
