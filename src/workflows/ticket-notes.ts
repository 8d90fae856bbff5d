/**
 * Which note the bot writes on a ticket for which event (issue 20), as stored in a ticket write's
 * payload and rendered when it is sent: the Slack link is only known once the notice is posted.
 * The queue stores each write under the idempotency key it leaves on the ticket, so an event seen
 * twice (a redelivery, a re-run after a crash, two replicas) is written once.
 */
import type { LicenseRequestRecord, TicketWriteRepository } from '../store';
import {
  lapseNote,
  reminderNote,
  requestOutcomeNote,
  resolutionNote,
  verdictNote,
  type LapseNoteInput,
  type NoteText,
  type ReminderNoteInput,
  type RequestOutcome,
  type ResolutionNoteInput,
  type VerdictNoteInput,
} from '../zendesk';

type WithoutLink<T> = T extends unknown ? Omit<T, 'noticeUrl'> : never;

export type TicketNote =
  | { note: 'verdict'; input: WithoutLink<VerdictNoteInput> }
  | { note: 'outcome'; input: WithoutLink<RequestOutcome> }
  | { note: 'reminder'; input: WithoutLink<ReminderNoteInput> }
  | { note: 'resolution'; input: WithoutLink<ResolutionNoteInput> }
  | { note: 'lapse'; input: WithoutLink<LapseNoteInput> };

/** The note's text, with the Slack link when there is one. */
export function renderTicketNote(payload: TicketNote, noticeUrl: string | undefined): NoteText {
  switch (payload.note) {
    case 'verdict':
      return verdictNote({ ...payload.input, noticeUrl });
    case 'outcome':
      return requestOutcomeNote({ ...payload.input, noticeUrl });
    case 'reminder':
      return reminderNote({ ...payload.input, noticeUrl });
    case 'resolution':
      return resolutionNote({ ...payload.input, noticeUrl });
    case 'lapse':
      return lapseNote({ ...payload.input, noticeUrl });
  }
}

/** The idempotency key of the license write of a request (its state shows on the notice). */
export const licenseWriteKey = (requestId: string): string => `req-${requestId}-license`;

export interface TicketWriteQueueDeps {
  writes: Pick<TicketWriteRepository, 'enqueue'>;
  /** The outbox key of the request's channel notice (the Slack layer's `license:<id>`). */
  noticeKeyOf(requestId: string): string;
  /** Starts a pass of the writer, so that a write goes out now rather than at the next poll. */
  kick(): void;
  /** How the license file is attached (kept with the write: the notice says which). */
  delivery: 'internal-note' | 'public-reply';
  now?: () => Date;
}

/** Stores ticket writes (see TicketWriteRepository.enqueue: a key already stored is kept). */
export class TicketWriteQueue {
  private readonly now: () => Date;

  constructor(private readonly deps: TicketWriteQueueDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** A note about a license request, linked to its channel notice; true when it was not stored yet. */
  async requestNote(
    record: Pick<LicenseRequestRecord, 'id' | 'ticketUrl'>,
    event: string,
    note: TicketNote,
  ): Promise<boolean> {
    return this.enqueue({
      key: `req-${record.id}-${event}`,
      ticketUrl: record.ticketUrl,
      kind: 'note',
      requestId: record.id,
      payload: note,
      noticeKey: this.deps.noticeKeyOf(record.id),
    });
  }

  /** A note linked to another Slack message (a STAR verdict's audit message). */
  async note(key: string, ticketUrl: string, note: TicketNote, noticeKey: string) {
    await this.enqueue({ key, ticketUrl, kind: 'note', payload: note, noticeKey });
  }

  /** The license file of a generated request, attached to its ticket (the file is read at send time). */
  async license(record: LicenseRequestRecord) {
    if (record.status !== 'generated' || record.licenseFile === undefined) return;
    await this.enqueue({
      key: licenseWriteKey(record.id),
      ticketUrl: record.ticketUrl,
      kind: 'license',
      requestId: record.id,
      payload: { delivery: this.deps.delivery },
      noticeKey: this.deps.noticeKeyOf(record.id),
    });
  }

  private async enqueue(write: Parameters<TicketWriteRepository['enqueue']>[0]): Promise<boolean> {
    const stored = await this.deps.writes.enqueue(write, this.now());
    if (stored) this.deps.kick();
    return stored;
  }
}
