import type { DateTime } from 'luxon';
import type { Deployment } from './playbook';
import {
  calendarDaysSinceGraceEnd,
  computeExpiryFacts,
  EMERGENCY_WINDOW_DAYS,
  type ExpiryFacts,
  formatRelative,
} from './time';

/**
 * Scope of the weekend emergency license workflow: a Self-Managed customer with a paid plan
 * whose grace period (expiration + 14 days) ended within the last 3 days, counted in calendar
 * days (UTC) from the emergency's date.
 */

export type ScopeRuleId = 'saas' | 'no_paid_plan' | 'prospect' | 'grace_not_ended' | 'grace_ended_too_long_ago';

/** The only rules a manager may override (with a justification): the time window. */
export const TIME_WINDOW_RULES: readonly ScopeRuleId[] = ['grace_not_ended', 'grace_ended_too_long_ago'];

export interface ScopeFailure {
  rule: ScopeRuleId;
  reason: string;
  whatToDo: string;
}

export interface ScopeInput {
  deployment: Deployment;
  paidPlan: boolean;
  prospect: boolean;
  /** yyyy-mm-dd */
  expirationDate: string;
}

export interface ScopeDecision {
  inScope: boolean;
  failures: ScopeFailure[];
  facts: ExpiryFacts;
}

export function checkEmergencyScope(input: ScopeInput, now: DateTime): ScopeDecision {
  const facts = computeExpiryFacts(input.expirationDate, now, input.deployment);
  const failures: ScopeFailure[] = [];
  if (input.deployment === 'saas') {
    failures.push({
      rule: 'saas',
      reason: 'SaaS (GitLab.com) is not covered by the Self-Managed weekend emergency workflow.',
      whatToDo:
        'Follow "Customer Emergencies Workflow - SaaS License Emergencies": use "Manage GitLab Plan and Trials" ' +
        'in the Zendesk Mechanizer App.',
    });
  }
  if (!input.paidPlan) {
    failures.push({
      rule: 'no_paid_plan',
      reason: 'Organizations without a paid plan are out of scope.',
      whatToDo:
        'Do not generate a license: point the customer to a self-serve trial or to Sales, and leave the ticket ' +
        'for the L&R team.',
    });
  }
  if (input.prospect) {
    failures.push({
      rule: 'prospect',
      reason: 'Prospects are out of scope.',
      whatToDo: 'Do not generate a license: route the prospect to Sales.',
    });
  }
  // SaaS has no Self-Managed grace period: the time window only applies to Self-Managed licenses.
  const days = calendarDaysSinceGraceEnd(facts, now);
  if (days === undefined || !facts.graceEndsAt || facts.msUntilGraceEnd === undefined)
    return { inScope: failures.length === 0, failures, facts };
  const graceEndDate = facts.graceEndsAt.toISODate();
  if (days < 0) {
    failures.push({
      rule: 'grace_not_ended',
      reason: facts.expired
        ? `The customer is still in the grace period: it ends ${formatRelative(facts.msUntilGraceEnd)} (` +
          `${graceEndDate}), so the instance still works.`
        : `The license has not expired yet: it expires ${formatRelative(facts.msUntilExpiry)}, so the instance ` +
          `still works.`,
      whatToDo:
        'This is not a weekend emergency yet: the trial license, if one is needed, comes from the L&R team ' +
        '(CustomersDot). Leave the ticket for them (use /star-check if it was starred).',
    });
  } else if (days > EMERGENCY_WINDOW_DAYS) {
    failures.push({
      rule: 'grace_ended_too_long_ago',
      reason:
        `The grace period ended on ${graceEndDate}, ${days} days ago: more than ${EMERGENCY_WINDOW_DAYS} ` +
        `days before today (UTC), the limit of this workflow.`,
      whatToDo:
        'This is no longer a weekend emergency for this workflow: the trial license comes from the L&R team ' +
        '(CustomersDot). Escalate to them (STAR the ticket if it is urgent).',
    });
  }
  return { inScope: failures.length === 0, failures, facts };
}
