import { DateTime } from 'luxon';
import {
  type ChartAnswers,
  type ChartQuestion,
  EDGE_CASE_DEFINITION,
  evaluateStarChart,
  type Next,
  pathNeedsExpiry,
  type QuestionId,
  questionsOnPath,
  QUESTIONS,
  START_QUESTION,
  type VerdictId,
  VERDICTS,
} from '../../src/policy/star-flowchart';
import { computeExpiryFacts, type ExpiryFacts } from '../../src/policy/time';

const utc = (iso: string): DateTime => {
  const value = DateTime.fromISO(iso, { zone: 'utc' });
  if (!value.isValid) throw new Error(`bad fixture instant ${iso}`);
  return value;
};

/** Fixed "now" for every date-driven case: 2026-03-10 12:00 UTC. */
const NOW = utc('2026-03-10T12:00:00Z');
const facts = (date: string, now: DateTime = NOW): ExpiryFacts => computeExpiryFacts(date, now);

const FOLLOW_UP = 'Manager to collect data for feedback and label the STAR issue.';
const DERIVED: QuestionId[] = ['inGracePeriod', 'graceEndsInMoreThan24h', 'expiresInMoreThan24h'];
const ALL_QUESTIONS = Object.keys(QUESTIONS) as QuestionId[];
const ALL_VERDICTS = Object.keys(VERDICTS) as VerdictId[];

const HEADLINE: Record<VerdictId, string> = {
  ok_to_star: 'Ok to STAR',
  no_need_for_star: 'No need for STAR',
  not_yet_sales: 'Not yet: Sales must intervene first',
  deflect_with_docs: 'Deflect with the docs (no STAR)',
};

type Step = [QuestionId, string];

function ids(questions: ChartQuestion[]): QuestionId[] {
  return questions.map((question) => question.id);
}

function stepsOf(answers: ChartAnswers, expiry?: ExpiryFacts) {
  return evaluateStarChart(answers, expiry).path.map(
    (step) => [step.question.id, step.option.value, step.source] as const,
  );
}

/**
 * The flowchart table of the specification, one row per path.
 * `steps` are the answers given directly, in the order the chart asks them.
 */
const TABLE: Array<{ row: string; steps: Step[]; verdict: VerdictId }> = [
  {
    row: 'Plan/License, trial, sales-assisted, expires in > 24h',
    steps: [
      ['kind', 'plan_license'],
      ['trial', 'yes'],
      ['salesAssisted', 'yes'],
      ['expiresInMoreThan24h', 'yes'],
    ],
    verdict: 'no_need_for_star',
  },
  {
    row: 'Plan/License, trial, sales-assisted, expires in <= 24h (or expired)',
    steps: [
      ['kind', 'plan_license'],
      ['trial', 'yes'],
      ['salesAssisted', 'yes'],
      ['expiresInMoreThan24h', 'no'],
    ],
    verdict: 'ok_to_star',
  },
  {
    row: 'Plan/License, trial, not sales-assisted',
    steps: [
      ['kind', 'plan_license'],
      ['trial', 'yes'],
      ['salesAssisted', 'no'],
    ],
    verdict: 'no_need_for_star',
  },
  {
    row: 'Plan/License, not a trial, in grace, grace ends in > 24h',
    steps: [
      ['kind', 'plan_license'],
      ['trial', 'no'],
      ['inGracePeriod', 'yes'],
      ['graceEndsInMoreThan24h', 'yes'],
    ],
    verdict: 'no_need_for_star',
  },
  {
    row: 'Plan/License, not a trial, in grace, grace ends in <= 24h',
    steps: [
      ['kind', 'plan_license'],
      ['trial', 'no'],
      ['inGracePeriod', 'yes'],
      ['graceEndsInMoreThan24h', 'no'],
    ],
    verdict: 'ok_to_star',
  },
  {
    row: 'Plan/License, not a trial, not in grace, expires in > 24h',
    steps: [
      ['kind', 'plan_license'],
      ['trial', 'no'],
      ['inGracePeriod', 'no'],
      ['expiresInMoreThan24h', 'yes'],
    ],
    verdict: 'no_need_for_star',
  },
  {
    row: 'Plan/License, not a trial, not in grace, expires in <= 24h (or expired)',
    steps: [
      ['kind', 'plan_license'],
      ['trial', 'no'],
      ['inGracePeriod', 'no'],
      ['expiresInMoreThan24h', 'no'],
    ],
    verdict: 'ok_to_star',
  },
  {
    row: 'Wrong product sold, after Sales has intervened',
    steps: [
      ['kind', 'wrong_product'],
      ['salesIntervened', 'yes'],
    ],
    verdict: 'ok_to_star',
  },
  {
    row: 'Wrong product sold, Sales has not intervened yet',
    steps: [
      ['kind', 'wrong_product'],
      ['salesIntervened', 'no'],
    ],
    verdict: 'not_yet_sales',
  },
  {
    row: 'Force reassociate, not an edge case',
    steps: [
      ['kind', 'force_reassociate'],
      ['edgeCase', 'no'],
    ],
    verdict: 'deflect_with_docs',
  },
  {
    row: 'Force reassociate, edge case',
    steps: [
      ['kind', 'force_reassociate'],
      ['edgeCase', 'yes'],
    ],
    verdict: 'ok_to_star',
  },
];

