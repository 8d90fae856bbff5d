import { DateTime } from 'luxon';
import {
  decideJob,
  DEFAULT_LATE_AFTER_MS,
  DEFAULT_REMINDER_LEAD_HOURS,
  describeLifecycleEvent,
  isLifecycleEventType,
  lateness,
  LIFECYCLE_EVENT_TYPES,
  lifecycleEligibility,
  msUntilLapse,
  planLifecycle,
  resolutionOf,
  trialLapseAt,
  type LifecycleEvent,
  type TrialRequest,
} from '../../src/policy/license-lifecycle';

const utc = (iso: string): DateTime => {
  const value = DateTime.fromISO(iso, { zone: 'utc' });
  if (!value.isValid) throw new Error(`bad fixture instant ${iso}`);
  return value;
};
const iso = (value: DateTime) => value.toUTC().toISO();

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A 10-day trial generated Saturday 21 Nov 2026 10:00 UTC, stopping at 00:00 UTC on 1 Dec. */
const trial = (over: Partial<TrialRequest> = {}): TrialRequest => ({
  id: 'req-1',
  status: 'generated',
  trialExpiresOn: '2026-12-01',
  generatedAt: '2026-11-21T10:00:00.000Z',
  ...over,
});

describe('defaults', () => {
  test('the reminder lead time is 48 hours and "late" means more than 15 minutes after due', () => {
    expect(DEFAULT_REMINDER_LEAD_HOURS).toBe(48);
    expect(DEFAULT_LATE_AFTER_MS).toBe(15 * MINUTE);
  });
});

describe('trialLapseAt', () => {
  test.each([
    ['2026-12-01', '2026-12-01T00:00:00.000Z'],
    ['2028-02-29', '2028-02-29T00:00:00.000Z'],
    ['2026-03-29', '2026-03-29T00:00:00.000Z'], // a European DST day changes nothing in UTC
  ])('%s lapses at %s', (date, expected) => {
    expect(iso(trialLapseAt(date))).toBe(expected);
  });

  test.each(['2026-02-30', '01/12/2026', '', '2026-12-01T00:00:00Z'])('rejects %j', (date) => {
    expect(() => trialLapseAt(date)).toThrow(RangeError);
  });
});

describe('lifecycleEligibility', () => {
  test.each<[string, Partial<TrialRequest>, ReturnType<typeof lifecycleEligibility>]>([
    ['generated and open', {}, { eligible: true, expiresOn: '2026-12-01' }],
    ['resolved', { resolvedAt: '2026-11-25T08:00:00.000Z' }, { eligible: false, reason: 'resolved' }],
    ['pending', { status: 'pending', trialExpiresOn: undefined }, { eligible: false, reason: 'not_generated' }],
    ['failed', { status: 'failed', trialExpiresOn: undefined }, { eligible: false, reason: 'not_generated' }],
    ['refused', { status: 'refused', trialExpiresOn: undefined }, { eligible: false, reason: 'not_generated' }],
    ['failed even with a date left over', { status: 'failed' }, { eligible: false, reason: 'not_generated' }],
    ['generated without a trial date', { trialExpiresOn: undefined }, { eligible: false, reason: 'no_trial_date' }],
    [
      'generated with a broken trial date',
      { trialExpiresOn: '2026-13-01' },
      { eligible: false, reason: 'no_trial_date' },
    ],
  ])('%s', (_label, over, expected) => {
    expect(lifecycleEligibility(trial(over))).toEqual(expected);
  });
});

