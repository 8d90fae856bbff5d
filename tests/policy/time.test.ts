import { DateTime, Duration } from 'luxon';
import {
  computeExpiryFacts,
  describeExpiryFacts,
  EMERGENCY_WINDOW_DAYS,
  formatDuration,
  formatInstant,
  formatRelative,
  GRACE_PERIOD_DAYS,
  graceEndedWithinEmergencyWindow,
  MORE_THAN_HOURS,
  parseCalendarDate,
} from '../../src/policy/time';

const utc = (iso: string): DateTime => {
  const value = DateTime.fromISO(iso, { zone: 'utc' });
  if (!value.isValid) throw new Error(`bad fixture instant ${iso}`);
  return value;
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('constants', () => {
  test('match the written policy', () => {
    expect(GRACE_PERIOD_DAYS).toBe(14);
    expect(MORE_THAN_HOURS).toBe(24);
    expect(EMERGENCY_WINDOW_DAYS).toBe(3);
  });
});

describe('parseCalendarDate', () => {
  test.each([
    ['2026-01-01', '2026-01-01T00:00:00.000Z'],
    ['2026-03-10', '2026-03-10T00:00:00.000Z'],
    ['2026-12-31', '2026-12-31T00:00:00.000Z'],
    ['2028-02-29', '2028-02-29T00:00:00.000Z'],
    ['2000-02-29', '2000-02-29T00:00:00.000Z'],
    ['2099-12-31', '2099-12-31T00:00:00.000Z'],
    ['1999-01-31', '1999-01-31T00:00:00.000Z'],
  ])('%s is 00:00 UTC on that day', (input, expected) => {
    const parsed = parseCalendarDate(input);
    expect(parsed).toBeDefined();
    expect(parsed!.isValid).toBe(true);
    expect(parsed!.toUTC().toISO()).toBe(expected);
    expect(parsed!.zone.isUniversal).toBe(true);
    expect(parsed!.offset).toBe(0);
  });

  test.each([
    ['2026-02-30', 'day 30 of February'],
    ['2026-02-29', 'leap day in a non-leap year'],
    ['2027-02-29', 'leap day in a non-leap year'],
    ['1900-02-29', 'century that is not a leap year'],
    ['2026-04-31', 'day 31 of a 30-day month'],
    ['2026-13-01', 'month 13'],
    ['2026-00-10', 'month 0'],
    ['2026-01-00', 'day 0'],
    ['2026-01-32', 'day 32'],
    ['26-1-1', 'short year, no padding'],
    ['2026-1-01', 'unpadded month'],
    ['2026-01-1', 'unpadded day'],
    ['20260101', 'basic ISO format without dashes'],
    ['2026/01/01', 'slashes'],
    ['01-01-2026', 'day first'],
    ['2026-01-01T00:00', 'a date-time'],
    ['2026-01-01T00:00:00Z', 'a UTC date-time'],
    [' 2026-01-01', 'leading space'],
    ['2026-01-01 ', 'trailing space'],
    ['+02026-01-01', 'expanded year'],
    ['2026-W01-1', 'ISO week date'],
    ['2026-001', 'ordinal date'],
    ['tomorrow', 'a word'],
    ['', 'empty'],
  ])('%j is rejected (%s)', (input) => {
    expect(parseCalendarDate(input)).toBeUndefined();
    expect(() => computeExpiryFacts(input, utc('2026-03-10T12:00:00Z'))).toThrow(RangeError);
  });

  test('the error names the bad input', () => {
    expect(() => computeExpiryFacts('2026-02-30', utc('2026-03-10T12:00:00Z'))).toThrow(/2026-02-30/);
  });
});

describe(
  'computeExpiryFacts boundaries (expiration 2026-03-10: expires 2026-03-10T00:00Z, grace ends ' + '2026-03-24T00:00Z)',
  () => {
    const D = '2026-03-10';
    // columns: expired, inGracePeriod, graceEnded, expiresInMoreThan24h, graceEndsInMoreThan24h, in emergency window
    test.each([
      ['long before expiry', '2026-01-01T00:00:00Z', false, false, false, true, true, false],
      ['24h + 1 minute before expiry', '2026-03-08T23:59:00Z', false, false, false, true, true, false],
      ['24h + 1 ms before expiry', '2026-03-08T23:59:59.999Z', false, false, false, true, true, false],
      [
        'exactly 24h before expiry (not MORE than 24h)',
        '2026-03-09T00:00:00Z',
        false,
        false,
        false,
        false,
        true,
        false,
      ],
      ['24h - 1 ms before expiry', '2026-03-09T00:00:00.001Z', false, false, false, false, true, false],
      ['24h - 1 minute before expiry', '2026-03-09T00:01:00Z', false, false, false, false, true, false],
      ['1 minute before expiry', '2026-03-09T23:59:00Z', false, false, false, false, true, false],
      ['1 ms before expiry', '2026-03-09T23:59:59.999Z', false, false, false, false, true, false],
      ['the expiry instant (expired, in grace)', '2026-03-10T00:00:00Z', true, true, false, false, true, false],
      ['1 minute after expiry', '2026-03-10T00:01:00Z', true, true, false, false, true, false],
      ['grace end - 24h - 1 minute', '2026-03-22T23:59:00Z', true, true, false, false, true, false],
      ['grace end - exactly 24h (not more than 24h)', '2026-03-23T00:00:00Z', true, true, false, false, false, false],
      ['grace end - 24h + 1 minute', '2026-03-23T00:01:00Z', true, true, false, false, false, false],
      ['grace end - 1 minute', '2026-03-23T23:59:00Z', true, true, false, false, false, false],
      ['grace end - 1 ms', '2026-03-23T23:59:59.999Z', true, true, false, false, false, false],
      ['grace end exactly (ended, in window)', '2026-03-24T00:00:00Z', true, false, true, false, false, true],
      ['grace end + 1 minute', '2026-03-24T00:01:00Z', true, false, true, false, false, true],
      ['grace end + 48h', '2026-03-26T00:00:00Z', true, false, true, false, false, true],
      ['grace end date + 2 days, 23:59', '2026-03-26T23:59:00Z', true, false, true, false, false, true],
      ['grace end date + 3 days, 00:00 (in window)', '2026-03-27T00:00:00Z', true, false, true, false, false, true],
      ['grace end date + 3 days, 00:00:00.001', '2026-03-27T00:00:00.001Z', true, false, true, false, false, true],
      [
        'grace end date + 3 days, 23:59 (still in: calendar days)',
        '2026-03-27T23:59:00Z',
        true,
        false,
        true,
        false,
        false,
        true,
      ],
      ['grace end date + 4 days, 00:00 (out)', '2026-03-28T00:00:00Z', true, false, true, false, false, false],
      ['already expired long ago', '2027-06-01T00:00:00Z', true, false, true, false, false, false],
    ])('%s (now %s)', (_label, now, expired, inGrace, graceEnded, expiresMore, graceMore, inWindow) => {
      const facts = computeExpiryFacts(D, utc(now));
      expect({
        expired: facts.expired,
        inGracePeriod: facts.inGracePeriod,
        graceEnded: facts.graceEnded,
        expiresInMoreThan24h: facts.expiresInMoreThan24h,
        graceEndsInMoreThan24h: facts.graceEndsInMoreThan24h,
        inWindow: graceEndedWithinEmergencyWindow(facts, utc(now)),
      }).toEqual({
        expired,
        inGracePeriod: inGrace,
        graceEnded,
        expiresInMoreThan24h: expiresMore,
        graceEndsInMoreThan24h: graceMore,
        inWindow,
      });
      // invariants
      expect(facts.inGracePeriod).toBe(facts.expired && !facts.graceEnded);
      if (facts.graceEnded) expect(facts.expired).toBe(true);
      if (facts.expiresInMoreThan24h) expect(facts.graceEndsInMoreThan24h).toBe(true);
    });

    test.each([
      ['2026-03-09T00:00:00Z', DAY, 15 * DAY],
      ['2026-03-10T00:00:00Z', 0, 14 * DAY],
      ['2026-03-10T12:30:00Z', -(12 * HOUR + 30 * MINUTE), 13 * DAY + 11 * HOUR + 30 * MINUTE],
      ['2026-03-24T00:00:00Z', -14 * DAY, 0],
      ['2026-03-27T00:00:00Z', -17 * DAY, -72 * HOUR],
    ])('signed distances at %s', (now, untilExpiry, untilGraceEnd) => {
      const facts = computeExpiryFacts(D, utc(now));
      expect(facts.msUntilExpiry).toBe(untilExpiry);
      expect(facts.msUntilGraceEnd).toBe(untilGraceEnd);
    });

    test('keeps the date as given and the instants in UTC', () => {
      const facts = computeExpiryFacts(D, utc('2026-03-01T00:00:00Z'));
      expect(facts.expirationDate).toBe(D);
      expect(facts.expiresAt.toUTC().toISO()).toBe('2026-03-10T00:00:00.000Z');
      expect(facts.graceEndsAt?.toUTC().toISO()).toBe('2026-03-24T00:00:00.000Z');
      expect(facts.expiresAt.offset).toBe(0);
      expect(facts.graceEndsAt?.offset).toBe(0);
    });

    test.each(['America/New_York', 'Asia/Tokyo', 'Pacific/Kiritimati', 'America/Adak'])(
      'a `now` expressed in %s gives the same facts as the same instant in UTC',
      (zone) => {
        for (const iso of [
          '2026-03-09T00:00:00Z',
          '2026-03-10T00:00:00Z',
          '2026-03-24T00:00:00Z',
          '2026-03-27T00:00:00Z',
        ]) {
          const inUtc = computeExpiryFacts(D, utc(iso));
          const inZone = computeExpiryFacts(D, utc(iso).setZone(zone));
          expect(inZone).toEqual(inUtc);
        }
      },
    );
  },
);

describe('far past and far future', () => {
  test('a date in the far future (2099-12-31) is not expired and expires in more than 24h', () => {
    const facts = computeExpiryFacts('2099-12-31', utc('2026-03-10T12:00:00Z'));
    expect(facts.expired).toBe(false);
    expect(facts.inGracePeriod).toBe(false);
    expect(facts.graceEnded).toBe(false);
    expect(facts.expiresInMoreThan24h).toBe(true);
    expect(facts.graceEndsInMoreThan24h).toBe(true);
    expect(graceEndedWithinEmergencyWindow(facts, utc('2026-03-10T12:00:00Z'))).toBe(false);
    expect(facts.graceEndsAt?.toUTC().toISO()).toBe('2100-01-14T00:00:00.000Z');
  });

  test('a date long ago is expired, grace ended, out of the emergency window', () => {
    const facts = computeExpiryFacts('2020-01-01', utc('2026-03-10T12:00:00Z'));
    expect(facts.expired).toBe(true);
    expect(facts.inGracePeriod).toBe(false);
    expect(facts.graceEnded).toBe(true);
    expect(facts.expiresInMoreThan24h).toBe(false);
    expect(facts.graceEndsInMoreThan24h).toBe(false);
    expect(graceEndedWithinEmergencyWindow(facts, utc('2026-03-10T12:00:00Z'))).toBe(false);
  });
});

describe('grace end = expiration + 14 days across calendar boundaries', () => {
  test.each([
    ['2028-02-29', '2028-03-14', 'leap day'],
    ['2028-02-15', '2028-02-29', 'lands on a leap day'],
    ['2026-02-15', '2026-03-01', 'February of a non-leap year'],
    ['2028-02-20', '2028-03-05', 'crosses 29 February'],
    ['2026-01-25', '2026-02-08', 'month boundary'],
    ['2026-01-31', '2026-02-14', 'from a 31st'],
    ['2026-04-30', '2026-05-14', 'from a 30th'],
    ['2026-12-25', '2027-01-08', 'year boundary'],
    ['2026-12-31', '2027-01-14', "from New Year's Eve"],
    ['2026-03-01', '2026-03-15', 'US DST change (2026-03-08) does not matter in UTC'],
    ['2026-10-20', '2026-11-03', 'EU/US DST end does not matter in UTC'],
    ['2099-12-31', '2100-01-14', 'far future, into a non-leap century year'],
  ])('%s -> %s (%s)', (date, graceEnd, _why) => {
    const facts = computeExpiryFacts(date, utc('2026-06-01T00:00:00Z'));
    expect(facts.expiresAt.toUTC().toISO()).toBe(`${date}T00:00:00.000Z`);
    expect(facts.graceEndsAt?.toUTC().toISO()).toBe(`${graceEnd}T00:00:00.000Z`);
    expect((facts.graceEndsAt?.toMillis() ?? 0) - facts.expiresAt.toMillis()).toBe(14 * DAY);
  });

  test('leap day 2028-02-29: in grace until 2028-03-14T00:00Z, then in the window through 2028-03-17 (UTC)', () => {
    const d = '2028-02-29';
    expect(computeExpiryFacts(d, utc('2028-02-28T23:59:00Z')).expired).toBe(false);
    expect(computeExpiryFacts(d, utc('2028-02-29T00:00:00Z')).inGracePeriod).toBe(true);
    expect(computeExpiryFacts(d, utc('2028-03-13T23:59:00Z')).inGracePeriod).toBe(true);
    const ended = computeExpiryFacts(d, utc('2028-03-14T00:00:00Z'));
    expect(ended.inGracePeriod).toBe(false);
    expect(ended.graceEnded).toBe(true);
    expect(graceEndedWithinEmergencyWindow(ended, utc('2028-03-14T00:00:00Z'))).toBe(true);
    expect(
      graceEndedWithinEmergencyWindow(computeExpiryFacts(d, utc('2028-03-17T00:00:00Z')), utc('2028-03-17T00:00:00Z')),
    ).toBe(true);
    expect(
      graceEndedWithinEmergencyWindow(computeExpiryFacts(d, utc('2028-03-17T23:59:00Z')), utc('2028-03-17T23:59:00Z')),
    ).toBe(true);
    expect(
      graceEndedWithinEmergencyWindow(computeExpiryFacts(d, utc('2028-03-18T00:00:00Z')), utc('2028-03-18T00:00:00Z')),
    ).toBe(false);
  });
});

describe('formatDuration', () => {
  test.each([
    [0, 'less than a minute'],
    [1, 'less than a minute'],
    [59_999, 'less than a minute'],
    [MINUTE, '1 minute'],
    [MINUTE + 59_999, '1 minute'],
    [2 * MINUTE, '2 minutes'],
    [45 * MINUTE, '45 minutes'],
    [59 * MINUTE + 59_999, '59 minutes'],
    [HOUR, '1 hour'],
    [HOUR + MINUTE, '1 hour 1 minute'],
    [HOUR + 2 * MINUTE, '1 hour 2 minutes'],
    [2 * HOUR, '2 hours'],
    [2 * HOUR + MINUTE, '2 hours 1 minute'],
    [13 * HOUR + 20 * MINUTE, '13 hours 20 minutes'],
    [23 * HOUR + 59 * MINUTE, '23 hours 59 minutes'],
    [DAY - 1, '23 hours 59 minutes'],
    // 24 h and 24 h 30 min give opposite answers to "more than 24h": never both "1 day" (issue 17).
    [DAY, 'exactly 24 hours'],
    [DAY + 30 * MINUTE, '24 hours 30 minutes'],
    [DAY + 59 * MINUTE, '24 hours 59 minutes'],
    [DAY + HOUR, '1 day 1 hour'],
    [DAY + 2 * HOUR + 30 * MINUTE, '1 day 2 hours'],
    [2 * DAY, '2 days'],
    [2 * DAY + HOUR, '2 days 1 hour'],
    [2 * DAY + 5 * HOUR, '2 days 5 hours'],
    [3 * DAY + MINUTE, '3 days'],
    [14 * DAY, '14 days'],
    [400 * DAY + 23 * HOUR, '400 days 23 hours'],
  ])('%d ms -> %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
    expect(formatDuration(-ms)).toBe(expected);
  });

  test('agrees with luxon arithmetic for a real distance', () => {
    const ms = utc('2026-03-24T00:00:00Z').diff(utc('2026-03-21T19:00:00Z')).toMillis();
    expect(formatDuration(ms)).toBe('2 days 5 hours');
    expect(Duration.fromMillis(ms).as('hours')).toBe(53);
  });
});