const answersOf = (steps: Step[]): ChartAnswers => Object.fromEntries(steps);

describe('flowchart table, answers given directly', () => {
  test.each(TABLE)('$row -> $verdict', ({ steps, verdict }) => {
    const evaluation = evaluateStarChart(answersOf(steps));
    expect(evaluation.complete).toBe(true);
    if (!evaluation.complete) return;
    expect(evaluation.verdict.id).toBe(verdict);
    expect(evaluation.verdict.headline).toBe(HEADLINE[verdict]);
    expect(evaluation.verdict.starValid).toBe(verdict === 'ok_to_star');
    expect(stepsOf(answersOf(steps))).toEqual(steps.map(([q, v]) => [q, v, 'answered']));
    // every option object on the path is the chart's own option
    evaluation.path.forEach((step) => {
      expect(step.question).toBe(QUESTIONS[step.question.id]);
      expect(step.question.options).toContain(step.option);
    });
    if (verdict === 'no_need_for_star') expect(evaluation.verdict.followUp).toBe(FOLLOW_UP);
  });

  test('the table covers every path of the chart exactly once', () => {
    expect(enumeratePaths().map((p) => JSON.stringify(p))).toEqual(
      expect.arrayContaining(TABLE.map((row) => JSON.stringify({ steps: row.steps, verdict: row.verdict }))),
    );
    expect(enumeratePaths()).toHaveLength(TABLE.length);
  });

  test('questionsOnPath lists every question asked, in order, without a date', () => {
    for (const { steps } of TABLE) expect(ids(questionsOnPath(answersOf(steps)))).toEqual(steps.map(([q]) => q));
  });
});

