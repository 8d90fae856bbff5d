import { DateTime } from 'luxon';
import { plainTextBold } from '../../testkit/block-kit';
import {
  MAX_USER_COUNT,
  normalizeUsername,
  parseUserCount,
  type RawEmergencyForm,
  scopeCanBeOverridden,
  summarizeScope,
  validateEmergencyForm,
  validateJustification,
} from '../../src/policy/emergency-request';

const NOW = DateTime.fromISO('2026-11-22T10:00:00Z', { zone: 'utc' });
const BASE = 'https://gitlab.zendesk.com';

/** Expired 2026-11-07: grace ended 2026-11-21 00:00 UTC, 34 h before NOW: in scope. */
const valid: RawEmergencyForm = {
  ticket: '123456',
  deployment: 'self_managed',
  paidPlan: 'yes',
  prospect: 'no',
  expirationDate: '2026-11-07',
  licenseKind: 'paid',
  screenshots: ['dashboard', 'license_page'],
  userCount: '250',
  email: 'Jane@Customer.example',
  username: '@jdoe',
};

const validate = (overrides: Partial<RawEmergencyForm>) => validateEmergencyForm({ ...valid, ...overrides }, BASE, NOW);
const errorsOf = (overrides: Partial<RawEmergencyForm>) => {
  const result = validate(overrides);
  return result.ok ? {} : result.errors;
};

describe('validateEmergencyForm', () => {
  it('accepts the complete form and normalizes it', () => {
    const result = validate({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.request).toEqual({
      ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/123456',
      deployment: 'self_managed',
      paidPlan: true,
      prospect: false,
      expirationDate: '2026-11-07',
      licenseKind: 'paid',
      userCount: 250,
      email: 'jane@customer.example',
      username: 'jdoe',
    });
    expect(result.scope.inScope).toBe(true);
  });

  it.each<[string, Partial<RawEmergencyForm>, string]>([
    ['no ticket', { ticket: undefined }, 'ticket'],
    ['a ticket on another host', { ticket: 'https://evil.example/agent/tickets/1' }, 'ticket'],
    ['a spoofed ticket link', { ticket: '<https://evil.example|gitlab.zendesk.com>' }, 'ticket'],
    ['no deployment', { deployment: undefined }, 'deployment'],
    ['an unknown deployment', { deployment: 'dedicated' }, 'deployment'],
    ['paid plan not answered', { paidPlan: undefined }, 'paid_plan'],
    ['prospect not answered', { prospect: 'maybe' }, 'prospect'],
    ['no expiration date', { expirationDate: undefined }, 'expiration_date'],
    ['an impossible date', { expirationDate: '2026-02-30' }, 'expiration_date'],
    ['a date more than a year ahead (typo)', { expirationDate: '2027-11-24' }, 'expiration_date'],
    ['no screenshot confirmed', { screenshots: [] }, 'screenshots'],
    ['only the Dashboard screenshot', { screenshots: ['dashboard'] }, 'screenshots'],
    ['only the License page screenshot', { screenshots: ['license_page'] }, 'screenshots'],
    ['user count 0', { userCount: '0' }, 'user_count'],
    ['user count negative', { userCount: '-5' }, 'user_count'],
    ['user count decimal', { userCount: '12.5' }, 'user_count'],
    ['user count above 1,000,000', { userCount: '1000001' }, 'user_count'],
    ['user count words', { userCount: 'about 200' }, 'user_count'],
    ['no user count', { userCount: undefined }, 'user_count'],
    ['malformed email', { email: 'jane(at)customer' }, 'email'],
    ['email without domain', { email: 'jane@' }, 'email'],
    ['no email', { email: undefined }, 'email'],
    ['username with a space', { username: 'j doe' }, 'username'],
    ['username starting with a dash', { username: '-jdoe' }, 'username'],
    ['username ending in .git', { username: 'jdoe.git' }, 'username'],
    ['no username', { username: undefined }, 'username'],
  ])('%s → field error on %s, nothing else', (_name, overrides, field) => {
    const errors = errorsOf(overrides);
    expect(Object.keys(errors)).toEqual([field]);
    expect(errors[field as keyof typeof errors]).toMatch(/\w/);
  });

  it('reports every bad field at once', () => {
    expect(
      Object.keys(errorsOf({ ticket: '', userCount: 'x', email: 'y', username: '', screenshots: [] })).sort(),
    ).toEqual(['email', 'screenshots', 'ticket', 'user_count', 'username']);
  });

  it.each<[string, Partial<RawEmergencyForm>, string[]]>([
    ['SaaS', { deployment: 'saas' }, ['saas']],
    ['no paid plan', { paidPlan: 'no' }, ['no_paid_plan']],
    ['a prospect', { prospect: 'yes' }, ['prospect']],
    ['license not expired yet (tomorrow)', { expirationDate: '2026-11-23' }, ['grace_not_ended']],
    ['still in the grace period', { expirationDate: '2026-11-10' }, ['grace_not_ended']],
    ['grace ended more than 3 days ago', { expirationDate: '2026-11-01' }, ['grace_ended_too_long_ago']],
  ])('%s is valid input but out of scope (%j)', (_name, overrides, rules) => {
    const result = validate(overrides);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.scope.inScope).toBe(false);
    expect(result.scope.failures.map((f) => f.rule)).toEqual(rules);
  });

  it('field errors are plain text: no mrkdwn bold markup (Slack shows the asterisks)', () => {
    const errors = errorsOf({
      ticket: '',
      deployment: undefined,
      paidPlan: undefined,
      prospect: undefined,
      expirationDate: undefined,
      licenseKind: undefined,
      userCount: 'x',
      email: 'y',
      username: '',
      screenshots: [],
    });
    expect(Object.keys(errors).length).toBeGreaterThanOrEqual(9);
    const bold = Object.entries(errors).filter(([, text]) => plainTextBold(String(text)) !== undefined);
    expect(bold).toEqual([]);
  });

  it('a date exactly 366 days ahead is still a scope question, 367 days a typo', () => {
    expect(validate({ expirationDate: NOW.startOf('day').plus({ days: 366 }).toISODate() as string }).ok).toBe(true);
    expect(errorsOf({ expirationDate: NOW.startOf('day').plus({ days: 367 }).toISODate() as string })).toHaveProperty(
      'expiration_date',
    );
  });
});

