import { checkEmergencyScope, TIME_WINDOW_RULES } from './emergency-scope';
import type { StarDecision } from './star-decision';
import type { TimeFactKey } from './time';

/**
 * What a /star-check verdict tells the manager to do next. The emergency license form is offered
 * only when the same facts are inside the weekend emergency scope, so a verdict never sends a
 * manager into a form that would refuse them; otherwise it says why this is not a weekend
 * emergency and that the trial license comes from the L&R team (CustomersDot).
 */
export type EmergencyOffer =
  /** In scope: offer the emergency license form, prefilled. */
  | { kind: 'offer' }
  /** A trial license is the next step, but not through the weekend workflow: ask L&R. */
  | { kind: 'ask_lr'; reasons: string[] }
  /** No trial license on this path (other request types, SaaS, "No need for STAR"). */
  | { kind: 'none' };

export interface VerdictGuidance {
  steps: string[];
  warnings: string[];
  emergency: EmergencyOffer;
}

export const ASK_LR =
  'The trial license comes from the L&R team (CustomersDot): ask them in #support_licensing-subscription.';
export const NO_LICENSE_NOW =
  'No license now: the STAR is not needed, so the ticket follows the normal queue and the L&R team handles the ' +
  'request.';
export const DATE_UNKNOWN_REASON =
  'No expiration date was given, so the weekend emergency scope (a paid Self-Managed license whose grace period ' +
  'ended within the last 3 days) could not be checked.';

const answerOf = (decision: StarDecision, question: string) =>
  decision.path.find((step) => step.question.id === question)?.option.value;

export function verdictGuidance(decision: StarDecision): VerdictGuidance {
  const type = decision.requestType;
  if (!type) return { steps: [], warnings: [], emergency: { kind: 'none' } };
  const warnings = [...type.warnings];
  if (!type.trialLicenseSteps) return { steps: [...type.nextSteps], warnings, emergency: { kind: 'none' } };
  // "No need for STAR" never tells anyone to generate a license.
  if (!decision.verdict.starValid)
    return { steps: [...type.nextSteps, NO_LICENSE_NOW], warnings, emergency: { kind: 'none' } };

  const reasons = emergencyScopeProblems(decision);
  if (reasons.length === 0)
    return { steps: [...type.nextSteps, ...type.trialLicenseSteps], warnings, emergency: { kind: 'offer' } };
  return {
    steps: [...type.nextSteps, `Not a weekend emergency: ${reasons.join(' ')} ${ASK_LR}`],
    warnings,
    emergency: { kind: 'ask_lr', reasons },
  };
}

/** The emergency scope checked with the verdict's own facts; empty when in scope. */
function emergencyScopeProblems(decision: StarDecision): string[] {
  const expiry = decision.expiry;
  if (!expiry || !decision.deployment) return [DATE_UNKNOWN_REASON];
  const trial = answerOf(decision, 'trial') === 'yes';
  const scope = checkEmergencyScope(
    {
      deployment: decision.deployment,
      // A trial is not a paid plan; the form asks about prospects, /star-check does not.
      paidPlan: !trial,
      prospect: false,
      expirationDate: expiry.expirationDate,
    },
    decision.decidedAt,
  );
  // Trials have no grace period: never give a trial a grace-period reason.
  return scope.failures
    .filter((failure) => !(trial && TIME_WINDOW_RULES.includes(failure.rule)))
    .map((failure) => failure.reason);
}

/**
 * The time facts a decision's path used: the expiry for "expires in more than 24h", the grace end
 * for the grace questions (a trial's path never shows grace facts).
 */
export function timeFactsUsed(decision: Pick<StarDecision, 'path'>): TimeFactKey[] {
  const used = new Set<TimeFactKey>();
  for (const step of decision.path) {
    if (step.question.derivedFrom === 'expiresInMoreThan24h') used.add('expiry');
    if (step.question.derivedFrom === 'inGracePeriod') used.add('expiry').add('grace');
    if (step.question.derivedFrom === 'graceEndsInMoreThan24h') used.add('grace');
  }
  return [...used];
}
