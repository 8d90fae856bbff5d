import { DateTime } from 'luxon';
import {
  checkEmergencyScope,
  DATE_DOES_NOT_MATTER,
  type ScopeInput,
  type ScopeRuleId,
} from '../../src/policy/emergency-scope';
import type { Deployment } from '../../src/policy/playbook';
import { computeExpiryFacts } from '../../src/policy/time';

const utc = (iso: string): DateTime => {
  const value = DateTime.fromISO(iso, { zone: 'utc' });
  if (!value.isValid) throw new Error(`bad fixture instant ${iso}`);
  return value;
};

/** now = 2026-03-10T12:00Z */
const NOW = utc('2026-03-10T12:00:00Z');
/** Expired 2026-02-23, grace ended 2026-03-09 (1 calendar day before NOW's date): inside the 3-day window. */
const IN_WINDOW = '2026-02-23';
/** Expired 2026-03-01, grace ends 2026-03-15: still in grace. */
const IN_GRACE = '2026-03-01';
/** Expires 2026-04-01: not expired. */
const NOT_EXPIRED = '2026-04-01';
/** Expired 2026-01-01, grace ended 2026-01-15: far outside the window. */
const LONG_AGO = '2026-01-01';

const base: ScopeInput = { deployment: 'self_managed', paidPlan: true, prospect: false, expirationDate: IN_WINDOW };

const rules = (input: ScopeInput, now: DateTime = NOW): ScopeRuleId[] =>
  checkEmergencyScope(input, now).failures.map((f) => f.rule);

describe('in scope', () => {
  test('self-managed, paid plan, not a prospect, grace ended 36 h ago', () => {
    const decision = checkEmergencyScope(base, NOW);
    expect(decision.inScope).toBe(true);
    expect(decision.failures).toEqual([]);
  });

  test('a customer who already had a Sales temporary extension is still in scope (no rule blocks it)', () => {
    const withExtension = {
      ...base,
      hadSalesTemporaryExtension: true,
      salesTemporaryExtension: true,
      previousTemporaryExtensions: 1,
    };
    const decision = checkEmergencyScope(withExtension, NOW);
    expect(decision.inScope).toBe(true);
    expect(decision.failures).toEqual([]);
  });

  test('returns the expiry facts it decided on', () => {
    expect(checkEmergencyScope(base, NOW).facts).toEqual(computeExpiryFacts(IN_WINDOW, NOW));
  });
});

describe('each rule alone', () => {
  test.each<[string, Partial<ScopeInput>, ScopeRuleId]>([
    ['SaaS', { deployment: 'saas' }, 'saas'],
    ['no paid plan', { paidPlan: false }, 'no_paid_plan'],
    ['prospect', { prospect: true }, 'prospect'],
    ['still in the grace period', { expirationDate: IN_GRACE }, 'grace_not_ended'],
    ['not expired yet', { expirationDate: NOT_EXPIRED }, 'grace_not_ended'],
    ['expires in the far future', { expirationDate: '2099-12-31' }, 'grace_not_ended'],
    ['expires today at 00:00 UTC (just expired, in grace)', { expirationDate: '2026-03-10' }, 'grace_not_ended'],
    ['grace ended more than 72 h ago', { expirationDate: LONG_AGO }, 'grace_ended_too_long_ago'],
    ['grace ended years ago', { expirationDate: '2020-01-01' }, 'grace_ended_too_long_ago'],
  ])('%s -> %s', (_label, change, rule) => {
    const decision = checkEmergencyScope({ ...base, ...change }, NOW);
    expect(decision.inScope).toBe(false);
    expect(decision.failures.map((f) => f.rule)).toEqual([rule]);
    const [failure] = decision.failures;
    expect(failure.reason.trim().length).toBeGreaterThan(0);
    expect(failure.whatToDo.trim().length).toBeGreaterThan(0);
    expect(failure.whatToDo).not.toBe(failure.reason);
  });
});

