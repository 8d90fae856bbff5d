import type { ExpiryFacts } from './time';

/**
 * The STAR validity flowchart (handbook "How to decide the validity of a starred L&R ticket")
 * as data. The modal's questions, the verdict text and the audit message are all derived from
 * this one definition: change the chart here and every surface follows.
 */

export type QuestionId =
  | 'kind'
  | 'trial'
  | 'salesAssisted'
  | 'inGracePeriod'
  | 'graceEndsInMoreThan24h'
  | 'expiresInMoreThan24h'
  | 'salesIntervened'
  | 'edgeCase';

export type VerdictId = 'ok_to_star' | 'no_need_for_star' | 'not_yet_sales' | 'deflect_with_docs';

export type Next = { question: QuestionId } | { verdict: VerdictId };

export interface ChartOption {
  value: string;
  label: string;
  next: Next;
}

/** Facts the chart can read off the expiration date instead of asking. */
export type DerivableFact = 'inGracePeriod' | 'graceEndsInMoreThan24h' | 'expiresInMoreThan24h';

export interface ChartQuestion {
  id: QuestionId;
  prompt: string;
  /** Short label for summaries ("Trial?"). */
  shortLabel: string;
  help?: string;
  options: ChartOption[];
  /** When set and the expiration date is known, the answer is computed, not asked. */
  derivedFrom?: DerivableFact;
}

export interface ChartVerdict {
  id: VerdictId;
  headline: string;
  emoji: string;
  /** Whether a STAR on this ticket is justified. */
  starValid: boolean;
  explanation: string;
  followUp?: string;
}

export const EDGE_CASE_DEFINITION =
  'An edge case is any situation in which the process has been followed and the system does not produce the ' +
  'expected result: ' +
  ('e.g. linking a purchase to an account errors after following the process, the page or system needed is down, ' +
    'or the owner is not available.');

const yesNo = (yes: Next, no: Next, labels: [string, string] = ['Yes', 'No']): ChartOption[] => [
  { value: 'yes', label: labels[0], next: yes },
  { value: 'no', label: labels[1], next: no },
];

export const START_QUESTION: QuestionId = 'kind';

export const QUESTIONS: Record<QuestionId, ChartQuestion> = {
  kind: {
    id: 'kind',
    prompt: 'What kind of starred L&R ticket is it?',
    shortLabel: 'Kind of ticket',
    options: [
      { value: 'plan_license', label: 'Plan/License request', next: { question: 'trial' } },
      { value: 'wrong_product', label: 'Wrong product sold', next: { question: 'salesIntervened' } },
      { value: 'force_reassociate', label: 'Force reassociate', next: { question: 'edgeCase' } },
    ],
  },
  trial: {
    id: 'trial',
    prompt: 'Is this request for a trial?',
    shortLabel: 'Trial',
    help: 'Yes when the plan/license in question is a trial; No for a paid (non-trial) subscription.',
    options: yesNo({ question: 'salesAssisted' }, { question: 'inGracePeriod' }, [
      'Yes, a trial',
      'No, a paid subscription',
    ]),
  },
  salesAssisted: {
    id: 'salesAssisted',
    prompt: 'Is this a sales-assisted trial?',
    shortLabel: 'Sales-assisted trial',
    options: yesNo({ question: 'expiresInMoreThan24h' }, { verdict: 'no_need_for_star' }),
  },
  inGracePeriod: {
    id: 'inGracePeriod',
    prompt: 'Is the customer in the grace period?',
    shortLabel: 'In grace period',
    help: 'The grace period is the 14 days after the expiration date.',
    options: yesNo({ question: 'graceEndsInMoreThan24h' }, { question: 'expiresInMoreThan24h' }),
    derivedFrom: 'inGracePeriod',
  },
  graceEndsInMoreThan24h: {
    id: 'graceEndsInMoreThan24h',
    prompt: 'Is the grace period expiring in more than 24h?',
    shortLabel: 'Grace ends in more than 24h',
    options: yesNo({ verdict: 'no_need_for_star' }, { verdict: 'ok_to_star' }, [
      'Yes, more than 24h left',
      'No, 24h or less left',
    ]),
    derivedFrom: 'graceEndsInMoreThan24h',
  },
  expiresInMoreThan24h: {
    id: 'expiresInMoreThan24h',
    prompt: 'Is the plan/license expiring in more than 24h?',
    shortLabel: 'Expires in more than 24h',
    options: yesNo({ verdict: 'no_need_for_star' }, { verdict: 'ok_to_star' }, [
      'Yes, more than 24h left',
      'No, 24h or less left, or already expired',
    ]),
    derivedFrom: 'expiresInMoreThan24h',
  },
  salesIntervened: {
    id: 'salesIntervened',
    prompt: 'Has Sales intervened on the wrong product sold?',
    shortLabel: 'Sales has intervened',
    options: yesNo({ verdict: 'ok_to_star' }, { verdict: 'not_yet_sales' }, [
      'Yes, Sales has intervened',
      'No, not yet',
    ]),
  },
  edgeCase: {
    id: 'edgeCase',
    prompt: 'Is this an edge case?',
    shortLabel: 'Edge case',
    help: EDGE_CASE_DEFINITION,
    options: yesNo({ verdict: 'ok_to_star' }, { verdict: 'deflect_with_docs' }, [
      'Yes: process followed, system fails, page down or owner unavailable',
      'No: not an edge case (the documented process works or was not followed)',
    ]),
  },
};

