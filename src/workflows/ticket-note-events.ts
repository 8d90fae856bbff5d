/**
 * The events that leave a note on the ticket (issue 20), taken where they already happen: the
 * license notifier's record changes and hand-overs, the trial follow-up's effects and the STAR
 * check's recorded verdict. Queueing a note never stops the event itself: a store error is
 * logged, and the events that are retried (a hand-over, a follow-up job) queue it again.
 */
import type { StarDecision } from '../policy/star-decision';
import { formatRelative } from '../shared/duration';
import type { LicenseRequestRecord } from '../store';
import type { LicenseNotifier } from './emergency-license';
import type { LifecycleSlackEffects } from './license-lifecycle';
import { RecentRequestsRepair, type RecentRequestsRepairDeps } from './recent-requests-repair';
import type { TicketNote, TicketWriteQueue } from './ticket-notes';

interface Logger {
  warn(obj: object, msg: string): void;
}

/** A person as the ticket's readers know them, from a Slack user ID (their GitLab username when known). */
export type PersonOf = (slackUserId: string) => Promise<string>;

/** Runs a queueing step; a failure is logged, never thrown into the event that queued it. */
const queuer = (logger: Logger) => (requestId: string, what: () => Promise<unknown>) =>
  what().then(
    () => undefined,
    (error: Error) => logger.warn({ requestId, err: error.message }, 'could not queue the Zendesk ticket update'),
  );

const requestedBy = (record: LicenseRequestRecord) => record.requestedByUsername || record.requestedBySlackId;

/** The note a request's new state leaves on its ticket, with the event it is keyed by. */
export function outcomeNote(
  record: LicenseRequestRecord,
  delivery: 'internal-note' | 'public-reply',
): { event: string; note: TicketNote } | undefined {
  const base = { requestedBy: requestedBy(record) };
  switch (record.status) {
    case 'pending':
      if (record.overrideJustification === undefined || record.attempts > 0) return undefined;
      return {
        event: 'overridden',
        note: {
          note: 'outcome',
          input: {
            ...base,
            outcome: 'overridden',
            overriddenBy: requestedBy(record),
            scopeSummary: record.scopeSummary,
            justification: record.overrideJustification,
          },
        },
      };
    case 'generated':
      return {
        event: 'generated',
        note: {
          note: 'outcome',
          input: {
            ...base,
            outcome: 'generated',
            email: record.email,
            userCount: record.userCount,
            expiresOn: record.trialExpiresOn,
            ...(record.licenseFile !== undefined ? { attached: delivery } : {}),
          },
        },
      };
    case 'failed':
      // A retried request can fail again: one note per attempt.
      return {
        event: `failed-${record.attempts}`,
        note: { note: 'outcome', input: { ...base, outcome: 'failed', reason: record.failureReason } },
      };
    case 'refused':
      return {
        event: 'refused',
        note: { note: 'outcome', input: { ...base, outcome: 'refused', reasons: [record.refusalReason] } },
      };
  }
}

/** The license notifier, plus the request's notes and its license file on the ticket. */
export function withTicketNotes(
  notifier: LicenseNotifier,
  queue: TicketWriteQueue,
  delivery: 'internal-note' | 'public-reply',
  logger: Logger,
): LicenseNotifier {
  const queued = queuer(logger);
  return {
    // Methods, not a spread: the notifier is a class instance (its methods live on the prototype).
    copySent: (record, toSlackId, copyId) => notifier.copySent?.(record, toSlackId, copyId) ?? Promise.resolve(),
    handOverGivenUp: (record, copy) => notifier.handOverGivenUp?.(record, copy) ?? Promise.resolve(),
    recordChanged: async (record) => {
      await notifier.recordChanged(record);
      const outcome = outcomeNote(record, delivery);
      await queued(record.id, async () => {
        await queue.license(record);
        if (outcome) await queue.requestNote(record, outcome.event, outcome.note);
      });
    },
    // The hand-over is resumed after a crash: the license write is queued again with it.
    deliver: async (record, options) => {
      await queued(record.id, () => queue.license(record));
      await notifier.deliver(record, options);
    },
  };
}

