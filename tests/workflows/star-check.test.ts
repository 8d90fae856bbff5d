import { DateTime } from 'luxon';
import type { StarDecision } from '../../src/policy/star-decision';
import type { OutboxMessage, StarDecisionRecord } from '../../src/store/types';
import { STAR_BLOCKS } from '../../src/slack/views/star-check-ids';
import { buildStarCheckModal } from '../../src/slack/views/star-check-modal';
import {
  inputsFor,
  questionInput,
  type StarCheckAnswers,
  StarCheckService,
  type StarInput,
} from '../../src/workflows/star-check';
import type { Permissions } from '../../src/workflows/permissions';

/** The STAR-check service without Slack: permissions from a set, a recording store, outbox and counter. */

const NOW = DateTime.fromISO('2026-11-30T12:00:00Z', { zone: 'utc' });
const ZENDESK = 'https://gitlab.zendesk.com';

function setup(allowed = true) {
  const decisions: Omit<StarDecisionRecord, 'id' | 'createdAt'>[] = [];
  const posted: OutboxMessage[] = [];
  const verdicts: string[] = [];
  const permissions: Permissions = {
    check: async () => (allowed ? { allowed: true } : { allowed: false, reason: 'Not in the STAR group.' }),
  };
  const service = new StarCheckService({
    permissions,
    decisions: {
      recordDecision: async (decision) => {
        decisions.push(decision);
        return { ...decision, id: 1, createdAt: NOW.toISO() } as unknown as StarDecisionRecord;
      },
    },
    audit: { publish: async (message) => void posted.push(message) },
    auditMessage: (decision: StarDecision, user: string) => ({ text: `${decision.verdict.id} by ${user}`, blocks: [] }),
    licensingChannel: 'C0LICENSING',
    zendeskBaseUrl: ZENDESK,
    onVerdict: (id) => verdicts.push(id),
    now: () => NOW,
  });
  return { service, decisions, posted, verdicts };
}

const by = { slackUserId: 'UMANAGER', viewId: 'VSTAR1' };
/** Submitted with every input the answers need shown (the modal was up to date). */
const allShown = (form: StarCheckAnswers) => new Set(inputsFor(form, NOW));

const wrongProduct: StarCheckAnswers = { ticket: '123456', answers: { kind: 'wrong_product', salesIntervened: 'yes' } };
const planLicense: StarCheckAnswers = {
  ticket: '123456',
  deployment: 'self_managed',
  requestType: 'sm_trial_license',
  // Grace ended yesterday (2026-11-29): not in the grace period, expired.
  expirationDate: '2026-11-15',
  answers: { kind: 'plan_license', trial: 'no' },
};