export const VERDICTS: Record<VerdictId, ChartVerdict> = {
  ok_to_star: {
    id: 'ok_to_star',
    headline: 'Ok to STAR',
    emoji: ':white_check_mark:',
    starValid: true,
    explanation: 'The STAR is valid: move the ticket forward now.',
  },
  no_need_for_star: {
    id: 'no_need_for_star',
    headline: 'No need for STAR',
    emoji: ':no_entry_sign:',
    starValid: false,
    explanation: 'The STAR is not needed: the ticket can follow the normal queue.',
    followUp: 'Manager to collect data for feedback and label the STAR issue.',
  },
  not_yet_sales: {
    id: 'not_yet_sales',
    headline: 'Not yet: Sales must intervene first',
    emoji: ':hourglass_flowing_sand:',
    starValid: false,
    explanation:
      'A wrong product sold is Ok to STAR only after Sales has intervened: ask the account team to intervene first.',
  },
  deflect_with_docs: {
    id: 'deflect_with_docs',
    headline: 'Deflect with the docs (no STAR)',
    emoji: ':books:',
    starValid: false,
    explanation: 'Use the documentation to deflect the force-reassociate request; only an edge case is Ok to STAR.',
  },
};

export type ChartAnswers = Partial<Record<QuestionId, string>>;

export interface PathStep {
  question: ChartQuestion;
  option: ChartOption;
  /** Computed from the expiration date, or answered by the person. */
  source: 'answered' | 'computed';
}

export type ChartEvaluation =
  | { complete: true; verdict: ChartVerdict; path: PathStep[] }
  | { complete: false; next: ChartQuestion; path: PathStep[] };

function optionFor(question: ChartQuestion, value: string | undefined): ChartOption | undefined {
  return value === undefined ? undefined : question.options.find((option) => option.value === value);
}

/**
 * Walks the chart from the start. Questions that can be derived from the expiration date are
 * computed when `expiry` is given (the date wins over a typed answer); otherwise they are read
 * from `answers`. Stops at the first question without a usable answer.
 */
export function evaluateStarChart(answers: ChartAnswers, expiry?: ExpiryFacts): ChartEvaluation {
  const path: PathStep[] = [];
  let current: QuestionId = START_QUESTION;
  // The chart is a DAG; the bound only guards against a future edit introducing a cycle.
  for (let step = 0; step < Object.keys(QUESTIONS).length + 1; step += 1) {
    const question = QUESTIONS[current];
    const computed = question.derivedFrom && expiry ? (expiry[question.derivedFrom] ? 'yes' : 'no') : undefined;
    const option = optionFor(question, computed ?? answers[current]);
    if (!option) return { complete: false, next: question, path };
    path.push({ question, option, source: computed ? 'computed' : 'answered' });
    if ('verdict' in option.next) return { complete: true, verdict: VERDICTS[option.next.verdict], path };
    current = option.next.question;
  }
  throw new Error('STAR chart has a cycle');
}

/** The questions a person must still be shown, given the answers so far (derived ones excluded when computable). */
export function questionsOnPath(answers: ChartAnswers, expiry?: ExpiryFacts): ChartQuestion[] {
  const evaluation = evaluateStarChart(answers, expiry);
  const asked = evaluation.path.filter((step) => step.source === 'answered').map((step) => step.question);
  return evaluation.complete ? asked : [...asked, evaluation.next];
}

/** Whether the walk so far has reached a question the expiration date could answer. */
export function pathNeedsExpiry(answers: ChartAnswers, expiry?: ExpiryFacts): boolean {
  const evaluation = evaluateStarChart(answers, expiry);
  const touched = [...evaluation.path.map((step) => step.question), ...(evaluation.complete ? [] : [evaluation.next])];
  return touched.some((question) => question.derivedFrom !== undefined);
}