describe('flowchart table, grace/expiry facts computed from the expiration date (now = 2026-03-10T12:00Z)', () => {
  const a = (kind: string, extra: ChartAnswers = {}): ChartAnswers => ({ kind, ...extra });
  test.each<[string, ChartAnswers, ExpiryFacts, VerdictId, Array<[QuestionId, string, 'answered' | 'computed']>]>([
    [
      'trial, sales-assisted, expires 2026-03-20 (> 24h)',
      a('plan_license', { trial: 'yes', salesAssisted: 'yes' }),
      facts('2026-03-20'),
      'no_need_for_star',
      [
        ['kind', 'plan_license', 'answered'],
        ['trial', 'yes', 'answered'],
        ['salesAssisted', 'yes', 'answered'],
        ['expiresInMoreThan24h', 'yes', 'computed'],
      ],
    ],
    [
      'trial, sales-assisted, expires in 24h + 1 minute',
      a('plan_license', { trial: 'yes', salesAssisted: 'yes' }),
      facts('2026-03-11', utc('2026-03-09T23:59:00Z')),
      'no_need_for_star',
      [
        ['kind', 'plan_license', 'answered'],
        ['trial', 'yes', 'answered'],
        ['salesAssisted', 'yes', 'answered'],
        ['expiresInMoreThan24h', 'yes', 'computed'],
      ],
    ],
    [
      'trial, sales-assisted, expires in exactly 24h (not more)',
      a('plan_license', { trial: 'yes', salesAssisted: 'yes' }),
      facts('2026-03-11', utc('2026-03-10T00:00:00Z')),
      'ok_to_star',
      [
        ['kind', 'plan_license', 'answered'],
        ['trial', 'yes', 'answered'],
        ['salesAssisted', 'yes', 'answered'],
        ['expiresInMoreThan24h', 'no', 'computed'],
      ],
    ],
    [
      'trial, sales-assisted, expires 2026-03-11 (12h left)',
      a('plan_license', { trial: 'yes', salesAssisted: 'yes' }),
      facts('2026-03-11'),
      'ok_to_star',
      [
        ['kind', 'plan_license', 'answered'],
        ['trial', 'yes', 'answered'],
        ['salesAssisted', 'yes', 'answered'],
        ['expiresInMoreThan24h', 'no', 'computed'],
      ],
    ],
    [
      'trial, sales-assisted, already expired 2026-03-01',
      a('plan_license', { trial: 'yes', salesAssisted: 'yes' }),
      facts('2026-03-01'),
      'ok_to_star',
      [
        ['kind', 'plan_license', 'answered'],
        ['trial', 'yes', 'answered'],
        ['salesAssisted', 'yes', 'answered'],
        ['expiresInMoreThan24h', 'no', 'computed'],
      ],
    ],
    [
      'trial, not sales-assisted (date irrelevant)',
      a('plan_license', { trial: 'yes', salesAssisted: 'no' }),
      facts('2026-03-11'),
      'no_need_for_star',
      [
        ['kind', 'plan_license', 'answered'],
        ['trial', 'yes', 'answered'],
        ['salesAssisted', 'no', 'answered'],
      ],
    ],
    [
      'not a trial, in grace, grace ends 2026-03-19 (> 24h)',
      a('plan_license', { trial: 'no' }),
      facts('2026-03-05'),
      'no_need_for_star',
      [
        ['kind', 'plan_license', 'answered'],
        ['trial', 'no', 'answered'],
        ['inGracePeriod', 'yes', 'computed'],
        ['graceEndsInMoreThan24h', 'yes', 'computed'],
      ],
    ],
    [
      'not a trial, at the expiry instant (in grace, 14 days left)',
      a('plan_license', { trial: 'no' }),
      facts('2026-03-10', utc('2026-03-10T00:00:00Z')),
      'no_need_for_star',
      [
        ['kind', 'plan_license', 'answered'],
        ['trial', 'no', 'answered'],
        ['inGracePeriod', 'yes', 'computed'],
        ['graceEndsInMoreThan24h', 'yes', 'computed'],
      ],
    ],
    [
      'not a trial, in grace, grace ends in exactly 24h (not more)',
      a('plan_license', { trial: 'no' }),
      facts('2026-02-25', utc('2026-03-10T00:00:00Z')),
      'ok_to_star',
      [
        ['kind', 'plan_license', 'answered'],
        ['trial', 'no', 'answered'],
        ['inGracePeriod', 'yes', 'computed'],
        ['graceEndsInMoreThan24h', 'no', 'computed'],
      ],
    ],
    [
      'not a trial, in grace, grace ends 2026-03-11 (12h left)',
      a('plan_license', { trial: 'no' }),
      facts('2026-02-25'),
      'ok_to_star',
      [
        ['kind', 'plan_license', 'answered'],
        ['trial', 'no', 'answered'],
        ['inGracePeriod', 'yes', 'computed'],
        ['graceEndsInMoreThan24h', 'no', 'computed'],
      ],
    ],
    [
      'not a trial, not in grace, expires 2026-04-01 (> 24h)',
      a('plan_license', { trial: 'no' }),
      facts('2026-04-01'),
      'no_need_for_star',
      [
        ['kind', 'plan_license', 'answered'],
        ['trial', 'no', 'answered'],
        ['inGracePeriod', 'no', 'computed'],
        ['expiresInMoreThan24h', 'yes', 'computed'],
      ],
    ],
    [
      'not a trial, not in grace, expires far in the future (2099-12-31)',
      a('plan_license', { trial: 'no' }),
      facts('2099-12-31'),
      'no_need_for_star',
      [
        ['kind', 'plan_license', 'answered'],
        ['trial', 'no', 'answered'],
        ['inGracePeriod', 'no', 'computed'],
        ['expiresInMoreThan24h', 'yes', 'computed'],
      ],
    ],
    [
      'not a trial, not in grace, expires 2026-03-11 (12h left)',
      a('plan_license', { trial: 'no' }),
      facts('2026-03-11'),
      'ok_to_star',
      [
        ['kind', 'plan_license', 'answered'],
        ['trial', 'no', 'answered'],
        ['inGracePeriod', 'no', 'computed'],
        ['expiresInMoreThan24h', 'no', 'computed'],
      ],
    ],
    [
      'not a trial, grace already ended (expired 2026-02-20, grace ended 2026-03-06)',
      a('plan_license', { trial: 'no' }),
      facts('2026-02-20'),
      'ok_to_star',
      [
        ['kind', 'plan_license', 'answered'],
        ['trial', 'no', 'answered'],
        ['inGracePeriod', 'no', 'computed'],
        ['expiresInMoreThan24h', 'no', 'computed'],
      ],
    ],
    [
      'not a trial, expired long ago (2020-01-01)',
      a('plan_license', { trial: 'no' }),
      facts('2020-01-01'),
      'ok_to_star',
      [
        ['kind', 'plan_license', 'answered'],
        ['trial', 'no', 'answered'],
        ['inGracePeriod', 'no', 'computed'],
        ['expiresInMoreThan24h', 'no', 'computed'],
      ],
    ],
    [
      'wrong product, Sales intervened (date irrelevant)',
      a('wrong_product', { salesIntervened: 'yes' }),
      facts('2026-03-11'),
      'ok_to_star',
      [
        ['kind', 'wrong_product', 'answered'],
        ['salesIntervened', 'yes', 'answered'],
      ],
    ],
    [
      'wrong product, Sales not intervened (date irrelevant)',
      a('wrong_product', { salesIntervened: 'no' }),
      facts('2020-01-01'),
      'not_yet_sales',
      [
        ['kind', 'wrong_product', 'answered'],
        ['salesIntervened', 'no', 'answered'],
      ],
    ],
    [
      'force reassociate, not an edge case (date irrelevant)',
      a('force_reassociate', { edgeCase: 'no' }),
      facts('2026-03-11'),
      'deflect_with_docs',
      [
        ['kind', 'force_reassociate', 'answered'],
        ['edgeCase', 'no', 'answered'],
      ],
    ],
    [
      'force reassociate, edge case (date irrelevant)',
      a('force_reassociate', { edgeCase: 'yes' }),
      facts('2099-12-31'),
      'ok_to_star',
      [
        ['kind', 'force_reassociate', 'answered'],
        ['edgeCase', 'yes', 'answered'],
      ],
    ],
  ])('%s', (_label, answers, expiry, verdict, path) => {
    const evaluation = evaluateStarChart(answers, expiry);
    expect(evaluation.complete).toBe(true);
    if (!evaluation.complete) return;
    expect(evaluation.verdict.id).toBe(verdict);
    expect(evaluation.verdict.headline).toBe(HEADLINE[verdict]);
    expect(stepsOf(answers, expiry)).toEqual(path);
    if (verdict === 'no_need_for_star') expect(evaluation.verdict.followUp).toBe(FOLLOW_UP);
    // the person is only shown the answered questions
    expect(ids(questionsOnPath(answers, expiry))).toEqual(path.filter(([, , s]) => s === 'answered').map(([q]) => q));
  });

  test('every table row is reached from a date (each row has a date-driven twin)', () => {
    const reached = new Set<string>();
    const dates = ['2026-03-20', '2026-03-11', '2026-03-05', '2026-02-25', '2026-04-01', '2020-01-01'];
    for (const answers of completeAnswerSetsWithoutDerived()) {
      for (const date of dates) {
        const evaluation = evaluateStarChart(answers, facts(date));
        if (evaluation.complete)
          reached.add(JSON.stringify(evaluation.path.map((s) => [s.question.id, s.option.value])));
      }
    }
    for (const row of TABLE) expect(reached).toContain(JSON.stringify(row.steps));
  });
});

