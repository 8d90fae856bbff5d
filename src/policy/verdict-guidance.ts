import { checkEmergencyScope, OVERRIDE_NOW, type ScopeDecision } from './emergency-scope';
import type { StarDecision } from './star-decision';
import { isWeekdayUtc, type LicenseKind, type TimeFactKey } from './time';

/**
 * What a /star-check verdict tells the manager to do next. The emergency license form is offered
 * when the same facts are inside the weekend emergency scope, when the scope cannot be known yet
 * (no date: the form checks it), and when the window opens at the next 00:00 UTC (a manager may
 * override it now); otherwise the verdict says why this is not a weekend emergency and that the
 * trial license comes from the L&R team (CustomersDot). On a weekday (UTC) it first says to ask
 * the L&R team in the channel and offers the form for when they cannot help in time. Nothing is
 * refused for being a weekday.
 */
export type EmergencyOffer =
  /** Offer the emergency license form, prefilled. */
  | {
      kind: 'offer';
      /** Why the form is offered: inside the window, scope unknown (no date), or the window opens within hours. */
      scope: 'in_scope' | 'unknown' | 'opens_soon';
      /** Monday–Friday (UTC): ask L&R first, the form is the fallback. */
      weekday: boolean;
      /** The kind of license on the instance the verdict's path implies (a trial: trial-type). */
      licenseKind: LicenseKind;
      /** Sentences the form's own check depends on (when the window opens, what is unknown). */
      notes: string[];
      /** Why the scope is not met yet, with absolute times only, for messages kept and read later. */
      recorded: string[];
    }
  /** A trial license is the next step, but not through the weekend workflow: ask L&R. */
  | {
      kind: 'ask_lr';
      reasons: string[];
      /** The reasons with absolute times only, for messages kept and read later. */
      recorded: string[];
    }
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
export const DATE_UNKNOWN_NOTE =
  'No expiration date was given, so the weekend emergency scope (a paid Self-Managed license whose grace period ' +
  'ended within the last 3 days, UTC) is not known yet, not out of scope: the emergency license form checks it ' +
  'with the date.';
export const WEEKDAY_ASK_LR_FIRST =
  'It is a weekday (UTC), when the L&R team is at work: first ask them in #support_licensing-subscription for ' +
  'the trial license (CustomersDot). Use the emergency license form only if they cannot help in time.';
export const TRIAL_PAID_PLAN_NOTE =
  'A sales-assisted trial often bridges the renewal of a paying customer: the workflow applies when the ' +
  'organization has a paid plan, which the emergency license form asks (without one it is out of scope: ask the ' +
  'L&R team). The trial on the instance has no grace period, so the window counts from its expiration date.';

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

  const emergency = emergencyOfferFor(decision);
  if (emergency.kind !== 'offer') {
    const reasons = emergency.kind === 'ask_lr' ? emergency.reasons : [];
    return {
      steps: [...type.nextSteps, `Not a weekend emergency: ${reasons.join(' ')} ${ASK_LR}`],
      warnings,
      emergency,
    };
  }
  const licenseSteps =
    emergency.scope === 'opens_soon'
      ? [] // the notes say when the form applies and that a manager may override the window now
      : type.trialLicenseSteps;
  return {
    steps: [
      ...type.nextSteps,
      ...(emergency.weekday ? [WEEKDAY_ASK_LR_FIRST] : []),
      ...emergency.notes,
      ...licenseSteps,
    ],
    warnings,
    emergency,
  };
}

/**
 * The weekend emergency scope checked with the verdict's own facts. /star-check does not ask about
 * prospects or the paid plan: a trial on the instance says nothing about whether the organization
 * has a paid plan (SPEC time rules), so the form asks it.
 */
function emergencyOfferFor(decision: StarDecision): EmergencyOffer {
  const trial = answerOf(decision, 'trial') === 'yes';
  const licenseKind: LicenseKind = trial ? 'temporary' : 'paid';
  const weekday = isWeekdayUtc(decision.decidedAt);
  const trialNotes = trial ? [TRIAL_PAID_PLAN_NOTE] : [];
  const expiry = decision.expiry;
  if (!expiry || !decision.deployment)
    return {
      kind: 'offer',
      scope: 'unknown',
      weekday,
      licenseKind,
      notes: [DATE_UNKNOWN_NOTE, ...trialNotes],
      recorded: [],
    };
  const scope: ScopeDecision = checkEmergencyScope(
    {
      deployment: decision.deployment,
      paidPlan: true,
      prospect: false,
      expirationDate: expiry.expirationDate,
      licenseKind,
    },
    decision.decidedAt,
  );
  if (scope.inScope) return { kind: 'offer', scope: 'in_scope', weekday, licenseKind, notes: trialNotes, recorded: [] };
  if (scope.window?.phase === 'opens_soon' && scope.failures.length === 1)
    return {
      kind: 'offer',
      scope: 'opens_soon',
      weekday,
      licenseKind,
      notes: [scope.failures[0].reason, OVERRIDE_NOW, ...trialNotes],
      recorded: [scope.failures[0].recorded],
    };
  return {
    kind: 'ask_lr',
    reasons: scope.failures.map((failure) => failure.reason),
    recorded: scope.failures.map((failure) => failure.recorded),
  };
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