describe('field parsers', () => {
  it.each<[string | undefined, number | undefined]>([
    ['1', 1],
    ['250', 250],
    [' 250 ', 250],
    ['1,000', 1000],
    ['1 000', 1000],
    ['1000000', MAX_USER_COUNT],
    ['1,000,001', undefined],
    ['0', undefined],
    ['007', 7],
    ['1e3', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('parseUserCount(%j) → %j', (raw, expected) => expect(parseUserCount(raw)).toBe(expected));

  it.each<[string | undefined, string | undefined]>([
    ['jdoe', 'jdoe'],
    ['@jdoe', 'jdoe'],
    ['j.doe_1-x', 'j.doe_1-x'],
    ['.jdoe', undefined],
    ['jdoe.', undefined],
    ['jdoe.atom', undefined],
    ['<!channel>', undefined],
    ['', undefined],
  ])('normalizeUsername(%j) → %j', (raw, expected) => expect(normalizeUsername(raw)).toBe(expected));
});

describe('override', () => {
  it.each<[string | undefined, boolean]>([
    [undefined, false],
    ['too short', false],
    ['x'.repeat(19), false],
    ['x'.repeat(20), true],
    ['x'.repeat(1000), true],
    ['x'.repeat(1001), false],
  ])('justification %#', (text, ok) => expect(validateJustification(text).ok).toBe(ok));

  // PostgreSQL cannot store a NUL in text (the create would fail after the person submitted), and
  // control characters show as nothing or as boxes in the audit message: they are taken out; line
  // breaks and tabs, which a person types, stay.
  it.each<[string, string]>([
    ['Customer\u0000 production is down since Saturday', 'Customer production is down since Saturday'],
    ['Line one of the reason\nline two\tindented\u0007\u001b', 'Line one of the reason\nline two\tindented'],
    ['Production down\u0085 for the whole weekend', 'Production down for the whole weekend'],
  ])('a justification keeps what a person typed, without control characters (%#)', (raw, text) =>
    expect(validateJustification(raw)).toEqual({ ok: true, text }),
  );

  it('a justification of control characters only is too short', () => {
    expect(validateJustification('\u0000'.repeat(30)).ok).toBe(false);
  });

  // Only the time window may be overridden; SaaS, prospects and no paid plan never, alone or combined.
  it.each<[string, Partial<RawEmergencyForm>, boolean]>([
    ['in scope (nothing to override)', {}, false],
    ['grace ended more than 3 days ago', { expirationDate: '2026-11-01' }, true],
    ['grace period not ended yet', { expirationDate: '2026-11-10' }, true],
    ['license not expired yet', { expirationDate: '2026-12-01' }, true],
    ['SaaS', { deployment: 'saas' }, false],
    ['SaaS, long ago', { deployment: 'saas', expirationDate: '2026-11-01' }, false],
    ['no paid plan', { paidPlan: 'no' }, false],
    ['no paid plan and out of the window', { paidPlan: 'no', expirationDate: '2026-11-01' }, false],
    ['a prospect', { prospect: 'yes' }, false],
    ['a prospect still in grace', { prospect: 'yes', expirationDate: '2026-11-10' }, false],
  ])('override possible: %s -> %p', (_name, overrides, overridable) => {
    const result = validate(overrides);
    if (!result.ok) throw new Error('expected valid input');
    expect(scopeCanBeOverridden(result.scope)).toBe(overridable);
  });

  it('summarizes the scope for the audit trail in words, without internal rule names', () => {
    const inScope = validate({});
    const out = validate({ prospect: 'yes', expirationDate: '2026-11-01' });
    if (!inScope.ok || !out.ok) throw new Error('expected valid input');
    expect(summarizeScope(inScope.scope)).toBe(
      'In scope (Self-Managed, paid plan, not a prospect): grace period ended Sat 21 Nov 2026 00:00 UTC',
    );
    // Stored with the request and shown again later: absolute times only (issue 17, point 8).
    expect(summarizeScope(out.scope)).toBe(
      'Out of scope: Prospects are out of scope. The grace period ended on 2026-11-15: more than 3 days before ' +
        'the request (UTC), the limit of this workflow.',
    );
    expect(summarizeScope(out.scope)).not.toMatch(/_/);
  });
});
