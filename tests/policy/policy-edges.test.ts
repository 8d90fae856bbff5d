import { DateTime } from 'luxon';
import {
  scopeCanBeOverridden,
  summarizeScope,
  validateEmergencyForm,
  type RawEmergencyForm,
} from '../../src/policy/emergency-request';
import { checkEmergencyScope, type ScopeInput } from '../../src/policy/emergency-scope';
import { findRequestType } from '../../src/policy/playbook';
import { decideStar, type StarDecision } from '../../src/policy/star-decision';
import type { ChartAnswers } from '../../src/policy/star-flowchart';
import { computeExpiryFacts, describeExpiryFacts, expiryWords, formatDuration } from '../../src/policy/time';
import { verdictGuidance } from '../../src/policy/verdict-guidance';

/**
 * Issue 17: the policy's edges, as tables at the boundaries (SPEC "Time rules", emergency workflow
 * step 6). Each table failed on the code before the issue was resolved.
 */

const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const TICKET = 'https://gitlab.zendesk.com/agent/tickets/17';

const scope = (input: Partial<ScopeInput> & { expirationDate: string }, now: string) =>
  checkEmergencyScope({ deployment: 'self_managed', paidPlan: true, prospect: false, ...input }, utc(now));

function decide(now: string, answers: ChartAnswers, date?: string): StarDecision {
  const decision = decideStar(
    {
      ticketUrl: TICKET,
      answers: { kind: 'plan_license', ...answers },
      expirationDate: date,
      deployment: 'self_managed',
      requestType: findRequestType('sm_trial_license'),
    },
    utc(now),
  );
  if (!decision) throw new Error('incomplete chart');
  return decision;
}

const PAID: ChartAnswers = { trial: 'no' };
const SALES_TRIAL: ChartAnswers = { trial: 'yes', salesAssisted: 'yes' };

describe('1. a Sales-generated temporary extension (trial-type license) has no grace period: G = D', () => {
  // D = Sat 15 Jun 2024: the paid features stopped at 00:00 UTC on D; the window is D .. D + 3.
  const D = '2024-06-15';
  test.each<[string, string, boolean, string | undefined]>([
    ['D - 1, 22:00 (window opens at 00:00)', '2024-06-14T22:00:00Z', false, 'grace_not_ended'],
    ['D, 00:00', '2024-06-15T00:00:00Z', true, undefined],
    ['D + 1, 03:00 (the issue: refused as "still in the grace period")', '2024-06-16T03:00:00Z', true, undefined],
    ['D + 3, 23:59', '2024-06-18T23:59:00Z', true, undefined],
    ['D + 4, 00:00', '2024-06-19T00:00:00Z', false, 'grace_ended_too_long_ago'],
  ])('temporary extension, %s', (_label, now, inScope, rule) => {
    const decision = scope({ expirationDate: D, licenseKind: 'temporary' }, now);
    expect(decision.inScope).toBe(inScope);
    expect(decision.failures.map((f) => f.rule)).toEqual(rule ? [rule] : []);
    const words = decision.failures.map((f) => `${f.reason} ${f.whatToDo}`).join(' ');
    expect(words).not.toMatch(/grace period: it ends|still in the grace period/);
    if (rule === 'grace_ended_too_long_ago')
      expect(words).toMatch(/temporary extension .* expired on 2024-06-15, 4 days ago/);
  });

  it('the same date on the paid license keeps its 14-day grace period (refused at D + 1)', () => {
    const decision = scope({ expirationDate: D, licenseKind: 'paid' }, '2024-06-16T03:00:00Z');
    expect(decision.inScope).toBe(false);
    expect(decision.failures[0].reason).toMatch(/still in the grace period: it ends in 12 days/);
  });

  it('the facts say there is no grace period, never grace facts', () => {
    const facts = computeExpiryFacts(D, utc('2024-06-16T03:00:00Z'), 'self_managed', 'temporary');
    expect(facts.graceEndsAt).toBeUndefined();
    const text = describeExpiryFacts(facts).map((f) => f.text);
    expect(text[0]).toMatch(/^Temporary extension expired 1 day 3 hours ago/);
    expect(text[1]).toMatch(/^No grace period: a Sales-generated temporary extension/);
  });

  const form = (licenseKind?: string): RawEmergencyForm => ({
    ticket: '17',
    deployment: 'self_managed',
    paidPlan: 'yes',
    prospect: 'no',
    expirationDate: D,
    licenseKind,
    screenshots: ['dashboard', 'license_page'],
    userCount: '250',
    email: 'admin@example.com',
    username: 'jdoe',
  });

  it('the form asks what kind of license is on the instance, and keeps the answer', () => {
    const missing = validateEmergencyForm(form(undefined), 'https://gitlab.zendesk.com', utc('2024-06-16T03:00:00Z'));
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.errors.license_kind).toMatch(/what kind of license is on the instance now/);
    const ok = validateEmergencyForm(form('temporary'), 'https://gitlab.zendesk.com', utc('2024-06-16T03:00:00Z'));
    expect(ok.ok).toBe(true);
    if (ok.ok) {
      expect(ok.request.licenseKind).toBe('temporary');
      expect(ok.scope.inScope).toBe(true);
    }
  });
});