describe('formatRelative', () => {
  test.each([
    [0, 'now'],
    [1, 'in less than a minute'],
    [-1, 'less than a minute ago'],
    [30_000, 'in less than a minute'],
    [-30_000, 'less than a minute ago'],
    [MINUTE, 'in 1 minute'],
    [-MINUTE, '1 minute ago'],
    [45 * MINUTE, 'in 45 minutes'],
    [HOUR, 'in 1 hour'],
    [-HOUR, '1 hour ago'],
    [13 * HOUR, 'in 13 hours'],
    [13 * HOUR + 20 * MINUTE, 'in 13 hours 20 minutes'],
    [-(2 * DAY + 5 * HOUR), '2 days 5 hours ago'],
    [DAY, 'in exactly 24 hours'],
    [-DAY, 'exactly 24 hours ago'],
    [14 * DAY, 'in 14 days'],
  ])('%d ms -> %s', (ms, expected) => {
    expect(formatRelative(ms)).toBe(expected);
  });
});

describe('formatInstant', () => {
  const winter = utc('2026-11-23T00:00:00Z');
  const summer = utc('2026-07-01T00:00:00Z');

  test.each([
    ['default (UTC)', winter, undefined, 'Mon 23 Nov 2026 00:00 UTC'],
    ['UTC', winter, 'UTC', 'Mon 23 Nov 2026 00:00 UTC'],
    ['America/New_York in winter (EST, previous day)', winter, 'America/New_York', 'Sun 22 Nov 2026 19:00 EST'],
    ['America/New_York in summer (EDT)', summer, 'America/New_York', 'Tue 30 Jun 2026 20:00 EDT'],
    ['Asia/Tokyo', winter, 'Asia/Tokyo', 'Mon 23 Nov 2026 09:00 GMT+9'],
    ['Asia/Kolkata (half-hour offset)', winter, 'Asia/Kolkata', 'Mon 23 Nov 2026 05:30 GMT+5:30'],
    ['unknown zone falls back to UTC', winter, 'Nowhere/Atlantis', 'Mon 23 Nov 2026 00:00 UTC'],
    ['garbage zone falls back to UTC', winter, 'not a zone', 'Mon 23 Nov 2026 00:00 UTC'],
    ['empty zone falls back to UTC', winter, '', 'Mon 23 Nov 2026 00:00 UTC'],
  ])('%s', (_label, instant, zone, expected) => {
    expect(zone === undefined ? formatInstant(instant) : formatInstant(instant, zone)).toBe(expected);
  });

  test('an instant held in another zone is still shown in the requested zone', () => {
    const tokyo = winter.setZone('Asia/Tokyo');
    expect(formatInstant(tokyo)).toBe('Mon 23 Nov 2026 00:00 UTC');
    expect(formatInstant(tokyo, 'Nowhere/Atlantis')).toBe('Mon 23 Nov 2026 00:00 UTC');
    expect(formatInstant(tokyo, 'America/New_York')).toBe('Sun 22 Nov 2026 19:00 EST');
  });
});

