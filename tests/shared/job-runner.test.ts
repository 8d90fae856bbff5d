import { backoff, JobRunner, type JobKind } from '../../src/shared/job-runner';

const silent = { error: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function countingKind(everyMs: number, extra: Partial<JobKind> = {}): JobKind & { passes: number } {
  const kind = {
    name: 'counting',
    everyMs,
    ...extra,
    passes: 0,
    pass: async () => {
      kind.passes += 1;
    },
  };
  return kind;
}

describe('JobRunner', () => {
  afterEach(() => jest.restoreAllMocks());

  it('keeps running passes while the wall clock stands still (a fixed clock) or jumps back', async () => {
    const frozen = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(frozen);
    const kind = countingKind(20);
    const runner = new JobRunner([kind], silent);
    runner.start();
    // The first pass at start, then one about every 20 ms of real time: waited for rather than counted
    // in a fixed time, which a loaded machine stretches.
    for (let waited = 0; kind.passes <= 3 && waited < 5_000; waited += 10) await sleep(10);
    await runner.stop();
    expect(kind.passes).toBeGreaterThan(3);
  });

  it('a kind with firstPassAfterMs leaves the start to the others and runs once the bot is serving', async () => {
    const work = countingKind(10);
    const housekeeping = countingKind(10, { name: 'housekeeping', firstPassAfterMs: 50 });
    const runner = new JobRunner([work, housekeeping], silent);
    runner.start();
    expect([work.passes, housekeeping.passes]).toEqual([1, 0]);
    for (let waited = 0; housekeeping.passes === 0 && waited < 5_000; waited += 10) await sleep(10);
    await runner.stop();
    expect(housekeeping.passes).toBeGreaterThan(0);
  });

  it('never runs two passes of one kind at once; a failing pass is logged and the next one runs', async () => {
    let running = 0;
    let overlapped = false;
    let calls = 0;
    const errors: string[] = [];
    const kind: JobKind = {
      name: 'slow',
      everyMs: 5,
      pass: async () => {
        calls += 1;
        running += 1;
        if (running > 1) overlapped = true;
        await sleep(30);
        running -= 1;
        if (calls === 1) throw new Error('boom');
      },
    };
    const runner = new JobRunner([kind], { error: (_obj, msg) => errors.push(msg) });
    runner.start();
    // Several passes, however long a loaded machine takes for them.
    for (let waited = 0; calls <= 3 && waited < 5_000; waited += 10) await sleep(10);
    await runner.stop();
    expect(overlapped).toBe(false);
    expect(calls).toBeGreaterThan(3);
    expect(errors).toEqual(['slow pass failed; will retry']);
  });

  it.each([
    [0, 1000],
    [1, 2000],
    [3, 8000],
    [20, 300_000],
    [-1, 1000],
  ])('backoff after %i failures is %i ms (doubling from the minimum, capped)', (failures, expected) => {
    expect(backoff(failures, { minMs: 1000, maxMs: 300_000 })).toBe(expected);
  });
});