describe('2. a sales-assisted trial is not "no paid plan": the paid plan is its own question', () => {
  it.each<[string, boolean, boolean]>([
    ['with a paid plan', true, true],
    ['without a paid plan', false, false],
  ])('sales trial on the instance, expired yesterday, %s', (_label, paidPlan, inScope) => {
    const decision = scope(
      { expirationDate: '2024-06-15', licenseKind: 'temporary', paidPlan },
      '2024-06-16T10:00:00Z',
    );
    expect(decision.inScope).toBe(inScope);
    expect(decision.failures.map((f) => f.rule)).toEqual(paidPlan ? [] : ['no_paid_plan']);
    expect(scopeCanBeOverridden(decision)).toBe(false);
  });

  it('/star-check on a sales-assisted trial that expired yesterday offers the form, which asks the paid plan', () => {
    const guidance = verdictGuidance(decide('2024-06-16T10:00:00Z', SALES_TRIAL, '2024-06-15'));
    const text = guidance.steps.join('\n');
    expect(guidance.emergency).toMatchObject({ kind: 'offer', scope: 'in_scope', licenseKind: 'temporary' });
    expect(text).not.toMatch(/without a paid plan are out of scope|Not a weekend emergency/);
    expect(text).toMatch(
      /the workflow applies when the organization has a paid plan, which the emergency license form asks/,
    );
  });
});

