import type { DateTime } from 'luxon';
import { type ChartAnswers, type ChartVerdict, evaluateStarChart, type PathStep } from './star-flowchart';
import { type Deployment, type RequestType } from './playbook';
import { computeExpiryFacts, type ExpiryFacts } from './time';

/** A finished /star-check: the verdict, the path that led to it and the facts behind it. */
export interface StarDecision {
  ticketUrl: string;
  verdict: ChartVerdict;
  path: PathStep[];
  expiry?: ExpiryFacts;
  deployment?: Deployment;
  requestType?: RequestType;
  decidedAt: DateTime;
}

export interface StarDecisionInput {
  ticketUrl: string;
  answers: ChartAnswers;
  expirationDate?: string;
  deployment?: Deployment;
  requestType?: RequestType;
}

/**
 * The facts a date gives, read with the deployment's rules (a SaaS plan runs through its end date,
 * a Self-Managed license stops at its start): without knowing the deployment, nothing is computed.
 */
export function expiryFactsOf(
  expirationDate: string | undefined,
  deployment: Deployment | undefined,
  now: DateTime,
): ExpiryFacts | undefined {
  return expirationDate && deployment ? computeExpiryFacts(expirationDate, now, deployment) : undefined;
}

/** Decides, or returns undefined when the chart still needs an answer. */
export function decideStar(input: StarDecisionInput, now: DateTime): StarDecision | undefined {
  const expiry = expiryFactsOf(input.expirationDate, input.deployment, now);
  const evaluation = evaluateStarChart(input.answers, expiry);
  if (!evaluation.complete) return undefined;
  return {
    ticketUrl: input.ticketUrl,
    verdict: evaluation.verdict,
    path: evaluation.path,
    expiry,
    deployment: input.deployment,
    requestType: input.requestType,
    decidedAt: now,
  };
}

/** The decision's inputs as plain data, for the feedback export. */
export function decisionInputs(decision: StarDecision): Record<string, unknown> {
  return {
    path: decision.path.map((step) => ({ question: step.question.id, answer: step.option.value, source: step.source })),
    expirationDate: decision.expiry?.expirationDate,
    expiresAt: decision.expiry?.expiresAt.toISO(),
    graceEndsAt: decision.expiry?.graceEndsAt?.toISO(),
    deployment: decision.deployment,
    requestType: decision.requestType?.id,
    decidedAt: decision.decidedAt.toISO(),
  };
}