describe('every combination of the rules', () => {
  const deployments: Deployment[] = ['self_managed', 'saas'];
  const times: Array<[string, string, ScopeRuleId | undefined]> = [
    ['in window', IN_WINDOW, undefined],
    ['in grace', IN_GRACE, 'grace_not_ended'],
    ['not expired', NOT_EXPIRED, 'grace_not_ended'],
    ['too long ago', LONG_AGO, 'grace_ended_too_long_ago'],
  ];
  const cases: Array<[string, ScopeInput, ScopeRuleId[]]> = [];
  for (const deployment of deployments)
    for (const paidPlan of [true, false])
      for (const prospect of [false, true])
        for (const [timeLabel, expirationDate, timeRule] of times) {
          const expected: ScopeRuleId[] = [];
          if (deployment === 'saas') expected.push('saas');
          if (!paidPlan) expected.push('no_paid_plan');
          if (prospect) expected.push('prospect');
          // SaaS has no Self-Managed grace period: the time window is not checked for it.
          if (timeRule && deployment === 'self_managed') expected.push(timeRule);
          cases.push([
            `${deployment}, ${paidPlan ? 'paid' : 'unpaid'}, ${prospect ? 'prospect' : 'customer'}, ${timeLabel}`,
            { deployment, paidPlan, prospect, expirationDate },
            expected,
          ]);
        }

  test('there are 32 combinations and exactly one is in scope', () => {
    expect(cases).toHaveLength(32);
    expect(cases.filter(([, , expected]) => expected.length === 0)).toHaveLength(1);
  });

  test.each(cases)('%s', (_label, input, expected) => {
    const decision = checkEmergencyScope(input, NOW);
    expect(decision.failures.map((f) => f.rule)).toEqual(expected);
    expect(decision.inScope).toBe(expected.length === 0);
    for (const failure of decision.failures) {
      expect(failure.reason.length).toBeGreaterThan(0);
      expect(failure.whatToDo.length).toBeGreaterThan(0);
    }
    // the two time rules are mutually exclusive
    const timeRules = decision.failures.filter(
      (f) => f.rule === 'grace_not_ended' || f.rule === 'grace_ended_too_long_ago',
    );
    expect(timeRules.length).toBeLessThanOrEqual(1);
  });
});

