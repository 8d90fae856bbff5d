import { CronExpressionError, cronExpressionProblem, parseCronSchedule } from '../../src/ops/cron-schedule';

const at = (iso: string) => new Date(iso);
const next = (expression: string, after: string) =>
  parseCronSchedule(expression).nextRunAfter(at(after))?.toISOString();

describe('parseCronSchedule: next run in UTC', () => {
  test.each<[string, string, string]>([
    // weekly: Mondays 09:00 UTC (Mon 30 Nov 2026)
    ['0 9 * * 1', '2026-11-30T08:59:59.000Z', '2026-11-30T09:00:00.000Z'],
    ['0 9 * * 1', '2026-11-30T09:00:00.000Z', '2026-12-07T09:00:00.000Z'], // strictly after
    ['0 9 * * 1', '2026-11-25T12:00:00.000Z', '2026-11-30T09:00:00.000Z'],
    ['0 9 * * MON', '2026-11-30T09:00:00.000Z', '2026-12-07T09:00:00.000Z'],
    ['30 16 * * 5', '2026-11-30T09:00:00.000Z', '2026-12-04T16:30:00.000Z'],
    ['0 9 * * 0', '2026-11-30T09:00:00.000Z', '2026-12-06T09:00:00.000Z'],
    ['0 9 * * 7', '2026-11-30T09:00:00.000Z', '2026-12-06T09:00:00.000Z'], // 7 is Sunday too
    ['*/15 * * * *', '2026-11-30T09:07:00.000Z', '2026-11-30T09:15:00.000Z'],
    ['0 0 1 * *', '2026-11-30T09:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['0 0 29 2 *', '2026-11-30T09:00:00.000Z', '2028-02-29T00:00:00.000Z'],
    // both day fields restricted: either matches (Vixie cron)
    ['0 9 1 * 1', '2026-11-30T09:00:00.000Z', '2026-12-01T09:00:00.000Z'],
    ['@weekly', '2026-11-30T09:00:00.000Z', '2026-12-06T00:00:00.000Z'],
    ['@daily', '2026-11-30T09:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['  0   9 * *   1 ', '2026-11-30T09:00:00.000Z', '2026-12-07T09:00:00.000Z'],
    // a European DST change does not move a UTC schedule
    ['0 9 * * 0', '2026-10-24T00:00:00.000Z', '2026-10-25T09:00:00.000Z'],
  ])('%j after %s → %s', (expression, after, expected) => {
    expect(next(expression, after)).toBe(expected);
  });

  test('a weekly expression runs every 7 days', () => {
    const schedule = parseCronSchedule('0 9 * * 1');
    const runs: string[] = [];
    let cursor = at('2026-11-30T09:00:00.000Z');
    for (let i = 0; i < 4; i += 1) {
      const run = schedule.nextRunAfter(cursor);
      if (!run) throw new Error('no next run');
      runs.push(run.toISOString());
      cursor = run;
    }
    expect(runs).toEqual([
      '2026-12-07T09:00:00.000Z',
      '2026-12-14T09:00:00.000Z',
      '2026-12-21T09:00:00.000Z',
      '2026-12-28T09:00:00.000Z',
    ]);
  });

  test('keeps the normalised expression', () => {
    expect(parseCronSchedule('  0  9 * * 1').expression).toBe('0 9 * * 1');
  });

  test('rejects an invalid instant', () => {
    expect(() => parseCronSchedule('0 9 * * 1').nextRunAfter(new Date('nope'))).toThrow(RangeError);
  });
});

describe('bad expressions get a clear error', () => {
  test.each<[string, RegExp]>([
    ['', /it is empty/],
    ['   ', /it is empty/],
    ['0 9 * *', /it has 4 fields, not 5/],
    ['0 0 9 * * 1', /it has 6 fields, not 5/], // a seconds field is refused
    ['61 9 * * 1', /minute/i],
    ['0 24 * * 1', /hour/i],
    ['0 9 32 * *', /day/i],
    ['0 9 * 13 *', /month/i],
    ['0 9 * * FUNDAY', /invalid cron expression/],
    ['every monday', /it has 2 fields, not 5/],
    ['@fortnightly', /unknown nickname/],
    ['0 0 31 2 *', /never matches/],
  ])('%j', (expression, reason) => {
    let caught: unknown;
    try {
      parseCronSchedule(expression);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CronExpressionError);
    const message = (caught as Error).message;
    expect(message).toMatch(reason);
    expect(message).toContain(JSON.stringify(expression));
    expect(message).toContain('UTC');
    expect(cronExpressionProblem(expression)).toBe(message);
  });

  test('a good expression has no problem', () => {
    expect(cronExpressionProblem('0 9 * * 1')).toBeUndefined();
  });
});
