import type { DateTime } from 'luxon';
import { ChartAnswers, ChartVerdict, evaluateStarChart, PathStep } from './star-flowchart';
import { Deployment, RequestType } from './playbook';
import { computeExpiryFacts, ExpiryFacts } from './time';

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

/** Decides, or returns undefined when the chart still needs an answer. */
export function decideStar(input: StarDecisionInput, now: DateTime): StarDecision | undefined {
  const expiry = input.expirationDate ? computeExpiryFacts(input.expirationDate, now) : undefined;
  const evaluation = evaluateStarChart(input.answers, expiry);
  if (!evaluation.complete) return undefined;
  const usedExpiry = evaluation.path.some((step) => step.source === 'computed') ? expiry : undefined;
  return {
    ticketUrl: input.ticketUrl,
    verdict: evaluation.verdict,
    path: evaluation.path,
    expiry: usedExpiry ?? expiry,
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
    graceEndsAt: decision.expiry?.graceEndsAt.toISO(),
    deployment: decision.deployment,
    requestType: decision.requestType?.id,
    decidedAt: decision.decidedAt.toISO(),
  };
}
