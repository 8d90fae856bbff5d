import type { DateTime } from 'luxon';
import type { Deployment } from './playbook';
import {
  calendarDaysSinceWindowOpens,
  computeExpiryFacts,
  EMERGENCY_WINDOW_DAYS,
  type ExpiryFacts,
  formatInstant,
  formatRelative,
  type LicenseKind,
} from './time';

/**
 * Scope of the weekend emergency license workflow: a Self-Managed customer with a paid plan
 * whose grace period (expiration + 14 days) ended within the last 3 days, counted in calendar
 * days (UTC) from the emergency's date. A trial-type license on the instance (a Sales-generated
 * temporary extension or temporary license) has no grace period: its window counts from its
 * expiration date (SPEC time rules).
 */

export type ScopeRuleId = 'saas' | 'no_paid_plan' | 'prospect' | 'grace_not_ended' | 'grace_ended_too_long_ago';

/** The only rules a manager may override (with a justification): the time window. */
export const TIME_WINDOW_RULES: readonly ScopeRuleId[] = ['grace_not_ended', 'grace_ended_too_long_ago'];

export interface ScopeFailure {
  rule: ScopeRuleId;
  /** Shown now: may say how far away a time is ("in 2 hours"). */
  reason: string;
  /** Kept with the request: absolute times only, so it stays true whenever it is read again. */
  recorded: string;
  whatToDo: string;
}

export interface ScopeInput {
  deployment: Deployment;
  paidPlan: boolean;
  prospect: boolean;
  /** yyyy-mm-dd */
  expirationDate: string;
  /** What kind of license is on the (Self-Managed) instance now; a paid license when not said. */
  licenseKind?: LicenseKind;
}

/**
 * Where today is relative to the weekend window: it opens at 00:00 UTC on G (G = grace end date,
 * or the expiration date of a trial-type license) and lasts through G + 3.
 */
export type WindowPhase = 'not_yet' | 'opens_soon' | 'open' | 'passed';

/**
 * "The grace period ends later today or tomorrow (UTC)" (SPEC time rules): the window opens at the
 * next 00:00 UTC or the one after, so G - E is 1 or 2 calendar days.
 */
export const OPENS_SOON_DAYS = 2;

export interface EmergencyWindow {
  phase: WindowPhase;
  opensAt: DateTime;
  /** Today's date minus G, in calendar days (UTC). */
  days: number;
}

export interface ScopeDecision {
  inScope: boolean;
  failures: ScopeFailure[];
  facts: ExpiryFacts;
  /** Self-Managed only (SaaS has no window). */
  window?: EmergencyWindow;
}

/** "Sun 2 Jun 2024 00:00 UTC": the window's boundaries are UTC instants. */
const utc = (instant: DateTime) => formatInstant(instant, 'UTC');

export function emergencyWindow(facts: ExpiryFacts, now: DateTime): EmergencyWindow | undefined {
  const days = calendarDaysSinceWindowOpens(facts, now);
  if (days === undefined || !facts.windowOpensAt) return undefined;
  const phase: WindowPhase =
    days > EMERGENCY_WINDOW_DAYS ? 'passed' : days >= 0 ? 'open' : -days <= OPENS_SOON_DAYS ? 'opens_soon' : 'not_yet';
  return { phase, opensAt: facts.windowOpensAt, days };
}

/** What opens the window, in words: the grace period's end, or a temporary extension's expiry. */
const opensWhen = (facts: ExpiryFacts) =>
  facts.licenseKind === 'temporary'
    ? 'when the temporary extension expires (a trial-type license has no grace period)'
    : 'when the grace period ends';

/**
 * The window opens within hours (later today or tomorrow, UTC): say exactly when, and that a manager may override the
 * time window now. Never "leave the ticket for L&R": at a weekend the customer would be blocked
 * until Monday (SPEC time rules).
 */
export const OVERRIDE_NOW =
  'A manager may override the time window now, with a written justification, in the emergency license form ' +
  '(ask one from the override group if you are not); otherwise submit the form again once the window is open.';

/**
 * What comes after a refusal, in words true for every rule: a refusal is kept as text only (its rule
 * is not), so a note written from it later must not send a prospect or a SaaS customer to the L&R
 * team for a trial license.
 */
export const AFTER_REFUSAL =
  'No license was generated. For a paid Self-Managed customer outside the time window, the trial license comes ' +
  'from the L&R team (CustomersDot); SaaS follows the SaaS License Emergencies workflow; prospects are routed to ' +
  'Sales; an organization without a paid plan is pointed to a self-serve trial or to Sales.';

