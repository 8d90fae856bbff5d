/**
 * The bot's writes on Zendesk tickets (issue 20) as durable jobs: each one is stored before it is
 * attempted, claimed with a lease by one process at a time, and ends `done` (written now, or found
 * already written) or `failed` (Zendesk refused it for good). Schema: migration 9 on both backends.
 */

export type TicketWriteKind = 'license' | 'note';
export type TicketWriteState = 'pending' | 'done' | 'failed';

export interface TicketWriteInput {
  /** The idempotency key: the primary key here and the mark on the ticket (`Ref: lr-bot/<key>`). */
  key: string;
  ticketUrl: string;
  kind: TicketWriteKind;
  requestId?: string;
  /** Which note and its facts, rendered when it is sent (so the Slack link can be filled in). */
  payload: Record<string, unknown>;
  /** The audit outbox key of the Slack message the note links to. */
  noticeKey?: string;
}

export interface TicketWrite extends TicketWriteInput {
  state: TicketWriteState;
  /** `already`: a retry found the write on the ticket and wrote nothing. */
  written?: 'now' | 'already';
  attempts: number;
  nextAttemptAt: string;
  /** Why the last attempt did not write (people's words), or why it failed for good. */
  lastError?: string;
  claimedBy?: string;
  claimedUntil?: string;
  createdAt: string;
  doneAt?: string;
}

export interface TicketWriteRepository {
  /** Stores the write, due now; a key already stored is left as it is. True when stored now. */
  enqueue(write: TicketWriteInput, now: Date): Promise<boolean>;
  get(key: string): Promise<TicketWrite | undefined>;
  /** The writes of one license request, oldest first. */
  forRequest(requestId: string): Promise<TicketWrite[]>;
  /**
   * Pending writes due at `now` whose lease is free (never taken, ended, expired, or `owner`'s own:
   * a restarted process with a stable owner name takes its work back at once), now leased to `owner`.
   */
  claimDue(owner: string, now: Date, limit: number, leaseMs: number): Promise<TicketWrite[]>;
  /** The fence right before the write: extends the lease when `owner` still holds it; false otherwise. */
  renewLease(key: string, owner: string, now: Date, leaseMs: number): Promise<boolean>;
  /** Written (or found written): done, lease ended. False when `owner` lost the lease meanwhile. */
  markDone(key: string, owner: string, written: 'now' | 'already', now: Date): Promise<boolean>;
  /**
   * Not written this time: the next attempt at `nextAttemptAt`, lease ended; with an `error`, a
   * failed attempt (attempts + 1), without one, postponed (nothing was tried).
   */
  markRetry(key: string, owner: string, error: string | undefined, nextAttemptAt: Date): Promise<boolean>;
  /** Zendesk refused it for good (403, 404, 422…): failed with the reason, never retried. */
  markFailed(key: string, owner: string, error: string, now: Date): Promise<boolean>;
}
