import { DateTime } from 'luxon';
import { checkEmergencyScope, type ScopeInput, type ScopeRuleId } from '../../src/policy/emergency-scope';

/**
 * SPEC time rules: the weekend emergency window is counted in calendar days (UTC) from the
 * emergency's date. G = grace end date (expiration + 14 days), E = today's UTC date:
 * in scope iff G <= E and E - G <= 3 days, at any hour of E.
 */
const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });

// Expired 2026-02-23, so G = 2026-03-09.
const base: ScopeInput = { deployment: 'self_managed', paidPlan: true, prospect: false, expirationDate: '2026-02-23' };
const timeRule = (now: string): ScopeRuleId | undefined =>
  checkEmergencyScope(base, utc(now)).failures.find(
    (f) => f.rule === 'grace_not_ended' || f.rule === 'grace_ended_too_long_ago',
  )?.rule;

describe('the 3-day window in calendar days (G = 2026-03-09)', () => {
  const rows: Array<[string, ScopeRuleId | undefined]> = [];
  const days: Array<[string, ScopeRuleId | undefined]> = [
    ['2026-03-08', 'grace_not_ended'], // G - 1: grace not ended yet
    ['2026-03-09', undefined], // E = G
    ['2026-03-10', undefined], // E - G = 1
    ['2026-03-11', undefined], // E - G = 2
    ['2026-03-12', undefined], // E - G = 3: the whole day is in scope
    ['2026-03-13', 'grace_ended_too_long_ago'], // E - G = 4
  ];
  for (const [date, expected] of days) {
    rows.push([`${date}T00:00:00Z`, expected], [`${date}T23:59:00Z`, expected], [`${date}T23:59:59.999Z`, expected]);
  }

  test.each(rows)('now %s -> %p', (now, expected) => {
    expect(timeRule(now)).toBe(expected);
    expect(checkEmergencyScope(base, utc(now)).inScope).toBe(expected === undefined);
  });

  test.each(['America/New_York', 'Pacific/Kiritimati', 'Etc/GMT+12'])(
    'the UTC date decides, whatever the zone of now (%s)',
    (zone) => {
      expect(timeRule(DateTime.fromISO('2026-03-12T23:59:00Z').setZone(zone).toISO() as string)).toBeUndefined();
      expect(checkEmergencyScope(base, utc('2026-03-12T23:59:00Z').setZone(zone)).inScope).toBe(true);
      expect(checkEmergencyScope(base, utc('2026-03-13T00:00:00Z').setZone(zone)).inScope).toBe(false);
    },
  );

  test('the refusal says when the grace period ended, in days, and names the 3-day limit in words', () => {
    const [failure] = checkEmergencyScope(base, utc('2026-03-13T10:00:00Z')).failures;
    expect(failure.reason).toContain('2026-03-09');
    expect(failure.reason).toMatch(/4 days ago/);
    expect(failure.reason).toMatch(/3 days/);
    expect(failure.reason).not.toMatch(/72|hours/);
  });
});

describe('SaaS: no Self-Managed grace logic in the emergency scope', () => {
  test.each(['2026-02-23', '2026-03-10', '2020-01-01', '2026-04-01'])(
    'SaaS plan ending %s is refused only as SaaS',
    (expirationDate) => {
      const decision = checkEmergencyScope(
        { ...base, deployment: 'saas', expirationDate },
        utc('2026-03-10T12:00:00Z'),
      );
      expect(decision.failures.map((f) => f.rule)).toEqual(['saas']);
    },
  );
});
