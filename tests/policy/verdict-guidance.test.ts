import { DateTime } from 'luxon';
import { findRequestType, NEVER_NON_TRIAL, type RequestTypeId } from '../../src/policy/playbook';
import { decideStar, type StarDecision } from '../../src/policy/star-decision';
import { type ChartAnswers, QUESTIONS } from '../../src/policy/star-flowchart';
import { describeExpiryFacts } from '../../src/policy/time';
import { ASK_LR, NO_LICENSE_NOW, timeFactsUsed, verdictGuidance } from '../../src/policy/verdict-guidance';
import type { Deployment } from '../../src/policy/playbook';

const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const TICKET = 'https://gitlab.zendesk.com/agent/tickets/1';

function decide(opts: {
  now: string;
  answers: ChartAnswers;
  date?: string;
  deployment?: Deployment;
  type?: RequestTypeId;
}): StarDecision {
  const decision = decideStar(
    {
      ticketUrl: TICKET,
      answers: { kind: 'plan_license', ...opts.answers },
      expirationDate: opts.date,
      deployment: opts.deployment ?? 'self_managed',
      requestType: findRequestType(opts.type ?? 'sm_trial_license'),
    },
    utc(opts.now),
  );
  if (!decision) throw new Error('incomplete chart');
  return decision;
}

const paid: ChartAnswers = { trial: 'no' };

/**
 * Case 6 of the issue: the verdict never sends a manager into a form that refuses the same facts.
 * Expiration 2026-02-23 (Self-Managed): grace ends 2026-03-09, window through 2026-03-12 (UTC).
 */
describe('the emergency form is offered exactly when the same facts are in the emergency scope', () => {
  test.each<[string, string, string, 'offer' | 'ask_lr' | 'none']>([
    // The window opens at the next 00:00 UTC: the form is offered with when it applies and the override (issue 17).
    ['in grace, 24h or less left (Ok to STAR)', '2026-03-08T00:00:00Z', 'Ok to STAR', 'offer'],
    ['in grace, last minute (Ok to STAR)', '2026-03-08T23:59:00Z', 'Ok to STAR', 'offer'],
    ['in grace, 2 days left (No need for STAR)', '2026-03-07T00:00:00Z', 'No need for STAR', 'none'],
    ['grace ended today 00:00', '2026-03-09T00:00:00Z', 'Ok to STAR', 'offer'],
    ['grace end date + 3 days, 00:00', '2026-03-12T00:00:00Z', 'Ok to STAR', 'offer'],
    ['grace end date + 3 days, 23:59', '2026-03-12T23:59:00Z', 'Ok to STAR', 'offer'],
    ['grace end date + 4 days, 00:00 (window passed)', '2026-03-13T00:00:00Z', 'Ok to STAR', 'ask_lr'],
    ['in grace, more than 24h left (No need for STAR)', '2026-03-01T12:00:00Z', 'No need for STAR', 'none'],
  ])('%s -> %s, %s', (_label, now, headline, kind) => {
    const decision = decide({ now, answers: paid, date: '2026-02-23' });
    expect(decision.verdict.headline).toBe(headline);
    const guidance = verdictGuidance(decision);
    expect(guidance.emergency.kind).toBe(kind);
    const text = guidance.steps.join('\n');
    if (kind === 'offer') expect(text).toMatch(/emergency license form/);
    if (kind === 'ask_lr') {
      expect(text).toContain('Not a weekend emergency');
      expect(text).toContain(ASK_LR);
      expect(text).not.toMatch(/emergency license form/);
    }
    if (kind === 'none') {
      expect(text).toContain(NO_LICENSE_NOW);
      expect(text).not.toMatch(/emergency license form|create the trial license|needs a trial license generation/);
    }
  });

  test('a sales-assisted trial is not "no paid plan": offered, the form asks the paid plan (issue 17)', () => {
    const decision = decide({
      now: '2026-03-10T12:00:00Z',
      answers: { trial: 'yes', salesAssisted: 'yes' },
      date: '2026-03-10',
    });
    expect(decision.verdict.headline).toBe('Ok to STAR');
    const guidance = verdictGuidance(decision);
    expect(guidance.emergency).toMatchObject({ kind: 'offer', licenseKind: 'temporary' });
    expect(guidance.steps.join('\n')).not.toMatch(/without a paid plan are out of scope/);
  });

  test('without a date the scope is unknown, not out of scope: the form is offered (issue 17)', () => {
    const decision = decide({
      now: '2026-03-10T12:00:00Z',
      answers: { ...paid, inGracePeriod: 'no', expiresInMoreThan24h: 'no' },
    });
    expect(decision.verdict.headline).toBe('Ok to STAR');
    expect(verdictGuidance(decision).emergency).toMatchObject({ kind: 'offer', scope: 'unknown' });
  });

  test.each<RequestTypeId>(['sm_license_not_received', 'sm_other'])('%s never offers the form', (type) => {
    const decision = decide({ now: '2026-03-10T12:00:00Z', answers: paid, date: '2026-02-23', type });
    expect(verdictGuidance(decision).emergency.kind).toBe('none');
  });

  test('license not working, in scope: the emergency steps come with the offer', () => {
    const decision = decide({
      now: '2026-03-10T12:00:00Z',
      answers: paid,
      date: '2026-02-23',
      type: 'sm_license_not_working',
    });
    const guidance = verdictGuidance(decision);
    expect(guidance.emergency.kind).toBe('offer');
    expect(guidance.steps.join('\n')).toMatch(/screenshot of Admin -> Dashboard/);
  });
});