describe('"No need for STAR" always carries the follow-up', () => {
  test.each(TABLE.filter((row) => row.verdict === 'no_need_for_star'))('$row', ({ steps }) => {
    const evaluation = evaluateStarChart(answersOf(steps));
    expect(evaluation.complete && evaluation.verdict.followUp).toBe(FOLLOW_UP);
  });

  test('the follow-up names the manager, the feedback data and the STAR issue label', () => {
    expect(VERDICTS.no_need_for_star.followUp).toMatch(/manager/i);
    expect(VERDICTS.no_need_for_star.followUp).toMatch(/data for feedback/i);
    expect(VERDICTS.no_need_for_star.followUp).toMatch(/label the STAR issue/i);
  });

  test.each(['2026-03-20', '2026-03-05', '2026-04-01', '2099-12-31'])('with expiration %s', (date) => {
    for (const answers of completeAnswerSetsWithoutDerived()) {
      const evaluation = evaluateStarChart(answers, facts(date));
      if (evaluation.complete && evaluation.verdict.id === 'no_need_for_star')
        expect(evaluation.verdict.followUp).toBe(FOLLOW_UP);
    }
  });
});

describe('incomplete evaluations return the next question', () => {
  test.each<[string, QuestionId, ChartAnswers, QuestionId[]]>([
    ['nothing answered', 'kind', {}, []],
    ['unknown kind', 'kind', { kind: 'bogus' }, []],
    ['kind given as a label instead of a value', 'kind', { kind: 'Plan/License request' }, []],
    ['answers off the path are ignored', 'kind', { trial: 'yes', salesAssisted: 'yes', edgeCase: 'yes' }, []],
    ['plan/license', 'trial', { kind: 'plan_license' }, ['kind']],
    ['plan/license, trial answered with junk', 'trial', { kind: 'plan_license', trial: 'maybe' }, ['kind']],
    ['plan/license, trial answered with an uppercase value', 'trial', { kind: 'plan_license', trial: 'YES' }, ['kind']],
    [
      'plan/license, off-path answers only',
      'trial',
      { kind: 'plan_license', salesIntervened: 'yes', edgeCase: 'yes' },
      ['kind'],
    ],
    ['trial', 'salesAssisted', { kind: 'plan_license', trial: 'yes' }, ['kind', 'trial']],
    [
      'trial, grace answers ignored',
      'salesAssisted',
      { kind: 'plan_license', trial: 'yes', inGracePeriod: 'yes', graceEndsInMoreThan24h: 'no' },
      ['kind', 'trial'],
    ],
    [
      'trial, sales-assisted',
      'expiresInMoreThan24h',
      { kind: 'plan_license', trial: 'yes', salesAssisted: 'yes' },
      ['kind', 'trial', 'salesAssisted'],
    ],
    [
      'trial, sales-assisted, junk expiry answer',
      'expiresInMoreThan24h',
      { kind: 'plan_license', trial: 'yes', salesAssisted: 'yes', expiresInMoreThan24h: '' },
      ['kind', 'trial', 'salesAssisted'],
    ],
    ['not a trial', 'inGracePeriod', { kind: 'plan_license', trial: 'no' }, ['kind', 'trial']],
    [
      'not a trial, only the later answers',
      'inGracePeriod',
      { kind: 'plan_license', trial: 'no', graceEndsInMoreThan24h: 'yes', expiresInMoreThan24h: 'yes' },
      ['kind', 'trial'],
    ],
    [
      'not a trial, in grace',
      'graceEndsInMoreThan24h',
      { kind: 'plan_license', trial: 'no', inGracePeriod: 'yes' },
      ['kind', 'trial', 'inGracePeriod'],
    ],
    [
      'not a trial, in grace, expiry answer does not answer the grace question',
      'graceEndsInMoreThan24h',
      { kind: 'plan_license', trial: 'no', inGracePeriod: 'yes', expiresInMoreThan24h: 'no' },
      ['kind', 'trial', 'inGracePeriod'],
    ],
    [
      'not a trial, not in grace',
      'expiresInMoreThan24h',
      { kind: 'plan_license', trial: 'no', inGracePeriod: 'no' },
      ['kind', 'trial', 'inGracePeriod'],
    ],
    [
      'not a trial, not in grace, grace answer does not answer the expiry question',
      'expiresInMoreThan24h',
      { kind: 'plan_license', trial: 'no', inGracePeriod: 'no', graceEndsInMoreThan24h: 'no' },
      ['kind', 'trial', 'inGracePeriod'],
    ],
    ['wrong product', 'salesIntervened', { kind: 'wrong_product' }, ['kind']],
    [
      'wrong product, plan answers ignored',
      'salesIntervened',
      { kind: 'wrong_product', trial: 'yes', edgeCase: 'yes' },
      ['kind'],
    ],
    ['force reassociate', 'edgeCase', { kind: 'force_reassociate' }, ['kind']],
    [
      'force reassociate, wrong-product answer ignored',
      'edgeCase',
      { kind: 'force_reassociate', salesIntervened: 'yes' },
      ['kind'],
    ],
  ])('%s -> asks %s', (_label, next, answers, answered) => {
    const evaluation = evaluateStarChart(answers);
    expect(evaluation.complete).toBe(false);
    if (evaluation.complete) return;
    expect(evaluation.next.id).toBe(next);
    expect(evaluation.next).toBe(QUESTIONS[next]);
    expect(evaluation.path.map((s) => s.question.id)).toEqual(answered);
    expect(evaluation.path.every((s) => s.source === 'answered')).toBe(true);
    expect(ids(questionsOnPath(answers))).toEqual([...answered, next]);
  });

  test.each<[string, QuestionId, ChartAnswers, QuestionId[]]>([
    ['nothing answered', 'kind', {}, []],
    ['plan/license', 'trial', { kind: 'plan_license' }, ['kind']],
    ['trial', 'salesAssisted', { kind: 'plan_license', trial: 'yes' }, ['kind', 'trial']],
    ['wrong product', 'salesIntervened', { kind: 'wrong_product' }, ['kind']],
    ['force reassociate', 'edgeCase', { kind: 'force_reassociate' }, ['kind']],
  ])('with an expiration date: %s -> still asks %s', (_label, next, answers, answered) => {
    for (const date of ['2026-03-11', '2026-03-05', '2020-01-01', '2099-12-31']) {
      const evaluation = evaluateStarChart(answers, facts(date));
      expect(evaluation.complete).toBe(false);
      if (evaluation.complete) return;
      expect(evaluation.next.id).toBe(next);
      expect(evaluation.path.map((s) => s.question.id)).toEqual(answered);
    }
  });

  test.each<[string, ChartAnswers]>([
    ['not a trial', { kind: 'plan_license', trial: 'no' }],
    ['trial, sales-assisted', { kind: 'plan_license', trial: 'yes', salesAssisted: 'yes' }],
  ])('with an expiration date, %s is complete without any derived answer', (_label, answers) => {
    for (const date of ['2026-03-11', '2026-03-05', '2026-02-25', '2026-04-01', '2020-01-01', '2099-12-31']) {
      expect(evaluateStarChart(answers, facts(date)).complete).toBe(true);
    }
  });
});