describe('planLifecycle', () => {
  const generatedAt = utc('2026-11-21T10:00:00Z');
  test.each<[number, string, boolean]>([
    [48, '2026-11-29T00:00:00.000Z', false],
    [24, '2026-11-30T00:00:00.000Z', false],
    [1, '2026-11-30T23:00:00.000Z', false],
    [0, '2026-12-01T00:00:00.000Z', false],
    [1.5, '2026-11-30T22:30:00.000Z', false],
    // exactly the time left: still "expiry − lead"
    [230, '2026-11-21T10:00:00.000Z', false],
    // a lead longer than the trial makes the reminder due at once (how it is tried by hand)
    [231, '2026-11-21T10:00:00.000Z', true],
    [240, '2026-11-21T10:00:00.000Z', true],
  ])('lead %d h → reminder due %s (at once: %s)', (lead, due, atOnce) => {
    const plan = planLifecycle('2026-12-01', lead, generatedAt);
    expect(iso(plan.reminderDueAt)).toBe(due);
    expect(plan.reminderAtOnce).toBe(atOnce);
    expect(iso(plan.lapseAt)).toBe('2026-12-01T00:00:00.000Z');
  });

  test.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects lead %p', (lead) => {
    expect(() => planLifecycle('2026-12-01', lead, generatedAt)).toThrow(RangeError);
  });

  test('a generatedAt in another zone is returned in UTC', () => {
    const plan = planLifecycle('2026-12-01', 240, generatedAt.setZone('America/Los_Angeles'));
    expect(plan.reminderDueAt.zoneName).toBe('UTC');
    expect(iso(plan.reminderDueAt)).toBe('2026-11-21T10:00:00.000Z');
  });
});

describe('lateness', () => {
  const due = utc('2026-11-29T00:00:00Z');
  test.each<[string, number, boolean, string]>([
    ['2026-11-28T23:59:00Z', 0, false, ''],
    ['2026-11-29T00:00:00Z', 0, false, ''],
    ['2026-11-29T00:15:00Z', 15 * MINUTE, false, ''],
    ['2026-11-29T00:15:01Z', 15 * MINUTE + 1000, true, 'late by 15 minutes'],
    ['2026-11-29T03:20:00Z', 3 * HOUR + 20 * MINUTE, true, 'late by 3 hours 20 minutes'],
    ['2026-11-30T05:00:00Z', 29 * HOUR, true, 'late by 1 day 5 hours'],
  ])('handled at %s: by %d ms, late %s', (now, byMs, late, text) => {
    expect(lateness(due, utc(now))).toEqual({ late, byMs, text });
  });

  test('the threshold can be changed', () => {
    expect(lateness(due, utc('2026-11-29T00:00:01Z'), 0).late).toBe(true);
  });
});

describe('decideJob', () => {
  const reminderDue = utc('2026-11-29T00:00:00Z');
  const reminder = { kind: 'reminder' as const, dueAt: reminderDue };
  const lapse = { kind: 'lapse' as const, dueAt: utc('2026-12-01T00:00:00Z') };

  test.each<[string, typeof reminder | typeof lapse, Partial<TrialRequest>, string, Record<string, unknown>]>([
    [
      'reminder before its time waits',
      reminder,
      {},
      '2026-11-28T23:00:00Z',
      { action: 'wait', until: '2026-11-29T00:00:00.000Z' },
    ],
    [
      'reminder on time fires, not late',
      reminder,
      {},
      '2026-11-29T00:00:05Z',
      { action: 'fire', late: false, byMs: 5000 },
    ],
    [
      'reminder after a restart fires late',
      reminder,
      {},
      '2026-11-29T09:00:00Z',
      { action: 'fire', late: true, byMs: 9 * HOUR },
    ],
    [
      'reminder after the lapse is moot',
      reminder,
      {},
      '2026-12-01T00:00:00Z',
      { action: 'skip', reason: 'already_lapsed' },
    ],
    [
      'reminder for a resolved request',
      reminder,
      { resolvedAt: '2026-11-28T00:00:00Z' },
      '2026-11-29T00:00:00Z',
      { action: 'skip', reason: 'resolved' },
    ],
    [
      'reminder for a refused request',
      reminder,
      { status: 'refused' },
      '2026-11-29T00:00:00Z',
      { action: 'skip', reason: 'not_generated' },
    ],
    [
      'reminder for a failed request',
      reminder,
      { status: 'failed' },
      '2026-11-29T00:00:00Z',
      { action: 'skip', reason: 'not_generated' },
    ],
    [
      'reminder for a pending request',
      reminder,
      { status: 'pending' },
      '2026-11-29T00:00:00Z',
      { action: 'skip', reason: 'not_generated' },
    ],
    [
      'lapse before expiry waits',
      lapse,
      {},
      '2026-11-30T23:59:59Z',
      { action: 'wait', until: '2026-12-01T00:00:00.000Z' },
    ],
    ['lapse at expiry fires', lapse, {}, '2026-12-01T00:00:00Z', { action: 'fire', late: false, byMs: 0 }],
    [
      'lapse found a day later fires late',
      lapse,
      {},
      '2026-12-02T00:00:00Z',
      { action: 'fire', late: true, byMs: 24 * HOUR },
    ],
    [
      'lapse of a resolved request',
      lapse,
      { resolvedAt: '2026-11-30T00:00:00Z' },
      '2026-12-01T00:00:00Z',
      { action: 'skip', reason: 'resolved' },
    ],
    // the trial date on the request wins over a stale stored due time (e.g. a re-issued license)
    [
      'lapse uses the trial date, not the stored due time',
      { kind: 'lapse', dueAt: utc('2026-11-01T00:00:00Z') },
      {},
      '2026-11-15T00:00:00Z',
      { action: 'wait', until: '2026-12-01T00:00:00.000Z' },
    ],
  ])('%s', (_label, job, over, now, expected) => {
    const decision = decideJob(job, trial(over), utc(now));
    const flat =
      decision.action === 'fire'
        ? { action: 'fire', late: decision.lateness.late, byMs: decision.lateness.byMs }
        : decision.action === 'wait'
          ? { action: 'wait', until: iso(decision.until) }
          : decision;
    expect(flat).toEqual(expected);
  });
});