describe('describeExpiryFacts', () => {
  const D = '2026-03-10';
  test.each([
    [
      'not expired yet',
      '2026-03-07T19:00:00Z',
      'UTC',
      'License expires in 2 days 5 hours (Tue 10 Mar 2026 00:00 UTC)',
      'Grace period (14 days) would end in 16 days 5 hours (Tue 24 Mar 2026 00:00 UTC)',
    ],
    [
      'exactly 24h before expiry',
      '2026-03-09T00:00:00Z',
      'UTC',
      'License expires in exactly 24 hours (Tue 10 Mar 2026 00:00 UTC)',
      'Grace period (14 days) would end in 15 days (Tue 24 Mar 2026 00:00 UTC)',
    ],
    [
      'at the expiry instant',
      '2026-03-10T00:00:00Z',
      'UTC',
      'License expired now (Tue 10 Mar 2026 00:00 UTC)',
      'In the grace period, which ends in 14 days (Tue 24 Mar 2026 00:00 UTC)',
    ],
    [
      'in the grace period',
      '2026-03-12T10:40:00Z',
      'UTC',
      'License expired 2 days 10 hours ago (Tue 10 Mar 2026 00:00 UTC)',
      'In the grace period, which ends in 11 days 13 hours (Tue 24 Mar 2026 00:00 UTC)',
    ],
    [
      'grace ends in 13 hours 20 minutes',
      '2026-03-23T10:40:00Z',
      'UTC',
      'License expired 13 days 10 hours ago (Tue 10 Mar 2026 00:00 UTC)',
      'In the grace period, which ends in about 13 hours 20 minutes (Tue 24 Mar 2026 00:00 UTC)',
    ],
    [
      'at the grace end instant',
      '2026-03-24T00:00:00Z',
      'UTC',
      'License expired 14 days ago (Tue 10 Mar 2026 00:00 UTC)',
      'Grace period ended now (Tue 24 Mar 2026 00:00 UTC)',
    ],
    [
      'grace ended',
      '2026-03-26T05:00:00Z',
      'UTC',
      'License expired 16 days 5 hours ago (Tue 10 Mar 2026 00:00 UTC)',
      'Grace period ended 2 days 5 hours ago (Tue 24 Mar 2026 00:00 UTC)',
    ],
    [
      'grace ended 45 minutes ago',
      '2026-03-24T00:45:00Z',
      'UTC',
      'License expired 14 days ago (Tue 10 Mar 2026 00:00 UTC)',
      'Grace period ended about 45 minutes ago (Tue 24 Mar 2026 00:00 UTC)',
    ],
    [
      'shown in America/New_York (EDT after 8 March 2026)',
      '2026-03-26T05:00:00Z',
      'America/New_York',
      'License expired 16 days 5 hours ago (Mon 9 Mar 2026 20:00 EDT; Tue 10 Mar 2026 00:00 UTC)',
      'Grace period ended 2 days 5 hours ago (Mon 23 Mar 2026 20:00 EDT; Tue 24 Mar 2026 00:00 UTC)',
    ],
    [
      'shown in Asia/Tokyo',
      '2026-03-12T10:40:00Z',
      'Asia/Tokyo',
      'License expired 2 days 10 hours ago (Tue 10 Mar 2026 09:00 GMT+9; Tue 10 Mar 2026 00:00 UTC)',
      'In the grace period, which ends in 11 days 13 hours (Tue 24 Mar 2026 09:00 GMT+9; Tue 24 Mar 2026 00:00 UTC)',
    ],
    [
      'unknown zone falls back to UTC',
      '2026-03-12T10:40:00Z',
      'Nowhere/Atlantis',
      'License expired 2 days 10 hours ago (Tue 10 Mar 2026 00:00 UTC)',
      'In the grace period, which ends in 11 days 13 hours (Tue 24 Mar 2026 00:00 UTC)',
    ],
  ])('%s', (_label, now, zone, expiryText, graceText) => {
    const facts = computeExpiryFacts(D, utc(now));
    expect(describeExpiryFacts(facts, zone)).toEqual([
      { key: 'expiry', text: expiryText },
      { key: 'grace', text: graceText },
    ]);
  });

  test('defaults to UTC', () => {
    const facts = computeExpiryFacts(D, utc('2026-03-12T10:40:00Z'));
    expect(describeExpiryFacts(facts)).toEqual(describeExpiryFacts(facts, 'UTC'));
  });
});