describe('every Self-Managed verdict carries "managers never create brand-new (non-trial) licenses"', () => {
  const types: RequestTypeId[] = ['sm_trial_license', 'sm_license_not_working', 'sm_license_not_received', 'sm_other'];
  test.each(
    types.flatMap((type) => [[type, '2026-03-10T12:00:00Z'] as const, [type, '2026-03-01T12:00:00Z'] as const]),
  )('%s at %s', (type, now) => {
    const guidance = verdictGuidance(decide({ now, answers: paid, date: '2026-02-23', type }));
    expect(guidance.warnings).toContain(NEVER_NON_TRIAL);
  });

  test.each<RequestTypeId>(['sm_trial_license', 'sm_license_not_working', 'sm_license_not_received', 'sm_other'])(
    '"No need for STAR" (%s) never tells anyone to generate a license',
    (type) => {
      const decision = decide({ now: '2026-03-01T12:00:00Z', answers: paid, date: '2026-02-23', type });
      expect(decision.verdict.headline).toBe('No need for STAR');
      expect(verdictGuidance(decision).steps.join('\n')).not.toMatch(
        /(create|generat)\w* (a |the )?(trial )?license\b(?! in response)|license generation|emergency license form/i,
      );
    },
  );
});

describe('SaaS plans run through their end date; Self-Managed licenses stop at its start', () => {
  // End date 2026-03-11, now 2026-03-10 12:00 UTC: Self-Managed has 12 h left, SaaS 36 h.
  test.each<[Deployment, RequestTypeId, string]>([
    ['self_managed', 'sm_trial_license', 'Ok to STAR'],
    ['saas', 'saas_trial_extension', 'No need for STAR'],
  ])('%s, same date -> %s', (deployment, type, headline) => {
    const decision = decide({ now: '2026-03-10T12:00:00Z', answers: paid, date: '2026-03-11', deployment, type });
    expect(decision.verdict.headline).toBe(headline);
  });

  test.each<[string, Deployment, boolean]>([
    ['2026-03-11T00:00:00Z', 'self_managed', true], // SM stopped at 00:00 on its date
    ['2026-03-11T00:00:00Z', 'saas', false], // SaaS still runs on its end date
    ['2026-03-11T23:59:00Z', 'saas', false],
    ['2026-03-12T00:00:00Z', 'saas', true], // stops at 00:00 UTC on D + 1
  ])('at %s a %s plan ending 2026-03-11 has expired: %p', (now, deployment, expired) => {
    const decision = decide({
      now,
      answers: paid,
      date: '2026-03-11',
      deployment,
      type: deployment === 'saas' ? 'saas_other' : 'sm_other',
    });
    expect(decision.expiry?.expired).toBe(expired);
  });

  test('SaaS has no grace period: the grace question is computed "No" and no grace end is shown', () => {
    const decision = decide({
      now: '2026-03-12T12:00:00Z',
      answers: paid,
      date: '2026-03-11',
      deployment: 'saas',
      type: 'saas_other',
    });
    expect(decision.path.find((s) => s.question.id === 'inGracePeriod')?.option.value).toBe('no');
    expect(decision.expiry?.graceEndsAt).toBeUndefined();
    expect(describeExpiryFacts(decision.expiry!, 'UTC', ['expiry'])[0].text).toMatch(
      /^SaaS plan ended .* runs through its end date 2026-03-11/,
    );
  });
});

describe('only the facts the path used are shown (trials have no grace period)', () => {
  test('a trial path uses the expiry only', () => {
    const decision = decide({
      now: '2026-03-10T12:00:00Z',
      answers: { trial: 'yes', salesAssisted: 'yes' },
      date: '2026-03-10',
    });
    expect(timeFactsUsed(decision)).toEqual(['expiry']);
    expect(
      describeExpiryFacts(decision.expiry!, 'UTC', timeFactsUsed(decision))
        .map((f) => f.text)
        .join(' '),
    ).not.toMatch(/grace/i);
  });

  test('a paid path in grace uses the expiry and the grace end', () => {
    const decision = decide({ now: '2026-03-08T12:00:00Z', answers: paid, date: '2026-02-23' });
    expect(timeFactsUsed(decision).sort()).toEqual(['expiry', 'grace']);
  });

  test('a path answered by hand has no computed facts', () => {
    const decision = decide({
      now: '2026-03-08T12:00:00Z',
      answers: { ...paid, inGracePeriod: 'yes', graceEndsInMoreThan24h: 'no' },
    });
    expect(decision.expiry).toBeUndefined();
  });
});

describe('words for people', () => {
  test('the edge-case "No" reads "not an edge case (the documented process works or was not followed)"', () => {
    const no = QUESTIONS.edgeCase.options.find((o) => o.value === 'no');
    expect(no?.label).toMatch(/not an edge case \(the documented process works or was not followed\)/);
    expect((no?.label ?? '').length).toBeLessThanOrEqual(75);
  });

  test('"expired" is never said of a future date', () => {
    const decision = decide({ now: '2026-03-09T12:00:00Z', answers: paid, date: '2026-03-11', type: 'sm_other' });
    const text = describeExpiryFacts(decision.expiry!, 'UTC')
      .map((f) => f.text)
      .join(' ');
    expect(text).not.toMatch(/expired/);
    expect(text).toMatch(/License expires in 1 day 12 hours/);
  });
});
