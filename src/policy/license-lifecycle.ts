import { type DateTime } from 'luxon';
import { formatDuration, parseCalendarDate } from './time';

/**
 * What happens to a generated emergency trial after it is handed out: a reminder some hours
 * before it stops, and a lapse if nobody resolved it by then. The trial is only a bridge to a
 * real license; these rules decide when the bot follows up. All instants are UTC.
 *
 * A trial's expiry date D follows the SPEC's time rule for every Self-Managed license: it stops
 * working at 00:00 UTC on D. The gitlab-license gem (lib/gitlab/license.rb) reads `expires_at`
 * as a plain `Date` and says `def expired?; will_expire? && Date.today >= expires_at; end`, i.e.
 * the license is expired from the first instant of D (we take that instant in UTC).
 */

export const DEFAULT_REMINDER_LEAD_HOURS = 48;
/**
 * A job run this long after its due time is reported as late. The scheduler polls, so a few
 * seconds or minutes after the due time is normal, not "late"; a restart across the due time is.
 */
export const DEFAULT_LATE_AFTER_MS = 15 * 60_000;

const HOUR_MS = 3_600_000;

/** The fields of a license request that the lifecycle reads (a LicenseRequestRecord fits). */
export interface TrialRequest {
  id: string;
  status: 'pending' | 'generated' | 'failed' | 'refused';
  /** yyyy-mm-dd on which the trial license stops working. */
  trialExpiresOn?: string;
  /** ISO instant at which the license was generated (the record's updatedAt when it became generated). */
  generatedAt?: string;
  /** ISO instant at which someone pressed "Resolved"; unset while open. */
  resolvedAt?: string;
}

export type Ineligibility = 'not_generated' | 'resolved' | 'no_trial_date';

export type Eligibility = { eligible: true; expiresOn: string } | { eligible: false; reason: Ineligibility };

/**
 * Only generated, unresolved trials are followed up. Pending, failed and refused requests never
 * are: no license exists (a pending one is tracked once it becomes generated).
 */
export function lifecycleEligibility(request: TrialRequest): Eligibility {
  if (request.status !== 'generated') return { eligible: false, reason: 'not_generated' };
  if (request.resolvedAt) return { eligible: false, reason: 'resolved' };
  if (!request.trialExpiresOn || !parseCalendarDate(request.trialExpiresOn))
    return { eligible: false, reason: 'no_trial_date' };
  return { eligible: true, expiresOn: request.trialExpiresOn };
}

/** The instant the trial stops working: 00:00 UTC on its expiry date. */
export function trialLapseAt(trialExpiresOn: string): DateTime {
  const at = parseCalendarDate(trialExpiresOn);
  if (!at) throw new RangeError(`not a calendar date (yyyy-mm-dd): ${trialExpiresOn}`);
  return at;
}

export interface LifecyclePlan {
  /** When the reminder is due. */
  reminderDueAt: DateTime;
  /** When the trial lapses (and the lapse is due). */
  lapseAt: DateTime;
  /** True when expiry − lead is before the trial was generated: the reminder is due at once. */
  reminderAtOnce: boolean;
}

function validLeadHours(leadHours: number): number {
  if (!Number.isFinite(leadHours) || leadHours < 0)
    throw new RangeError(`reminder lead time must be a non-negative number of hours: ${leadHours}`);
  return leadHours;
}

/**
 * When to remind and when the trial lapses. The reminder is due `leadHours` before the lapse,
 * but never before the license was generated: a lead longer than the trial (e.g. 240 h for a
 * 10-day trial) makes it due at once, which is how the reminder is tried by hand.
 */
export function planLifecycle(trialExpiresOn: string, leadHours: number, generatedAt: DateTime): LifecyclePlan {
  const lapseAt = trialLapseAt(trialExpiresOn);
  const byLead = lapseAt.minus({ milliseconds: validLeadHours(leadHours) * HOUR_MS });
  const reminderAtOnce = byLead.toMillis() < generatedAt.toMillis();
  return { reminderDueAt: reminderAtOnce ? generatedAt.toUTC() : byLead, lapseAt, reminderAtOnce };
}

export interface Lateness {
  late: boolean;
  /** Milliseconds after the due time (0 when early or on time). */
  byMs: number;
  /** "late by 2 days 5 hours", or "" when not late. */
  text: string;
}