describe('a computed answer wins over a contradictory typed answer', () => {
  test.each<[string, ChartAnswers, ExpiryFacts, VerdictId, Array<[QuestionId, string]>]>([
    [
      'typed "not in grace, expires <= 24h" but the date says in grace with > 24h left',
      { kind: 'plan_license', trial: 'no', inGracePeriod: 'no', expiresInMoreThan24h: 'no' },
      facts('2026-03-05'),
      'no_need_for_star',
      [
        ['inGracePeriod', 'yes'],
        ['graceEndsInMoreThan24h', 'yes'],
      ],
    ],
    [
      'typed "in grace, > 24h left" but the date says grace ended long ago',
      { kind: 'plan_license', trial: 'no', inGracePeriod: 'yes', graceEndsInMoreThan24h: 'yes' },
      facts('2020-01-01'),
      'ok_to_star',
      [
        ['inGracePeriod', 'no'],
        ['expiresInMoreThan24h', 'no'],
      ],
    ],
    [
      'typed "in grace, <= 24h left" but the date says it expires in weeks',
      { kind: 'plan_license', trial: 'no', inGracePeriod: 'yes', graceEndsInMoreThan24h: 'no' },
      facts('2026-04-01'),
      'no_need_for_star',
      [
        ['inGracePeriod', 'no'],
        ['expiresInMoreThan24h', 'yes'],
      ],
    ],
    [
      'typed "in grace, > 24h left" but the date says grace ends in 12h',
      { kind: 'plan_license', trial: 'no', inGracePeriod: 'yes', graceEndsInMoreThan24h: 'yes' },
      facts('2026-02-25'),
      'ok_to_star',
      [
        ['inGracePeriod', 'yes'],
        ['graceEndsInMoreThan24h', 'no'],
      ],
    ],
    [
      'trial: typed "expires in > 24h" but the date says 12h',
      { kind: 'plan_license', trial: 'yes', salesAssisted: 'yes', expiresInMoreThan24h: 'yes' },
      facts('2026-03-11'),
      'ok_to_star',
      [['expiresInMoreThan24h', 'no']],
    ],
    [
      'trial: typed "expires in <= 24h" but the date says 10 days',
      { kind: 'plan_license', trial: 'yes', salesAssisted: 'yes', expiresInMoreThan24h: 'no' },
      facts('2026-03-20'),
      'no_need_for_star',
      [['expiresInMoreThan24h', 'yes']],
    ],
    [
      'junk typed answers are ignored when the date answers',
      { kind: 'plan_license', trial: 'no', inGracePeriod: 'perhaps', expiresInMoreThan24h: '???' },
      facts('2026-03-11'),
      'ok_to_star',
      [
        ['inGracePeriod', 'no'],
        ['expiresInMoreThan24h', 'no'],
      ],
    ],
  ])('%s', (_label, answers, expiry, verdict, derived) => {
    const evaluation = evaluateStarChart(answers, expiry);
    expect(evaluation.complete).toBe(true);
    if (!evaluation.complete) return;
    expect(evaluation.verdict.id).toBe(verdict);
    const computed = evaluation.path.filter((s) => s.source === 'computed').map((s) => [s.question.id, s.option.value]);
    expect(computed).toEqual(derived);
  });

  test('a typed answer is never marked as computed, a computed one never as answered', () => {
    for (const answers of allAnswerSets()) {
      for (const expiry of [undefined, facts('2026-03-11'), facts('2026-03-05'), facts('2020-01-01')]) {
        for (const step of evaluateStarChart(answers, expiry).path) {
          const derivable = step.question.derivedFrom !== undefined && expiry !== undefined;
          expect(step.source).toBe(derivable ? 'computed' : 'answered');
          if (derivable) expect(step.option.value).toBe(expiry[step.question.derivedFrom!] ? 'yes' : 'no');
          else expect(step.option.value).toBe(answers[step.question.id]);
        }
      }
    }
  });
});