export function checkEmergencyScope(input: ScopeInput, now: DateTime): ScopeDecision {
  const facts = computeExpiryFacts(input.expirationDate, now, input.deployment, input.licenseKind ?? 'paid');
  const failures: ScopeFailure[] = [];
  const fail = (failure: Omit<ScopeFailure, 'recorded'> & { recorded?: string }) =>
    failures.push({ ...failure, recorded: failure.recorded ?? failure.reason });
  if (input.deployment === 'saas') {
    fail({
      rule: 'saas',
      reason: 'SaaS (GitLab.com) is not covered by the Self-Managed weekend emergency workflow.',
      whatToDo:
        'Follow "Customer Emergencies Workflow - SaaS License Emergencies": use "Manage GitLab Plan and Trials" ' +
        'in the Zendesk Mechanizer App.',
    });
  }
  if (!input.paidPlan) {
    fail({
      rule: 'no_paid_plan',
      reason: 'Organizations without a paid plan are out of scope.',
      whatToDo:
        'Do not generate a license: point the customer to a self-serve trial or to Sales, and ask the L&R team ' +
        'in #support_licensing-subscription.',
    });
  }
  if (input.prospect) {
    fail({
      rule: 'prospect',
      reason: 'Prospects are out of scope.',
      whatToDo: 'Do not generate a license: route the prospect to Sales.',
    });
  }
  // SaaS has no Self-Managed grace period: the time window only applies to Self-Managed licenses.
  const window = emergencyWindow(facts, now);
  if (!window) return { inScope: failures.length === 0, failures, facts };
  const temporary = facts.licenseKind === 'temporary';
  const what = temporary ? 'The Sales-generated temporary extension (a trial-type license, no grace period)' : '';
  const msUntilOpen = window.opensAt.toMillis() - now.toMillis();
  if (window.phase === 'opens_soon') {
    fail({
      rule: 'grace_not_ended',
      reason:
        `Not in scope yet: the weekend emergency workflow applies from ${utc(window.opensAt)}, ` +
        `${formatRelative(msUntilOpen)} (${opensWhen(facts)}).`,
      recorded:
        `Not in scope yet: the weekend emergency workflow applies from ${utc(window.opensAt)} ` +
        `(${opensWhen(facts)}).`,
      whatToDo: OVERRIDE_NOW,
    });
  } else if (window.phase === 'not_yet') {
    const expiresAt = utc(facts.expiresAt);
    const reason = !facts.expired
      ? `${temporary ? what : 'The license'} has not expired yet: it expires ${formatRelative(facts.msUntilExpiry)} ` +
        `(${expiresAt}), so the instance still works.`
      : `The customer is still in the grace period: it ends ${formatRelative(facts.msUntilGraceEnd ?? msUntilOpen)} ` +
        `(${window.opensAt.toISODate()}), so the instance still works.`;
    const recorded = !facts.expired
      ? `${temporary ? what : 'The license'} had not expired yet: it expires ${expiresAt}.`
      : `The customer was still in the grace period: it ends ${utc(window.opensAt)}.`;
    fail({
      rule: 'grace_not_ended',
      reason,
      recorded,
      whatToDo:
        `This is not a weekend emergency yet: the workflow applies from ${utc(window.opensAt)}. If a trial ` +
        'license is needed before then, it comes from the L&R team (CustomersDot): ask them in ' +
        '#support_licensing-subscription (use /star-check if the ticket was starred).',
    });
  } else if (window.phase === 'passed') {
    const ended = temporary
      ? `${what} expired on ${window.opensAt.toISODate()}`
      : `The grace period ended on ${window.opensAt.toISODate()}`;
    fail({
      rule: 'grace_ended_too_long_ago',
      reason:
        `${ended}, ${window.days} days ago: more than ${EMERGENCY_WINDOW_DAYS} ` +
        `days before today (UTC), the limit of this workflow.`,
      recorded:
        `${ended}: more than ${EMERGENCY_WINDOW_DAYS} days before the request (UTC), the limit of this ` + `workflow.`,
      whatToDo:
        'This is no longer a weekend emergency for this workflow: the trial license comes from the L&R team ' +
        '(CustomersDot). Escalate to them (STAR the ticket if it is urgent).',
    });
  }
  return { inScope: failures.length === 0, failures: withoutContradictions(failures), facts, window };
}

/** The time window's way forward when the customer is out of scope whatever the date. */
export const DATE_DOES_NOT_MATTER =
  'Nothing for the date: this customer is out of scope whatever the date, for the other reason given here.';

/**
 * A prospect or an organization without a paid plan is never overridable (SPEC step 7), so the
 * time window's own way forward (an override now, a trial from the L&R team) would contradict the
 * "do not generate a license" beside it: the time-window failure keeps its reason and says instead
 * that the date does not matter.
 */
function withoutContradictions(failures: ScopeFailure[]): ScopeFailure[] {
  if (failures.every((failure) => TIME_WINDOW_RULES.includes(failure.rule))) return failures;
  return failures.map((failure) =>
    TIME_WINDOW_RULES.includes(failure.rule) ? { ...failure, whatToDo: DATE_DOES_NOT_MATTER } : failure,
  );
}