describe(
  'the 3-day window in calendar days (expiration 2026-02-23, grace ends 2026-03-09T00:00Z, window closes ' +
    '2026-03-13T00:00Z)',
  () => {
    test.each<[string, string, ScopeRuleId[]]>([
      ['at the expiry instant', '2026-02-23T00:00:00Z', ['grace_not_ended']],
      ['one day before expiry', '2026-02-22T00:00:00Z', ['grace_not_ended']],
      ['grace end - 1 minute', '2026-03-08T23:59:00Z', ['grace_not_ended']],
      ['grace end - 1 ms', '2026-03-08T23:59:59.999Z', ['grace_not_ended']],
      ['grace end exactly', '2026-03-09T00:00:00Z', []],
      ['grace end + 1 ms', '2026-03-09T00:00:00.001Z', []],
      ['grace end + 1 minute', '2026-03-09T00:01:00Z', []],
      ['grace end + 24 h', '2026-03-10T00:00:00Z', []],
      ['grace end + 48 h', '2026-03-11T00:00:00Z', []],
      ['grace end date + 2 days, 23:59', '2026-03-11T23:59:00Z', []],
      ['grace end date + 3 days, 00:00 (in)', '2026-03-12T00:00:00Z', []],
      ['grace end date + 3 days, 00:00:00.001 (in: calendar days, not hours)', '2026-03-12T00:00:00.001Z', []],
      ['grace end date + 3 days, 00:01 (in)', '2026-03-12T00:01:00Z', []],
      ['grace end date + 3 days, 23:59 (in)', '2026-03-12T23:59:00Z', []],
      ['grace end date + 4 days, 00:00 (out)', '2026-03-13T00:00:00Z', ['grace_ended_too_long_ago']],
    ])('%s (now %s)', (_label, now, expected) => {
      expect(rules(base, utc(now))).toEqual(expected);
      expect(checkEmergencyScope(base, utc(now)).inScope).toBe(expected.length === 0);
    });

    test.each(['America/New_York', 'Asia/Tokyo', 'Pacific/Kiritimati'])(
      'the window does not depend on the zone of `now` (%s)',
      (zone) => {
        expect(rules(base, utc('2026-03-09T00:00:00Z').setZone(zone))).toEqual([]);
        expect(rules(base, utc('2026-03-12T00:00:00Z').setZone(zone))).toEqual([]);
        expect(rules(base, utc('2026-03-08T23:59:00Z').setZone(zone))).toEqual(['grace_not_ended']);
        expect(rules(base, utc('2026-03-12T23:59:00Z').setZone(zone))).toEqual([]);
        expect(rules(base, utc('2026-03-13T00:00:00Z').setZone(zone))).toEqual(['grace_ended_too_long_ago']);
      },
    );

    test('leap day 2028-02-29: grace ends 2028-03-14, window closes 2028-03-18T00:00Z', () => {
      const leap: ScopeInput = { ...base, expirationDate: '2028-02-29' };
      expect(rules(leap, utc('2028-03-13T23:59:00Z'))).toEqual(['grace_not_ended']);
      expect(rules(leap, utc('2028-03-14T00:00:00Z'))).toEqual([]);
      expect(rules(leap, utc('2028-03-17T00:00:00Z'))).toEqual([]);
      expect(rules(leap, utc('2028-03-17T23:59:00Z'))).toEqual([]);
      expect(rules(leap, utc('2028-03-18T00:00:00Z'))).toEqual(['grace_ended_too_long_ago']);
    });

    test('year boundary 2026-12-25: grace ends 2027-01-08', () => {
      const newYear: ScopeInput = { ...base, expirationDate: '2026-12-25' };
      expect(rules(newYear, utc('2027-01-07T23:59:00Z'))).toEqual(['grace_not_ended']);
      expect(rules(newYear, utc('2027-01-08T00:00:00Z'))).toEqual([]);
      expect(rules(newYear, utc('2027-01-11T00:00:00Z'))).toEqual([]);
      expect(rules(newYear, utc('2027-01-11T23:59:00Z'))).toEqual([]);
      expect(rules(newYear, utc('2027-01-12T00:00:00Z'))).toEqual(['grace_ended_too_long_ago']);
    });
  },
);