describe('questionsOnPath', () => {
  const dates = ['2026-03-20', '2026-03-11', '2026-03-05', '2026-02-25', '2026-04-01', '2020-01-01', '2099-12-31'];

  test.each(dates)('never includes a derived question when the date (%s) is given', (date) => {
    for (const answers of allAnswerSets()) {
      const shown = ids(questionsOnPath(answers, facts(date)));
      for (const derived of DERIVED) expect(shown).not.toContain(derived);
    }
  });

  test.each<[string, ChartAnswers, QuestionId[]]>([
    ['not a trial', { kind: 'plan_license', trial: 'no' }, ['kind', 'trial', 'inGracePeriod']],
    [
      'not a trial, in grace',
      { kind: 'plan_license', trial: 'no', inGracePeriod: 'yes' },
      ['kind', 'trial', 'inGracePeriod', 'graceEndsInMoreThan24h'],
    ],
    [
      'not a trial, not in grace',
      { kind: 'plan_license', trial: 'no', inGracePeriod: 'no' },
      ['kind', 'trial', 'inGracePeriod', 'expiresInMoreThan24h'],
    ],
    [
      'not a trial, in grace, answered',
      { kind: 'plan_license', trial: 'no', inGracePeriod: 'yes', graceEndsInMoreThan24h: 'no' },
      ['kind', 'trial', 'inGracePeriod', 'graceEndsInMoreThan24h'],
    ],
    [
      'trial, sales-assisted',
      { kind: 'plan_license', trial: 'yes', salesAssisted: 'yes' },
      ['kind', 'trial', 'salesAssisted', 'expiresInMoreThan24h'],
    ],
    [
      'trial, sales-assisted, answered',
      { kind: 'plan_license', trial: 'yes', salesAssisted: 'yes', expiresInMoreThan24h: 'yes' },
      ['kind', 'trial', 'salesAssisted', 'expiresInMoreThan24h'],
    ],
  ])('includes the derived questions without a date: %s', (_label, answers, expected) => {
    expect(ids(questionsOnPath(answers))).toEqual(expected);
  });

  test.each<[string, ChartAnswers, QuestionId[]]>([
    ['nothing answered', {}, ['kind']],
    ['plan/license', { kind: 'plan_license' }, ['kind', 'trial']],
    ['not a trial (complete from the date)', { kind: 'plan_license', trial: 'no' }, ['kind', 'trial']],
    ['trial', { kind: 'plan_license', trial: 'yes' }, ['kind', 'trial', 'salesAssisted']],
    [
      'trial, sales-assisted (complete from the date)',
      { kind: 'plan_license', trial: 'yes', salesAssisted: 'yes' },
      ['kind', 'trial', 'salesAssisted'],
    ],
    [
      'trial, not sales-assisted',
      { kind: 'plan_license', trial: 'yes', salesAssisted: 'no' },
      ['kind', 'trial', 'salesAssisted'],
    ],
    ['wrong product', { kind: 'wrong_product' }, ['kind', 'salesIntervened']],
    ['wrong product, answered', { kind: 'wrong_product', salesIntervened: 'no' }, ['kind', 'salesIntervened']],
    ['force reassociate', { kind: 'force_reassociate' }, ['kind', 'edgeCase']],
    ['force reassociate, answered', { kind: 'force_reassociate', edgeCase: 'yes' }, ['kind', 'edgeCase']],
  ])('with a date: %s', (_label, answers, expected) => {
    expect(ids(questionsOnPath(answers, facts('2026-03-11')))).toEqual(expected);
  });

  test('without a date, every path question of an incomplete walk is shown, ending with the next one', () => {
    for (const answers of allAnswerSets()) {
      const evaluation = evaluateStarChart(answers);
      const shown = ids(questionsOnPath(answers));
      const walked = evaluation.path.map((s) => s.question.id);
      expect(shown).toEqual(evaluation.complete ? walked : [...walked, evaluation.next.id]);
    }
  });
});