describe('3. a window that opens within hours, 6. weekdays (UTC), at the boundaries', () => {
  // Paid license expiring Sun 19 May 2024: the grace period ends Sun 2 Jun 2024 00:00 UTC.
  const EXPIRY = '2024-05-19';
  test.each<[string, string, string, boolean]>([
    ['Saturday 22:00 (opens in 2 hours)', '2024-06-01T22:00:00Z', 'opens_soon', false],
    ['Sunday 00:00 (opens now)', '2024-06-02T00:00:00Z', 'in_scope', false],
    ['Monday 00:00 (a weekday)', '2024-06-03T00:00:00Z', 'in_scope', true],
    ['Wednesday 12:00 (a weekday, last day of the window)', '2024-06-05T12:00:00Z', 'in_scope', true],
  ])('%s', (_label, now, scopeKind, weekday) => {
    const decision = decide(now, PAID, EXPIRY);
    expect(decision.verdict.id).toBe('ok_to_star');
    const guidance = verdictGuidance(decision);
    const text = guidance.steps.join('\n');
    expect(guidance.emergency).toMatchObject({ kind: 'offer', scope: scopeKind, weekday });
    expect(text).not.toMatch(/Leave the ticket|leave it for/i);
    expect(text).not.toContain('Not a weekend emergency');
    if (scopeKind === 'opens_soon') {
      expect(text).toContain('the weekend emergency workflow applies from Sun 2 Jun 2024 00:00 UTC, in 2 hours');
      expect(text).toMatch(/A manager may override the time window now, with a written justification/);
    }
    if (weekday) {
      // First ask L&R in the channel, then the form for when they cannot help in time.
      const askFirst = guidance.steps.findIndex((s) => /first ask them in #support_licensing-subscription/.test(s));
      const form = guidance.steps.findIndex((s) =>
        /needs a trial license generation: use the emergency license form/.test(s),
      );
      expect(askFirst).toBeGreaterThanOrEqual(0);
      expect(form).toBeGreaterThan(askFirst);
    } else {
      expect(text).not.toMatch(/weekday/);
    }
  });

  it('the form at Saturday 22:00: says when the workflow applies and that a manager may override now', () => {
    const decision = scope({ expirationDate: EXPIRY, licenseKind: 'paid' }, '2024-06-01T22:00:00Z');
    expect(decision.failures).toHaveLength(1);
    const [failure] = decision.failures;
    expect(failure.reason).toBe(
      'Not in scope yet: the weekend emergency workflow applies from Sun 2 Jun 2024 00:00 UTC, in 2 hours (when ' +
        'the grace period ends).',
    );
    expect(failure.whatToDo).toMatch(/^A manager may override the time window now/);
    expect(failure.whatToDo).not.toMatch(/leave the ticket/i);
    expect(scopeCanBeOverridden(decision)).toBe(true);
    // What is kept with the request states the instant, not "in 2 hours".
    expect(failure.recorded).not.toMatch(/\bin \d|ago\b/);
  });

  test.each<[string, string, string]>([
    ['the window opens at the next 00:00 UTC (G = E + 1)', '2024-06-01T08:00:00Z', 'in 16 hours'],
    ['the window opens the day after (G = E + 2)', '2024-05-31T12:00:00Z', 'in 1 day 12 hours'],
  ])('the form, %s: says when, and the override now', (_label, now, when) => {
    const [failure] = scope({ expirationDate: EXPIRY }, now).failures;
    expect(failure.reason).toContain(`applies from Sun 2 Jun 2024 00:00 UTC, ${when}`);
    expect(failure.whatToDo).toMatch(/^A manager may override the time window now/);
  });

  it('the window three days away (G = E + 3): not a weekend emergency yet, never "leave the ticket"', () => {
    const [failure] = scope({ expirationDate: EXPIRY }, '2024-05-30T12:00:00Z').failures;
    expect(failure.rule).toBe('grace_not_ended');
    expect(failure.reason).toMatch(/still in the grace period/);
    expect(failure.whatToDo).toMatch(/the workflow applies from Sun 2 Jun 2024 00:00 UTC/);
    expect(failure.whatToDo).not.toMatch(/leave the ticket/i);
  });

  it('a temporary extension expiring Sun 2 Jun 2024, at Saturday 22:00: opens with its expiry', () => {
    const guidance = verdictGuidance(decide('2024-06-01T22:00:00Z', SALES_TRIAL, '2024-06-02'));
    expect(guidance.emergency).toMatchObject({ kind: 'offer', scope: 'opens_soon', licenseKind: 'temporary' });
    expect(guidance.steps.join('\n')).toContain(
      'applies from Sun 2 Jun 2024 00:00 UTC, in 2 hours (when the temporary extension expires',
    );
  });

  it('Monday 00:00 after the window (grace ended 4 days before): ask L&R, as before', () => {
    const guidance = verdictGuidance(decide('2024-06-06T00:00:00Z', PAID, EXPIRY));
    expect(guidance.emergency.kind).toBe('ask_lr');
  });
});

describe('7. no expiration date: the scope is unknown, not out of scope', () => {
  it('grace questions answered by hand, no date: the form is offered and checks the scope with the date', () => {
    const decision = decide('2024-06-02T10:00:00Z', { ...PAID, inGracePeriod: 'yes', graceEndsInMoreThan24h: 'no' });
    expect(decision.verdict.id).toBe('ok_to_star');
    const guidance = verdictGuidance(decision);
    const text = guidance.steps.join('\n');
    expect(guidance.emergency).toMatchObject({ kind: 'offer', scope: 'unknown' });
    expect(text).toMatch(/is not known yet, not out of scope: the emergency license form checks it with the date/);
    expect(text).not.toMatch(/Not a weekend emergency|could not be checked/);
  });
});

describe('8. what is stored states facts and absolute times, never a relative time', () => {
  it.each<[string, Partial<ScopeInput> & { expirationDate: string }, string]>([
    ['in scope, paid', { expirationDate: '2024-05-19' }, '2024-06-03T10:00:00Z'],
    [
      'in scope, temporary extension',
      { expirationDate: '2024-06-02', licenseKind: 'temporary' },
      '2024-06-03T10:00:00Z',
    ],
    ['still in grace', { expirationDate: '2024-06-01' }, '2024-06-03T10:00:00Z'],
    ['window passed', { expirationDate: '2024-05-01' }, '2024-06-03T10:00:00Z'],
    ['opens tomorrow', { expirationDate: '2024-05-19' }, '2024-06-01T22:00:00Z'],
  ])('%s', (_label, input, now) => {
    const summary = summarizeScope(scope(input, now));
    expect(summary).not.toMatch(/\bago\b|\bin \d|\bin about\b|\d+ days? ago/);
    expect(summary).toMatch(/\d{4}/);
  });
});

describe('9. words at the boundaries', () => {
  const HOUR = 3_600_000;
  it('exactly 24 hours and 24 hours 59 minutes never both read "1 day"', () => {
    expect(formatDuration(24 * HOUR)).toBe('exactly 24 hours');
    expect(formatDuration(24 * HOUR + 59 * 60_000)).toBe('24 hours 59 minutes');
    expect(formatDuration(25 * HOUR)).toBe('1 day 1 hour');
  });

  it('no "about less than a minute" at 23:59:59', () => {
    const facts = computeExpiryFacts('2024-06-02', utc('2024-06-01T23:59:59Z'));
    const [expiry] = describeExpiryFacts(facts);
    expect(expiry.text).toMatch(/^License expires in less than a minute/);
    expect(expiry.text).not.toContain('about less than');
  });

  it('a date in the past reads "expired on", never "expires on"', () => {
    expect(expiryWords('2024-06-25', utc('2024-06-24T23:59:59Z'))).toBe('expires on 2024-06-25');
    expect(expiryWords('2024-06-25', utc('2024-06-25T00:00:00Z'))).toBe('expired on 2024-06-25');
    expect(expiryWords('2024-06-25', utc('2024-07-04T00:00:00Z'))).toBe('expired on 2024-06-25');
  });
});