describe('failure texts', () => {
  const failure = (input: ScopeInput, rule: ScopeRuleId, now: DateTime = NOW) => {
    const found = checkEmergencyScope(input, now).failures.find((f) => f.rule === rule);
    if (!found) throw new Error(`no ${rule} failure`);
    return found;
  };

  test('SaaS points to the SaaS emergency workflow (Mechanizer)', () => {
    const f = failure({ ...base, deployment: 'saas' }, 'saas');
    expect(f.reason).toMatch(/SaaS/);
    expect(f.whatToDo).toMatch(/Mechanizer/);
  });

  test('no paid plan says not to generate a license', () => {
    const f = failure({ ...base, paidPlan: false }, 'no_paid_plan');
    expect(f.reason).toMatch(/paid plan/i);
    expect(f.whatToDo).toMatch(/Do not generate a license/);
  });

  test('prospects are routed to Sales', () => {
    const f = failure({ ...base, prospect: true }, 'prospect');
    expect(f.reason).toMatch(/Prospect/i);
    expect(f.whatToDo).toMatch(/Sales/);
  });

  test('in grace: says when the grace period ends', () => {
    const f = failure({ ...base, expirationDate: IN_GRACE }, 'grace_not_ended');
    // grace ends 2026-03-15T00:00Z, 4 days 12 hours after NOW
    expect(f.reason).toBe(
      'The customer is still in the grace period: it ends in 4 days 12 hours (2026-03-15), so the instance ' +
        'still works.',
    );
    expect(f.whatToDo).toMatch(/L&R team/);
  });

  test('at the expiry instant: in grace, 14 days left', () => {
    const f = failure({ ...base, expirationDate: '2026-03-10' }, 'grace_not_ended', utc('2026-03-10T00:00:00Z'));
    expect(f.reason).toBe(
      'The customer is still in the grace period: it ends in 14 days (2026-03-24), so the instance still works.',
    );
  });

  test('not expired: says when the license expires', () => {
    const f = failure({ ...base, expirationDate: '2026-03-11' }, 'grace_not_ended');
    expect(f.reason).toBe(
      'The license has not expired yet: it expires in 12 hours (Wed 11 Mar 2026 00:00 UTC), so the instance still ' +
        'works.',
    );
  });

  test('grace ended too long ago: says when and names the 3-day limit', () => {
    const f = failure({ ...base, expirationDate: LONG_AGO }, 'grace_ended_too_long_ago');
    // grace ended 2026-01-15, 54 calendar days before NOW's date
    expect(f.reason).toBe(
      'The grace period ended on 2026-01-15, 54 days ago: more than 3 days before today (UTC), the limit of ' +
        'this workflow.',
    );
    expect(f.whatToDo).toMatch(/trial license comes from the L&R team \(CustomersDot\)/);
  });

  test.each<[string, ScopeRuleId, Partial<ScopeInput>]>([
    ['saas', 'saas', { deployment: 'saas' }],
    ['no_paid_plan', 'no_paid_plan', { paidPlan: false }],
    ['prospect', 'prospect', { prospect: true }],
  ])('%s: the reason and the way forward are the same whatever else fails', (_label, rule, change) => {
    const alone = failure({ ...base, ...change }, rule);
    // SaaS is combined only with its own rule: the time window does not apply to SaaS at all.
    const combined = failure(
      { deployment: 'self_managed', paidPlan: false, prospect: true, expirationDate: IN_WINDOW, ...change },
      rule,
    );
    expect(combined).toEqual(alone);
  });
});

describe('a time-window failure beside a customer who is out of scope whatever the date', () => {
  // SPEC step 7: prospects and organizations without a paid plan are never overridable, so the time
  // window's own way forward (an override now, or a trial from the L&R team) would contradict the
  // "do not generate a license" beside it.
  const OPENS_SOON = utc('2026-03-14T22:00:00Z'); // IN_GRACE's grace ends 2026-03-15: opens in 2 hours
  test.each<[string, ScopeRuleId, string, DateTime, Partial<ScopeInput>]>([
    ['prospect, grace ended too long ago', 'grace_ended_too_long_ago', LONG_AGO, NOW, { prospect: true }],
    ['no paid plan, grace ended too long ago', 'grace_ended_too_long_ago', LONG_AGO, NOW, { paidPlan: false }],
    ['prospect, still in grace', 'grace_not_ended', IN_GRACE, NOW, { prospect: true }],
    ['no paid plan, window opens in hours', 'grace_not_ended', IN_GRACE, OPENS_SOON, { paidPlan: false }],
  ])(
    '%s: the reason stays, the way forward sends nobody for a license',
    (_label, rule, expirationDate, now, change) => {
      const alone = checkEmergencyScope({ ...base, expirationDate }, now).failures.find((f) => f.rule === rule);
      const combined = checkEmergencyScope({ ...base, expirationDate, ...change }, now).failures.find(
        (f) => f.rule === rule,
      );
      expect(combined?.reason).toBe(alone?.reason);
      expect(combined?.recorded).toBe(alone?.recorded);
      expect(combined?.whatToDo).not.toMatch(/override|L&R team|trial license/i);
      expect(combined?.whatToDo).toBe(DATE_DOES_NOT_MATTER);
    },
  );
});

describe('invalid expiration dates', () => {
  test.each(['2026-02-30', '2026-13-01', '26-1-1', '', 'soon'])('%p throws a RangeError', (expirationDate) => {
    expect(() => checkEmergencyScope({ ...base, expirationDate }, NOW)).toThrow(RangeError);
  });
});
