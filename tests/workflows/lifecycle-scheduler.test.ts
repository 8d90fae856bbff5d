import type { LifecycleRequest } from '../../src/store/lifecycle-jobs';
import {
  LifecycleScheduler,
  type LifecycleEffects,
  type LifecycleFireContext,
  type LifecycleSchedulerOptions,
} from '../../src/workflows/lifecycle-scheduler';
import { InMemoryLifecycleJobs } from './support/in-memory-lifecycle-jobs';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** A 10-day trial generated Saturday 21 Nov 2026 10:00 UTC; it stops at 00:00 UTC on 1 Dec. */
const GENERATED_AT = '2026-11-21T10:00:00.000Z';
const REMINDER_DUE = '2026-11-29T00:00:00.000Z'; // 48 h before
const LAPSE = '2026-12-01T00:00:00.000Z';

interface Fired {
  kind: 'reminder' | 'lapse';
  requestId: string;
  at: string;
  late: boolean;
  lateByMs: number;
}

/** A world with a settable clock, the requests as the store would return them, and recorded effects. */
function world(options: { leadHours?: number } = {}) {
  let now = new Date(GENERATED_AT);
  const requests = new Map<string, LifecycleRequest>();
  const fired: Fired[] = [];
  let failNext = 0;
  const record = (kind: Fired['kind']) => async (request: LifecycleRequest, context: LifecycleFireContext) => {
    if (failNext > 0) {
      failNext -= 1;
      throw new Error('Slack answered 500');
    }
    fired.push({
      kind,
      requestId: request.id,
      at: context.now.toISO()!,
      late: context.lateness.late,
      lateByMs: context.lateness.byMs,
    });
  };
  const effects: LifecycleEffects = { sendReminder: record('reminder'), markLapsed: record('lapse') };
  const jobs = new InMemoryLifecycleJobs();
  const scheduler = (owner = 'replica-a', over: Partial<LifecycleSchedulerOptions> = {}) =>
    new LifecycleScheduler({
      jobs,
      requests: { getLifecycleRequest: async (id) => (requests.has(id) ? { ...requests.get(id)! } : undefined) },
      effects,
      clock: () => now,
      owner,
      leadHours: options.leadHours,
      ...over,
    });
  const add = (over: Partial<LifecycleRequest> = {}): LifecycleRequest => {
    const request: LifecycleRequest = {
      id: 'req-1',
      status: 'generated',
      trialExpiresOn: '2026-12-01',
      generatedAt: GENERATED_AT,
      ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/1',
      email: 'jane@example.com',
      userCount: 250,
      requestedBySlackId: 'U0ENGINEER',
      ...over,
    };
    requests.set(request.id, request);
    return request;
  };
  return {
    jobs,
    fired,
    scheduler,
    add,
    update: (id: string, over: Partial<LifecycleRequest>) => requests.set(id, { ...requests.get(id)!, ...over }),
    setNow: (iso: string) => {
      now = new Date(iso);
    },
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
    failNextEffects: (n: number) => {
      failNext = n;
    },
  };
}