describe('msUntilLapse', () => {
  test.each<[string, number]>([
    ['2026-11-29T00:00:00Z', 48 * HOUR],
    ['2026-12-01T00:00:00Z', 0],
    ['2026-12-01T06:00:00Z', -6 * HOUR],
  ])('at %s', (now, ms) => {
    expect(msUntilLapse('2026-12-01', utc(now))).toBe(ms);
  });
});

describe('lifecycle events', () => {
  test('the five event types, each with a label', () => {
    expect([...LIFECYCLE_EVENT_TYPES]).toEqual(['reminder_sent', 'resolved', 'needs_lr', 'lapsed', 'copy_sent']);
    expect(LIFECYCLE_EVENT_TYPES.map((type) => describeLifecycleEvent({ type }))).toEqual([
      'Reminder sent',
      'Resolved',
      'Needs L&R',
      'Trial lapsed, unresolved',
      'License copy sent',
    ]);
  });

  test.each<[unknown, boolean]>([
    ['resolved', true],
    ['copy_sent', true],
    ['reopened', false],
    [undefined, false],
    [3, false],
  ])('isLifecycleEventType(%p) = %p', (value, expected) => {
    expect(isLifecycleEventType(value)).toBe(expected);
  });

  test('a late reminder says by how much', () => {
    expect(describeLifecycleEvent({ type: 'reminder_sent', lateByMs: 9 * HOUR })).toBe(
      'Reminder sent (late by 9 hours)',
    );
    expect(describeLifecycleEvent({ type: 'lapsed', lateByMs: 0 })).toBe('Trial lapsed, unresolved');
  });

  test('the first "Resolved" counts', () => {
    const events: LifecycleEvent[] = [
      { requestId: 'r', type: 'reminder_sent', at: '2026-11-29T00:00:00.000Z' },
      { requestId: 'r', type: 'resolved', at: '2026-11-30T09:00:00.000Z', bySlackId: 'U2' },
      { requestId: 'r', type: 'needs_lr', at: '2026-11-29T08:00:00.000Z', bySlackId: 'U3' },
      { requestId: 'r', type: 'resolved', at: '2026-11-29T12:00:00.000Z', bySlackId: 'U1' },
    ];
    expect(resolutionOf(events)?.bySlackId).toBe('U1');
    expect(resolutionOf(events.filter((e) => e.type !== 'resolved'))).toBeUndefined();
  });
});
