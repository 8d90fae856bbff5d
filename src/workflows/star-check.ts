import type { DateTime } from 'luxon';
import { type Deployment, DEPLOYMENT_LABELS, findRequestType, type RequestTypeId } from '../policy/playbook';
import { decideStar, decisionInputs, expiryFactsOf, type StarDecision } from '../policy/star-decision';
import {
  type ChartAnswers,
  evaluateStarChart,
  pathNeedsExpiry,
  type QuestionId,
  questionsOnPath,
} from '../policy/star-flowchart';
import { parseTicketReference } from '../policy/ticket';
import type { OutboxMessage, StarDecisionRepository } from '../store/types';
import { firstRefusal, type Permissions } from './permissions';

/** What the /star-check modal was submitted with (read from the view by the Slack layer). */
export interface StarCheckAnswers {
  ticket?: string;
  deployment?: Deployment;
  requestType?: RequestTypeId;
  /** yyyy-mm-dd */
  expirationDate?: string;
  answers: ChartAnswers;
}

/** The modal's inputs, by meaning: the Slack layer maps them to and from its block IDs. */
export type StarInput = 'ticket' | 'deployment' | 'requestType' | 'expirationDate' | `question:${QuestionId}`;

export const questionInput = (id: QuestionId): StarInput => `question:${id}`;

export type StarCheckResult =
  /** May not run /star-check (checked on every submission, not only when the modal opened). */
  | { kind: 'refused'; reason: string }
  /** The answers lead to inputs the submitted modal did not show yet: show them first. */
  | { kind: 'more-questions'; form: StarCheckAnswers }
  /** Missing or invalid answers, per input. */
  | { kind: 'errors'; errors: Partial<Record<StarInput, string>> }
  /** The chart reached a verdict: show it, then `finish()` records it and posts the audit message. */
  | { kind: 'verdict'; decision: StarDecision; finish: () => Promise<void> };

export interface StarCheckServiceDeps {
  permissions: Permissions;
  decisions: Pick<StarDecisionRepository, 'recordDecision'>;
  audit: { publish(message: OutboxMessage): Promise<void> };
  /** The audit message's text and blocks (rendered by the Slack layer). */
  auditMessage: (decision: StarDecision, slackUserId: string) => Pick<OutboxMessage, 'text' | 'blocks'>;
  licensingChannel: string;
  zendeskBaseUrl: string;
  /** Counts verdicts (metrics). */
  onVerdict?: (verdictId: string) => void;
  /** After the audit message is queued (the Zendesk ticket's note links to it by `auditKey`). */
  onRecorded?: (decision: StarDecision, by: { slackUserId: string; viewId: string }, auditKey: string) => Promise<void>;
  now: () => DateTime;
}

/**
 * The inputs the modal shows for these answers (in no particular order): the ticket, the chart
 * questions still to be answered by a person, the expiration date once the path reaches a question
 * it can answer, and where GitLab runs plus the request type once the ticket is about a plan license.
 */
export function inputsFor(form: StarCheckAnswers, now: DateTime): StarInput[] {
  const expiry = expiryFactsOf(form.expirationDate, form.deployment, now);
  return [
    'ticket',
    ...(pathNeedsExpiry(form.answers, expiry) ? (['expirationDate'] as const) : []),
    ...questionsOnPath(form.answers, expiry).map((question) => questionInput(question.id)),
    ...(form.answers.kind === 'plan_license' ? (['deployment', 'requestType'] as const) : []),
  ];
}

/**
 * /star-check from a submitted modal to a recorded verdict: who may run it, which questions are
 * still to be shown, the form's validation, the decision, and recording it (store, audit message,
 * metrics). No Slack here: the listener reads the view, calls {@link submit} and renders.
 */
export class StarCheckService {
  constructor(private readonly deps: StarCheckServiceDeps) {}

  async submit(
    by: { slackUserId: string; viewId: string },
    form: StarCheckAnswers,
    shown: ReadonlySet<StarInput>,
  ): Promise<StarCheckResult> {
    const refusal = await firstRefusal(this.deps.permissions, by.slackUserId, ['star_check']);
    if (refusal) return { kind: 'refused', reason: refusal };
    // One instant for the whole submission: the questions, the verdict and its record agree.
    const now = this.deps.now();
    if (inputsFor(form, now).some((input) => !shown.has(input))) return { kind: 'more-questions', form };

    const errors: Partial<Record<StarInput, string>> = {};
    const ticket = parseTicketReference(form.ticket ?? '', this.deps.zendeskBaseUrl);
    if (!ticket.ok) errors.ticket = ticket.error;
    const requestType = findRequestType(form.requestType);
    const isPlanLicense = form.answers.kind === 'plan_license';
    if (isPlanLicense) {
      if (!form.deployment) errors.deployment = 'Pick where the customer runs GitLab.';
      if (!requestType) errors.requestType = 'Pick what the customer is asking for.';
      else if (form.deployment && requestType.deployment !== form.deployment) {
        errors.requestType =
          `Pick a ${DEPLOYMENT_LABELS[form.deployment]} request type (this one is for ` +
          `${DEPLOYMENT_LABELS[requestType.deployment]}).`;
      }
    }
    const evaluation = evaluateStarChart(form.answers, expiryFactsOf(form.expirationDate, form.deployment, now));
    if (!evaluation.complete) {
      errors[questionInput(evaluation.next.id)] = evaluation.next.derivedFrom
        ? 'Answer this, or pick the expiration date above.'
        : 'Answer this question to reach a verdict.';
    }
    if (Object.keys(errors).length > 0 || !ticket.ok) return { kind: 'errors', errors };

    const decision = decideStar(
      {
        ticketUrl: ticket.url,
        answers: form.answers,
        expirationDate: form.expirationDate,
        deployment: isPlanLicense ? form.deployment : undefined,
        requestType: isPlanLicense ? requestType : undefined,
      },
      now,
    );
    if (!decision) throw new Error('STAR chart incomplete after validation');
    return { kind: 'verdict', decision, finish: () => this.record(decision, by, now) };
  }

  /** After the verdict is shown: record the decision for the feedback export and post the audit message. */
  private async record(
    decision: StarDecision,
    by: { slackUserId: string; viewId: string },
    now: DateTime,
  ): Promise<void> {
    this.deps.onVerdict?.(decision.verdict.id);
    await this.deps.decisions.recordDecision(
      {
        ticketUrl: decision.ticketUrl,
        decidedBySlackId: by.slackUserId,
        verdict: decision.verdict.id,
        inputs: decisionInputs(decision),
      },
      now.toJSDate(),
    );
    // One audit message per modal: a redelivered submission updates it instead of posting twice.
    const key = `star:${by.viewId}`;
    await this.deps.audit.publish({
      key,
      channel: this.deps.licensingChannel,
      ...this.deps.auditMessage(decision, by.slackUserId),
    });
    await this.deps.onRecorded?.(decision, by, key);
  }
}
