import { DateTime } from 'luxon';
import {
  computeStarDigest,
  DEFAULT_DIGEST_DAYS,
  digestPeriodEnding,
  NO_NEED_FOR_STAR,
  type StarDecisionEntry,
} from '../../src/policy/star-digest';
import { VERDICTS } from '../../src/policy/star-flowchart';
import type { StarDecisionRecord } from '../../src/store/types';

const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const ticket = (n: number) => `https://gitlab.zendesk.com/agent/tickets/${n}`;

/** The digest runs Monday 30 Nov 2026 09:00 UTC and covers the week before it. */
const RUN = utc('2026-11-30T09:00:00Z');
const WEEK = digestPeriodEnding(RUN);

let seq = 0;
const decision = (createdAt: string, ticketNo: number, verdict: string, by = 'U0MANAGER'): StarDecisionRecord => ({
  id: `d${String(++seq).padStart(3, '0')}`,
  ticketUrl: ticket(ticketNo),
  decidedBySlackId: by,
  verdict,
  inputs: { path: [] },
  createdAt,
});

/** A seeded week, with the edges of the period on both sides. */
const SEEDED: StarDecisionRecord[] = [
  decision('2026-11-23T08:59:59.999Z', 1, 'no_need_for_star'), // just before the week: out
  decision('2026-11-23T09:00:00.000Z', 2, 'no_need_for_star', 'U0ALICE'), // first instant: in
  decision('2026-11-24T14:00:00.000Z', 3, 'ok_to_star', 'U0BOB'),
  decision('2026-11-25T10:00:00.000Z', 4, 'no_need_for_star', 'U0BOB'),
  // same ticket again: listed once, latest decider
  decision('2026-11-25T11:00:00.000Z', 4, 'no_need_for_star', 'U0ALICE'),
  decision('2026-11-26T09:30:00.000Z', 5, 'no_need_for_star', 'U0ALICE'),
  decision('2026-11-26T10:30:00.000Z', 5, 'ok_to_star', 'U0BOB'), // re-checked, now valid: not to label
  decision('2026-11-27T16:00:00.000Z', 6, 'not_yet_sales'),
  decision('2026-11-28T02:00:00.000Z', 7, 'deflect_with_docs'),
  decision('2026-11-28T03:00:00.000Z', 8, 'retired_verdict'), // an ID the chart no longer has
  decision('2026-11-29T23:59:00.000Z', 9, 'no_need_for_star', 'U0CAROL'),
  decision('2026-11-30T09:00:00.000Z', 10, 'no_need_for_star'), // the run's own instant: next week
];

describe('digestPeriodEnding', () => {
  test('a week is the 7 days before the run, start included, end excluded', () => {
    expect(DEFAULT_DIGEST_DAYS).toBe(7);
    expect(WEEK.start.toISO()).toBe('2026-11-23T09:00:00.000Z');
    expect(WEEK.end.toISO()).toBe('2026-11-30T09:00:00.000Z');
  });

  test('an end in another zone is the same instant in UTC', () => {
    const period = digestPeriodEnding(RUN.setZone('Asia/Tokyo'), 1);
    expect(period.start.toISO()).toBe('2026-11-29T09:00:00.000Z');
    expect(period.end.zoneName).toBe('UTC');
  });

  test.each([0, -7, 1.5])('rejects %p days', (days) => {
    expect(() => digestPeriodEnding(RUN, days)).toThrow(RangeError);
  });
});

describe('computeStarDigest on a seeded week', () => {
  const digest = computeStarDigest(SEEDED, WEEK);

  test('counts every decision of the week by verdict, in the chart order, zeros included', () => {
    expect(digest.total).toBe(10);
    expect(digest.byVerdict.map(({ verdict, count }) => [verdict.id, verdict.headline, count])).toEqual([
      ['ok_to_star', 'Ok to STAR', 2],
      ['no_need_for_star', 'No need for STAR', 5],
      ['not_yet_sales', 'Not yet: Sales must intervene first', 1],
      ['deflect_with_docs', 'Deflect with the docs (no STAR)', 1],
    ]);
    expect(digest.unknownVerdicts).toEqual([{ verdict: 'retired_verdict', count: 1 }]);
  });

  test('lists each "No need for STAR" ticket once, by its latest decision of the week', () => {
    expect(digest.toLabel).toEqual([
      { ticketUrl: ticket(2), decidedBySlackId: 'U0ALICE', decidedAt: '2026-11-23T09:00:00.000Z', decisionId: 'd002' },
      { ticketUrl: ticket(4), decidedBySlackId: 'U0ALICE', decidedAt: '2026-11-25T11:00:00.000Z', decisionId: 'd005' },
      { ticketUrl: ticket(9), decidedBySlackId: 'U0CAROL', decidedAt: '2026-11-29T23:59:00.000Z', decisionId: 'd011' },
    ]);
  });

  test('the input order does not matter', () => {
    const shuffled = [...SEEDED].reverse();
    expect(computeStarDigest(shuffled, WEEK)).toEqual(digest);
  });

  test('reports the period it covers', () => {
    expect(digest.period.start.toISO()).toBe('2026-11-23T09:00:00.000Z');
    expect(digest.period.end.toISO()).toBe('2026-11-30T09:00:00.000Z');
  });
});

describe('computeStarDigest edge cases', () => {
  test.each<[string, StarDecisionEntry[], number, number]>([
    ['an empty week', [], 0, 0],
    [
      'an unparseable createdAt is left out',
      [{ id: 'x', ticketUrl: ticket(1), decidedBySlackId: 'U1', verdict: NO_NEED_FOR_STAR, createdAt: 'yesterday' }],
      0,
      0,
    ],
    [
      'an offset timestamp is read as its instant',
      [
        {
          id: 'x',
          ticketUrl: ticket(1),
          decidedBySlackId: 'U1',
          verdict: NO_NEED_FOR_STAR,
          createdAt: '2026-11-30T10:00:00+02:00',
        },
      ],
      1,
      1,
    ],
  ])('%s', (_label, entries, total, toLabel) => {
    const digest = computeStarDigest(entries, WEEK);
    expect(digest.total).toBe(total);
    expect(digest.toLabel).toHaveLength(toLabel);
    expect(digest.byVerdict.map((v) => v.verdict.id)).toEqual(Object.keys(VERDICTS));
  });
});