/** Whether an item due at `dueAt` and handled `now` is late, and by how much. */
export function lateness(dueAt: DateTime, now: DateTime, lateAfterMs = DEFAULT_LATE_AFTER_MS): Lateness {
  const byMs = Math.max(0, now.toMillis() - dueAt.toMillis());
  const late = byMs > lateAfterMs;
  return { late, byMs, text: late ? `late by ${formatDuration(byMs)}` : '' };
}

export type LifecycleJobKind = 'reminder' | 'lapse';

export type JobDecision =
  | { action: 'fire'; lateness: Lateness; lapseAt: DateTime }
  /** Not due yet (e.g. claimed early by a clock skew): run again at `until`. */
  | { action: 'wait'; until: DateTime }
  /** Never fire: the request is not (any more) a generated, open trial, or the reminder is moot. */
  | { action: 'skip'; reason: Ineligibility | 'already_lapsed' };

/**
 * What a scheduler should do with a claimed job, given the request as it is now. Reading the
 * request at fire time (not when the job was scheduled) is what makes "Resolved" stop both jobs
 * and keeps refused or failed requests from ever being reminded.
 */
export function decideJob(
  job: { kind: LifecycleJobKind; dueAt: DateTime },
  request: TrialRequest,
  now: DateTime,
  lateAfterMs = DEFAULT_LATE_AFTER_MS,
): JobDecision {
  const eligibility = lifecycleEligibility(request);
  if (!eligibility.eligible) return { action: 'skip', reason: eligibility.reason };
  const lapseAt = trialLapseAt(eligibility.expiresOn);
  const dueAt = job.kind === 'lapse' ? lapseAt : job.dueAt;
  if (now.toMillis() < dueAt.toMillis()) return { action: 'wait', until: dueAt };
  // A reminder found after the lapse (e.g. the bot was down across both) is moot: the lapse says it all.
  if (job.kind === 'reminder' && now.toMillis() >= lapseAt.toMillis())
    return { action: 'skip', reason: 'already_lapsed' };
  return { action: 'fire', lateness: lateness(dueAt, now, lateAfterMs), lapseAt };
}

/** Milliseconds until the trial lapses (negative once lapsed), for "time left" displays. */
export function msUntilLapse(trialExpiresOn: string, now: DateTime): number {
  return trialLapseAt(trialExpiresOn).toMillis() - now.toMillis();
}

// ---------------------------------------------------------------------------------------------
// Events on a request's record, for the audit trail and /license-status.

export const LIFECYCLE_EVENT_TYPES = ['reminder_sent', 'resolved', 'needs_lr', 'lapsed', 'copy_sent'] as const;
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

export interface LifecycleEvent {
  requestId: string;
  type: LifecycleEventType;
  /** ISO instant. */
  at: string;
  /** Slack user ID of the person who did it; unset when the bot did it on its own (reminder, lapse). */
  bySlackId?: string;
  /** Milliseconds after the due time, for a reminder or lapse handled late (e.g. after a restart). */
  lateByMs?: number;
}

export function isLifecycleEventType(value: unknown): value is LifecycleEventType {
  return typeof value === 'string' && (LIFECYCLE_EVENT_TYPES as readonly string[]).includes(value);
}

const EVENT_LABELS: Record<LifecycleEventType, string> = {
  reminder_sent: 'Reminder sent',
  resolved: 'Resolved',
  needs_lr: 'Needs L&R',
  lapsed: 'Trial lapsed, unresolved',
  copy_sent: 'License copy sent',
};

/** "Resolved" / "Reminder sent (late by 3 hours)": one line per event, without who and when. */
export function describeLifecycleEvent(event: Pick<LifecycleEvent, 'type' | 'lateByMs'>): string {
  const late = event.lateByMs && event.lateByMs > 0 ? ` (late by ${formatDuration(event.lateByMs)})` : '';
  return `${EVENT_LABELS[event.type]}${late}`;
}

/**
 * The event that resolved a request: the first "Resolved" counts, later clicks change nothing (there is no
 * un-resolve).
 */
export function resolutionOf(events: readonly LifecycleEvent[]): LifecycleEvent | undefined {
  return events.filter((event) => event.type === 'resolved').sort((a, b) => a.at.localeCompare(b.at))[0];
}
