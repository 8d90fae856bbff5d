import { addDaysToIsoDate, isIsoDate, toUtcIsoDate } from '../../src/licenses/dates';

describe('license calendar dates (UTC, yyyy-mm-dd)', () => {
  it.each<[unknown, boolean]>([
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2024-02-30', false],
    ['2024-13-01', false],
    ['2024-1-01', false],
    ['2024-01-01T00:00:00Z', false],
    [' 2024-01-01', false],
    [20240101, false],
    [undefined, false],
  ])('isIsoDate(%p) is %p', (value, expected) => {
    expect(isIsoDate(value)).toBe(expected);
  });

  it.each<[string, number, string]>([
    ['2025-08-01', 10, '2025-08-11'],
    ['2025-12-25', 10, '2026-01-04'],
    ['2024-02-20', 10, '2024-03-01'],
    ['2023-02-20', 10, '2023-03-02'],
    ['2025-03-28', 10, '2025-04-07'], // across the European daylight-saving change: still calendar days
    ['2025-01-10', -10, '2024-12-31'],
  ])('%s plus %d days is %s', (start, days, expected) => {
    expect(addDaysToIsoDate(start, days)).toBe(expected);
  });

  it('refuses what is not a date or a whole number of days', () => {
    expect(() => addDaysToIsoDate('2024-02-30', 1)).toThrow(RangeError);
    expect(() => addDaysToIsoDate('2024-02-01', 1.5)).toThrow(RangeError);
    expect(() => toUtcIsoDate(new Date('nope'))).toThrow(RangeError);
  });

  it('takes the UTC day of an instant, whatever its offset was written in', () => {
    expect(toUtcIsoDate(new Date('2025-08-01T23:30:00-02:00'))).toBe('2025-08-02');
    expect(toUtcIsoDate(new Date('2025-08-01T00:30:00+02:00'))).toBe('2025-07-31');
  });
});