describe('StarCheckService.submit: one result kind per case', () => {
  it.each<[string, boolean, StarCheckAnswers, (form: StarCheckAnswers) => Set<StarInput>, string]>([
    ['refused: not allowed to run /star-check', false, wrongProduct, allShown, 'refused'],
    [
      'more-questions: the answer leads to a question the modal did not show',
      true,
      wrongProduct,
      () => new Set<StarInput>(['ticket', 'question:kind']),
      'more-questions',
    ],
    [
      'errors: a ticket on another host',
      true,
      { ...wrongProduct, ticket: 'https://evil.example/agent/tickets/1' },
      allShown,
      'errors',
    ],
    ['verdict: wrong product, Sales intervened', true, wrongProduct, allShown, 'verdict'],
    ['verdict: plan license, dates computed from the expiration date', true, planLicense, allShown, 'verdict'],
  ])('%s', async (_name, allowed, form, shown, kind) => {
    const { service } = setup(allowed);
    expect((await service.submit(by, form, shown(form))).kind).toBe(kind);
  });

  it.each<[string, StarCheckAnswers, Partial<Record<StarInput, string>>]>([
    ['a missing ticket', { ...wrongProduct, ticket: '' }, { ticket: expect.any(String) }],
    [
      'an unanswered question',
      { ticket: '123456', answers: { kind: 'wrong_product' } },
      { [questionInput('salesIntervened')]: 'Answer this question to reach a verdict.' },
    ],
    [
      'no deployment and no request type for a plan license',
      {
        ticket: '123456',
        answers: { kind: 'plan_license', trial: 'no', inGracePeriod: 'no', expiresInMoreThan24h: 'no' },
      },
      { deployment: 'Pick where the customer runs GitLab.', requestType: 'Pick what the customer is asking for.' },
    ],
    [
      'a request type for the other deployment',
      { ...planLicense, requestType: 'saas_other' },
      { requestType: 'Pick a Self-Managed request type (this one is for SaaS (GitLab.com)).' },
    ],
    [
      'a question the date could answer, without a date',
      {
        ticket: '123456',
        deployment: 'self_managed',
        requestType: 'sm_trial_license',
        answers: { kind: 'plan_license', trial: 'no' },
      },
      { [questionInput('inGracePeriod')]: 'Answer this, or pick the expiration date above.' },
    ],
  ])('errors: %s, keyed by input', async (_name, form, errors) => {
    const { service, decisions } = setup();
    const result = await service.submit(by, form, allShown(form));
    expect(result).toEqual({ kind: 'errors', errors });
    expect(decisions).toEqual([]);
  });

  it('verdict: nothing is recorded until finish(); then the decision, the counter and one audit message keyed by the view', async () => {
    const { service, decisions, posted, verdicts } = setup();
    const result = await service.submit(by, planLicense, allShown(planLicense));
    if (result.kind !== 'verdict') throw new Error(result.kind);
    expect(result.decision.verdict.id).toBe('ok_to_star');
    expect(result.decision.ticketUrl).toBe(`${ZENDESK}/agent/tickets/123456`);
    expect(decisions).toEqual([]);
    await result.finish();
    expect(decisions).toEqual([
      expect.objectContaining({
        ticketUrl: `${ZENDESK}/agent/tickets/123456`,
        decidedBySlackId: 'UMANAGER',
        verdict: 'ok_to_star',
      }),
    ]);
    expect(verdicts).toEqual(['ok_to_star']);
    expect(posted).toEqual([
      { key: 'star:VSTAR1', channel: 'C0LICENSING', text: 'ok_to_star by UMANAGER', blocks: [] },
    ]);
  });

  it("a plan license's deployment and request type are not carried into other kinds of ticket", async () => {
    const { service } = setup();
    const form = { ...wrongProduct, deployment: 'saas' as const, requestType: 'saas_other' as const };
    const result = await service.submit(by, form, allShown(form));
    expect(result.kind === 'verdict' && [result.decision.deployment, result.decision.requestType]).toEqual([
      undefined,
      undefined,
    ]);
  });
});

describe('inputsFor: the inputs the modal shows for the answers so far', () => {
  const BLOCK: Record<string, string> = {
    ticket: STAR_BLOCKS.ticket,
    deployment: STAR_BLOCKS.deployment,
    requestType: STAR_BLOCKS.requestType,
    expirationDate: STAR_BLOCKS.expirationDate,
  };
  const blockOf = (input: StarInput) =>
    input.startsWith('question:') ? `q_${input.slice('question:'.length)}` : BLOCK[input];
  const inputBlocks = (form: StarCheckAnswers) =>
    (buildStarCheckModal(form, () => NOW).blocks as { type: string; block_id?: string }[])
      .filter((b) => b.type === 'input')
      .map((b) => b.block_id);

  it.each<[string, StarCheckAnswers]>([
    ['nothing answered', { answers: {} }],
    ['wrong product', { answers: { kind: 'wrong_product' } }],
    ['force reassociate, answered', { answers: { kind: 'force_reassociate', edgeCase: 'no' } }],
    ['plan license, no deployment yet', { answers: { kind: 'plan_license' } }],
    ['paid, no date', { deployment: 'self_managed', answers: { kind: 'plan_license', trial: 'no' } }],
    [
      'paid, date computes the grace questions',
      { deployment: 'self_managed', expirationDate: '2026-11-15', answers: { kind: 'plan_license', trial: 'no' } },
    ],
    [
      'paid, in grace by date',
      { deployment: 'self_managed', expirationDate: '2026-11-25', answers: { kind: 'plan_license', trial: 'no' } },
    ],
    [
      'trial, sales assisted',
      { deployment: 'saas', answers: { kind: 'plan_license', trial: 'yes', salesAssisted: 'yes' } },
    ],
    [
      'trial, SaaS date',
      {
        deployment: 'saas',
        expirationDate: '2026-12-24',
        answers: { kind: 'plan_license', trial: 'yes', salesAssisted: 'yes' },
      },
    ],
  ])('agrees with the modal builder: %s', (_name, form) => {
    expect(inputsFor(form, NOW).map(blockOf).sort()).toEqual(inputBlocks(form).sort());
  });
});