describe('pathNeedsExpiry', () => {
  test.each<[string, boolean, ChartAnswers]>([
    ['nothing answered', false, {}],
    ['plan/license (next: trial)', false, { kind: 'plan_license' }],
    ['trial (next: sales-assisted)', false, { kind: 'plan_license', trial: 'yes' }],
    ['trial, not sales-assisted (complete)', false, { kind: 'plan_license', trial: 'yes', salesAssisted: 'no' }],
    ['trial, sales-assisted (next: expiry)', true, { kind: 'plan_license', trial: 'yes', salesAssisted: 'yes' }],
    [
      'trial, sales-assisted, expiry answered',
      true,
      { kind: 'plan_license', trial: 'yes', salesAssisted: 'yes', expiresInMoreThan24h: 'no' },
    ],
    ['not a trial (next: grace)', true, { kind: 'plan_license', trial: 'no' }],
    [
      'not a trial, all answered',
      true,
      { kind: 'plan_license', trial: 'no', inGracePeriod: 'no', expiresInMoreThan24h: 'yes' },
    ],
    ['wrong product', false, { kind: 'wrong_product' }],
    ['wrong product, answered', false, { kind: 'wrong_product', salesIntervened: 'yes' }],
    ['force reassociate', false, { kind: 'force_reassociate' }],
    ['force reassociate, answered', false, { kind: 'force_reassociate', edgeCase: 'no' }],
    ['off-path grace answers do not count', false, { kind: 'wrong_product', inGracePeriod: 'yes' }],
  ])('%s -> %s', (_label, expected, answers) => {
    expect(pathNeedsExpiry(answers)).toBe(expected);
    // the date does not change which questions the walk touches
    expect(pathNeedsExpiry(answers, facts('2026-03-11'))).toBe(expected);
    expect(pathNeedsExpiry(answers, facts('2026-03-05'))).toBe(expected);
  });
});