describe('LifecycleScheduler', () => {
  test('sends the reminder once at the lead time, and not before', async () => {
    const w = world();
    const s = w.scheduler();
    const tracked = await s.track(w.add());
    expect(tracked?.reminder.dueAt).toBe(REMINDER_DUE);
    expect(tracked?.lapse.dueAt).toBe(LAPSE);

    w.setNow('2026-11-28T23:59:59.000Z');
    expect(await s.runOnce()).toEqual([]);
    w.setNow(REMINDER_DUE);
    const results = await s.runOnce();
    expect(results.map((r) => [r.kind, r.result])).toEqual([['reminder', 'fired']]);
    w.advance(HOUR);
    expect(await s.runOnce()).toEqual([]);
    expect(w.fired).toEqual([{ kind: 'reminder', requestId: 'req-1', at: REMINDER_DUE, late: false, lateByMs: 0 }]);
  });

  test('marks the lapse at expiry when still unresolved, once', async () => {
    const w = world();
    const s = w.scheduler();
    await s.track(w.add());
    w.setNow(REMINDER_DUE);
    await s.runOnce();
    w.setNow('2026-11-30T23:59:00.000Z');
    expect(await s.runOnce()).toEqual([]);
    w.setNow(LAPSE);
    expect((await s.runOnce()).map((r) => [r.kind, r.result])).toEqual([['lapse', 'fired']]);
    w.advance(24 * HOUR);
    expect(await s.runOnce()).toEqual([]);
    expect(w.fired.map((f) => [f.kind, f.at, f.late])).toEqual([
      ['reminder', REMINDER_DUE, false],
      ['lapse', LAPSE, false],
    ]);
  });

  test('"Resolved" before the reminder stops both', async () => {
    const w = world();
    const s = w.scheduler();
    await s.track(w.add());
    w.update('req-1', { resolvedAt: '2026-11-25T08:00:00.000Z' });
    w.setNow(REMINDER_DUE);
    expect((await s.runOnce()).map((r) => [r.kind, r.result, r.detail])).toEqual([['reminder', 'skipped', 'resolved']]);
    w.setNow(LAPSE);
    expect((await s.runOnce()).map((r) => [r.kind, r.result, r.detail])).toEqual([['lapse', 'skipped', 'resolved']]);
    w.advance(7 * 24 * HOUR);
    expect(await s.runOnce()).toEqual([]);
    expect(w.fired).toEqual([]);
    expect(w.jobs.inspect('req-1:lapse')?.outcome).toBe('skipped');
  });

  test('"Resolved" after the reminder stops the lapse', async () => {
    const w = world();
    const s = w.scheduler();
    await s.track(w.add());
    w.setNow(REMINDER_DUE);
    await s.runOnce();
    w.update('req-1', { resolvedAt: '2026-11-29T10:00:00.000Z' });
    w.setNow(LAPSE);
    await s.runOnce();
    expect(w.fired.map((f) => f.kind)).toEqual(['reminder']);
  });

  test('a restart across the due time sends the reminder late, once', async () => {
    const w = world();
    const before = w.scheduler('replica-a');
    await before.track(w.add());
    w.setNow('2026-11-28T20:00:00.000Z');
    expect(await before.runOnce()).toEqual([]);
    // the bot is down from 20:00 to 09:00; a new process starts with the same jobs
    w.setNow('2026-11-29T09:00:00.000Z');
    const after = w.scheduler('replica-a-restarted');
    const results = await after.runOnce();
    expect(results.map((r) => [r.kind, r.result, r.lateByMs])).toEqual([['reminder', 'fired', 9 * HOUR]]);
    expect(await after.runOnce()).toEqual([]);
    expect(await w.scheduler('replica-a-again').runOnce()).toEqual([]);
    expect(w.fired).toEqual([
      { kind: 'reminder', requestId: 'req-1', at: '2026-11-29T09:00:00.000Z', late: true, lateByMs: 9 * HOUR },
    ]);
  });

  test('down across both the reminder and the lapse: only the lapse, late', async () => {
    const w = world();
    await w.scheduler().track(w.add());
    w.setNow('2026-12-01T06:00:00.000Z');
    const results = await w.scheduler('restarted').runOnce();
    expect(results.map((r) => [r.kind, r.result, r.detail])).toEqual([
      ['reminder', 'skipped', 'already_lapsed'],
      ['lapse', 'fired', undefined],
    ]);
    expect(w.fired).toEqual([
      { kind: 'lapse', requestId: 'req-1', at: '2026-12-01T06:00:00.000Z', late: true, lateByMs: 6 * HOUR },
    ]);
  });

  test('a lead time longer than the trial makes the reminder due at once', async () => {
    const w = world({ leadHours: 240 });
    const s = w.scheduler();
    const tracked = await s.track(w.add());
    expect(tracked?.reminder.dueAt).toBe(GENERATED_AT);
    expect((await s.runOnce()).map((r) => [r.kind, r.result])).toEqual([['reminder', 'fired']]);
    expect(w.fired).toEqual([{ kind: 'reminder', requestId: 'req-1', at: GENERATED_AT, late: false, lateByMs: 0 }]);
  });

  test.each(['refused', 'failed', 'pending'] as const)(
    'a %s request is never tracked and never reminded',
    async (status) => {
      const w = world();
      const s = w.scheduler();
      expect(await s.track(w.add({ status, trialExpiresOn: undefined }))).toBeUndefined();
      expect(w.jobs.size()).toBe(0);
      // even a job left over from before (or written by a buggy caller) does not fire
      await w.jobs.schedule({ requestId: 'req-1', kind: 'reminder', dueAt: new Date(REMINDER_DUE) });
      await w.jobs.schedule({ requestId: 'req-1', kind: 'lapse', dueAt: new Date(LAPSE) });
      w.setNow('2026-12-02T00:00:00.000Z');
      expect((await s.runOnce()).map((r) => [r.kind, r.result, r.detail])).toEqual([
        ['reminder', 'skipped', 'not_generated'],
        ['lapse', 'skipped', 'not_generated'],
      ]);
      expect(w.fired).toEqual([]);
    },
  );

  test('tracking twice schedules nothing twice', async () => {
    const w = world();
    const s = w.scheduler();
    const request = w.add();
    await s.track(request);
    await s.track(request);
    expect(w.jobs.size()).toBe(2);
    w.setNow(REMINDER_DUE);
    await s.runOnce();
    expect(w.fired).toHaveLength(1);
  });

  test('two replicas polling at the same moment send the reminder once', async () => {
    const w = world();
    await w.scheduler().track(w.add());
    w.setNow(REMINDER_DUE);
    const [a, b] = await Promise.all([w.scheduler('replica-a').runOnce(), w.scheduler('replica-b').runOnce()]);
    expect([...a, ...b].map((r) => r.result)).toEqual(['fired']);
    expect(w.fired).toHaveLength(1);
  });

  test('a replica that died holding the lease hands the job over after the lease', async () => {
    const w = world();
    await w.scheduler().track(w.add());
    w.setNow(REMINDER_DUE);
    // replica A claims the job and dies before running it
    expect(await w.jobs.claimDue(new Date(REMINDER_DUE), 5 * MINUTE, 'replica-a', 10)).toHaveLength(1);
    const b = w.scheduler('replica-b', { leaseMs: 5 * MINUTE });
    expect(await b.runOnce()).toEqual([]);
    w.advance(5 * MINUTE);
    expect((await b.runOnce()).map((r) => r.result)).toEqual(['fired']);
    expect(w.fired).toEqual([
      { kind: 'reminder', requestId: 'req-1', at: '2026-11-29T00:05:00.000Z', late: false, lateByMs: 5 * MINUTE },
    ]);
  });

  test('a replica whose lease ran out before the effect sends nothing; the replica holding it sends once', async () => {
    const w = world();
    const request = w.add();
    await w.scheduler().track(request);
    w.setNow(REMINDER_DUE);
    const slow = w.scheduler('replica-a', {
      leaseMs: 5 * MINUTE,
      requests: {
        // Replica A stalls past its lease while reading; replica B claims the job meanwhile.
        getLifecycleRequest: async () => {
          w.advance(5 * MINUTE);
          await w.jobs.claimDue(new Date('2026-11-29T00:05:00.000Z'), 5 * MINUTE, 'replica-b', 10);
          return request;
        },
      },
    });
    expect((await slow.runOnce()).map((r) => r.result)).toEqual(['lease_lost']);
    expect(w.fired).toEqual([]);
    w.advance(5 * MINUTE);
    expect((await w.scheduler('replica-b').runOnce()).map((r) => r.result)).toEqual(['fired']);
    expect(w.fired).toHaveLength(1);
  });

  test('a failed effect is retried later with a backoff, then sent once', async () => {
    const w = world();
    const s = w.scheduler('replica-a', { retry: { minMs: MINUTE, maxMs: 60 * MINUTE } });
    await s.track(w.add());
    w.setNow(REMINDER_DUE);
    w.failNextEffects(2);
    expect((await s.runOnce()).map((r) => [r.result, r.detail])).toEqual([['failed', 'Slack answered 500']]);
    expect(w.jobs.inspect('req-1:reminder')?.job).toMatchObject({
      attempts: 1,
      lastError: 'Slack answered 500',
      dueAt: '2026-11-29T00:01:00.000Z',
    });
    expect(await s.runOnce()).toEqual([]);
    w.advance(MINUTE);
    expect((await s.runOnce()).map((r) => r.result)).toEqual(['failed']);
    expect(w.jobs.inspect('req-1:reminder')?.job.dueAt).toBe('2026-11-29T00:03:00.000Z');
    w.advance(2 * MINUTE);
    expect((await s.runOnce()).map((r) => r.result)).toEqual(['fired']);
    expect(await s.runOnce()).toEqual([]);
    expect(w.fired).toHaveLength(1);
  });

  test('a job claimed before its time (a stale due time) waits for the real one', async () => {
    const w = world();
    w.add();
    await w.jobs.schedule({ requestId: 'req-1', kind: 'lapse', dueAt: new Date('2026-11-22T00:00:00.000Z') });
    w.setNow('2026-11-22T00:00:00.000Z');
    const s = w.scheduler();
    expect((await s.runOnce()).map((r) => [r.result, r.detail])).toEqual([['waiting', LAPSE]]);
    expect(w.jobs.inspect('req-1:lapse')?.job).toMatchObject({ dueAt: LAPSE, attempts: 0 });
    w.setNow(LAPSE);
    expect((await s.runOnce()).map((r) => r.result)).toEqual(['fired']);
  });

  test('a request that is gone is skipped', async () => {
    const w = world();
    await w.jobs.schedule({ requestId: 'ghost', kind: 'reminder', dueAt: new Date(REMINDER_DUE) });
    w.setNow(REMINDER_DUE);
    expect((await w.scheduler().runOnce()).map((r) => [r.result, r.detail])).toEqual([
      ['skipped', 'request_not_found'],
    ]);
  });
});
