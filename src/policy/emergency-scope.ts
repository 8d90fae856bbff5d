import type { DateTime } from 'luxon';
import type { Deployment } from './playbook';
import { computeExpiryFacts, EMERGENCY_WINDOW_HOURS, ExpiryFacts, formatRelative, graceEndedWithinEmergencyWindow } from './time';

/**
 * Scope of the weekend emergency license workflow: a Self-Managed customer with a paid plan
 * whose grace period (expiration + 14 days) ended within the last 3 days.
 */

export type ScopeRuleId = 'saas' | 'no_paid_plan' | 'prospect' | 'grace_not_ended' | 'grace_ended_too_long_ago';

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
  const facts = computeExpiryFacts(input.expirationDate, now);
  const failures: ScopeFailure[] = [];
  if (input.deployment === 'saas') {
    failures.push({
      rule: 'saas',
      reason: 'SaaS (GitLab.com) is not covered by the Self-Managed weekend emergency workflow.',
      whatToDo:
        'Follow "Customer Emergencies Workflow - SaaS License Emergencies": use "Manage GitLab Plan and Trials" in the Zendesk Mechanizer App.',
    });
  }
  if (!input.paidPlan) {
    failures.push({
      rule: 'no_paid_plan',
      reason: 'Organizations without a paid plan are out of scope.',
      whatToDo: 'Do not generate a license: point the customer to a self-serve trial or to Sales, and leave the ticket for the L&R team.',
    });
  }
  if (input.prospect) {
    failures.push({
      rule: 'prospect',
      reason: 'Prospects are out of scope.',
      whatToDo: 'Do not generate a license: route the prospect to Sales.',
    });
  }
  if (!facts.graceEnded) {
    failures.push({
      rule: 'grace_not_ended',
      reason: facts.expired
        ? `The customer is still in the grace period: it ends ${formatRelative(facts.msUntilGraceEnd)}, so the instance still works.`
        : `The license has not expired yet: it expires ${formatRelative(facts.msUntilExpiry)}, so the instance still works.`,
      whatToDo: 'No emergency license is needed now: leave the ticket for the L&R team (use /star-check if it was starred).',
    });
  } else if (!graceEndedWithinEmergencyWindow(facts)) {
    failures.push({
      rule: 'grace_ended_too_long_ago',
      reason: `The grace period ended ${formatRelative(facts.msUntilGraceEnd)}: more than ${EMERGENCY_WINDOW_HOURS} hours (3 days) ago, the limit of this workflow.`,
      whatToDo: 'This is no longer a weekend emergency for this workflow: escalate to the L&R team (STAR the ticket if it is urgent).',
    });
  }
  return { inScope: failures.length === 0, failures, facts };
}