describe('chart structure', () => {
  const targets = (next: Next): string => ('question' in next ? `q:${next.question}` : `v:${next.verdict}`);

  test('QUESTIONS and VERDICTS are keyed by their own ids', () => {
    for (const id of ALL_QUESTIONS) expect(QUESTIONS[id].id).toBe(id);
    for (const id of ALL_VERDICTS) expect(VERDICTS[id].id).toBe(id);
    expect(ALL_QUESTIONS).toContain(START_QUESTION);
    expect(START_QUESTION).toBe('kind');
  });

  test('the verdict headlines are the ones of the written table; only "Ok to STAR" makes the STAR valid', () => {
    for (const id of ALL_VERDICTS) {
      expect(VERDICTS[id].headline).toBe(HEADLINE[id]);
      expect(VERDICTS[id].starValid).toBe(id === 'ok_to_star');
      expect(VERDICTS[id].explanation.length).toBeGreaterThan(0);
      expect(VERDICTS[id].emoji).toMatch(/^:[a-z0-9_+-]+:$/);
    }
  });

  test.each(ALL_QUESTIONS)('question %s: options are well formed and lead to an existing question or verdict', (id) => {
    const question = QUESTIONS[id];
    expect(question.prompt.length).toBeGreaterThan(0);
    expect(question.shortLabel.length).toBeGreaterThan(0);
    expect(question.options.length).toBeGreaterThanOrEqual(2);
    const values = question.options.map((o) => o.value);
    expect(new Set(values).size).toBe(values.length);
    const labels = question.options.map((o) => o.label);
    expect(new Set(labels).size).toBe(labels.length);
    for (const option of question.options) {
      expect(option.label.length).toBeGreaterThan(0);
      expect(option.label.length).toBeLessThanOrEqual(75);
      if ('question' in option.next) {
        expect(ALL_QUESTIONS).toContain(option.next.question);
        expect(option.next.question).not.toBe(id);
      } else {
        expect(ALL_VERDICTS).toContain(option.next.verdict);
      }
    }
  });

  test.each(ALL_QUESTIONS)('question %s: a derived question is a yes/no on the fact of the same name', (id) => {
    const question = QUESTIONS[id];
    if (DERIVED.includes(id)) {
      expect(question.derivedFrom).toBe(id);
      expect(question.options.map((o) => o.value).sort()).toEqual(['no', 'yes']);
    } else {
      expect(question.derivedFrom).toBeUndefined();
    }
  });

  test('the edge-case question explains what an edge case is', () => {
    expect(QUESTIONS.edgeCase.help).toBe(EDGE_CASE_DEFINITION);
  });

  test('every question and every verdict is reachable from the start', () => {
    const seen = new Set<string>([`q:${START_QUESTION}`]);
    const queue: QuestionId[] = [START_QUESTION];
    while (queue.length > 0) {
      const id = queue.shift()!;
      for (const option of QUESTIONS[id].options) {
        const key = targets(option.next);
        if (seen.has(key)) continue;
        seen.add(key);
        if ('question' in option.next) queue.push(option.next.question);
      }
    }
    for (const id of ALL_QUESTIONS) expect(seen).toContain(`q:${id}`);
    for (const id of ALL_VERDICTS) expect(seen).toContain(`v:${id}`);
  });

  test('the chart has no cycles', () => {
    const state = new Map<QuestionId, 'visiting' | 'done'>();
    const visit = (id: QuestionId, trail: QuestionId[]): void => {
      if (state.get(id) === 'done') return;
      if (state.get(id) === 'visiting') throw new Error(`cycle: ${[...trail, id].join(' -> ')}`);
      state.set(id, 'visiting');
      for (const option of QUESTIONS[id].options)
        if ('question' in option.next) visit(option.next.question, [...trail, id]);
      state.set(id, 'done');
    };
    expect(() => visit(START_QUESTION, [])).not.toThrow();
    for (const id of ALL_QUESTIONS) expect(() => visit(id, [])).not.toThrow();
  });

  test('every complete walk of the chart reaches a verdict and every answer set terminates', () => {
    for (const answers of allAnswerSets()) {
      expect(() => evaluateStarChart(answers)).not.toThrow();
    }
    for (const { steps, verdict } of enumeratePaths()) {
      const evaluation = evaluateStarChart(answersOf(steps));
      expect(evaluation.complete && evaluation.verdict.id).toBe(verdict);
    }
  });
});

// ---------- helpers that walk the chart itself ----------

/** All root-to-verdict paths of the chart. */
function enumeratePaths(): Array<{ steps: Step[]; verdict: VerdictId }> {
  const out: Array<{ steps: Step[]; verdict: VerdictId }> = [];
  const walk = (id: QuestionId, steps: Step[]): void => {
    for (const option of QUESTIONS[id].options) {
      const next = [...steps, [id, option.value] as Step];
      if ('verdict' in option.next) out.push({ steps: next, verdict: option.next.verdict });
      else walk(option.next.question, next);
    }
  };
  walk(START_QUESTION, []);
  return out;
}

/** Every prefix of every path, as answer sets (including the empty set). */
function allAnswerSets(): ChartAnswers[] {
  const sets = new Map<string, ChartAnswers>();
  sets.set('{}', {});
  for (const { steps } of enumeratePaths()) {
    for (let n = 1; n <= steps.length; n += 1) {
      const answers = answersOf(steps.slice(0, n));
      sets.set(JSON.stringify(answers), answers);
    }
  }
  return [...sets.values()];
}

/** Answer sets that answer every non-derived question on a path (what a person types when the date is known). */
function completeAnswerSetsWithoutDerived(): ChartAnswers[] {
  const sets = new Map<string, ChartAnswers>();
  for (const { steps } of enumeratePaths()) {
    const answers = answersOf(steps.filter(([q]) => !DERIVED.includes(q)));
    sets.set(JSON.stringify(answers), answers);
  }
  return [...sets.values()];
}