/** The trial follow-up's effects, plus a note on the ticket for the reminder, the resolution and the lapse. */
export function withTicketNoteEffects(
  effects: LifecycleSlackEffects,
  queue: TicketWriteQueue,
  deps: { personOf: PersonOf; lrTeamNotified: boolean; logger: Logger },
): LifecycleSlackEffects {
  const queued = queuer(deps.logger);
  return {
    sendReminder: async (request, context) => {
      await effects.sendReminder(request, context);
      const expiresOn = request.trialExpiresOn;
      if (!expiresOn) return;
      await queued(request.id, () =>
        queue.requestNote(request, 'reminder', {
          note: 'reminder',
          input: {
            expiresOn,
            inText: formatRelative(context.lapseAt.toMillis() - context.now.toMillis()),
            ...(context.lateness.late ? { lateText: context.lateness.text } : {}),
          },
        }),
      );
    },
    markLapsed: async (request, context) => {
      await effects.markLapsed(request, context);
      const expiresOn = request.trialExpiresOn;
      if (!expiresOn) return;
      await queued(request.id, () =>
        queue.requestNote(request, 'lapsed', {
          note: 'lapse',
          input: { expiresOn, lrTeamNotified: deps.lrTeamNotified },
        }),
      );
    },
    resolved: async (record, resolution) => {
      await effects.resolved(record, resolution);
      const { resolvedAt, resolvedBySlackId } = resolution;
      if (!resolvedAt || !resolvedBySlackId) return;
      await queued(record.id, async () =>
        queue.requestNote(record, 'resolved', {
          note: 'resolution',
          input: { resolvedBy: await deps.personOf(resolvedBySlackId), resolvedAt },
        }),
      );
    },
    needsLr: (record, resolution, actor) => effects.needsLr(record, resolution, actor),
    requestChanged: (record, resolution) => effects.requestChanged(record, resolution),
    refreshHome: (slackUserId) => effects.refreshHome(slackUserId),
  };
}

/** The note of a STAR verdict: the verdict, the chart's answers that decided it, who. */
export function verdictTicketNote(decision: StarDecision, decidedBy: string): TicketNote {
  return {
    note: 'verdict',
    input: {
      verdict: decision.verdict.headline,
      starValid: decision.verdict.starValid,
      facts: decision.path.map(
        (step) =>
          `${step.question.shortLabel}: ${step.option.label}` +
          (step.source === 'computed' ? ' (from the expiration date)' : ''),
      ),
      decidedBy,
      decidedAt: decision.decidedAt.toUTC().toISO() ?? new Date().toISOString(),
    },
  };
}

export interface TicketNoteRepairDeps extends RecentRequestsRepairDeps {
  queue: TicketWriteQueue;
  delivery: 'internal-note' | 'public-reply';
  logger: Logger;
}

/**
 * The repair of the ticket notes (see RecentRequestsRepair): a crash right after a state change
 * would lose a refused, failed or overridden note (nothing resumes those states). The queue keeps
 * a key already stored, so only a missing note is added. The license file is not: a late public
 * reply to the customer is not this repair's to send (the hand-over's resume queues it).
 */
export class TicketNoteRepair extends RecentRequestsRepair {
  readonly name = 'zendesk ticket note repair';

  constructor(private readonly deps: TicketNoteRepairDeps) {
    super(deps);
  }

  protected async repair(record: LicenseRequestRecord): Promise<number> {
    const outcome = outcomeNote(record, this.deps.delivery);
    if (!outcome || !(await this.deps.queue.requestNote(record, outcome.event, outcome.note))) return 0;
    // Usually a crash between the change and its note; also a change whose own queueing is under way.
    this.deps.logger.warn(
      { requestId: record.id, event: outcome.event },
      'queued a Zendesk ticket note its event had not queued',
    );
    return 1;
  }
}
