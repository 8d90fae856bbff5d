/**
 * The generic leased-job kind over an in-memory table: what it claims, how each outcome is
 * recorded (completion, a retry with backoff() or a longer minimum, a wait, a failure for good),
 * the fence (work that lost its lease never reaches its side effect) and a run that throws.
 */
import { LeasedJobKind, type JobOutcome, type LeasedJobs, type Settled } from '../../src/shared/job-runner';

interface Job {
  id: string;
  attempts: number;
}

interface Row {
  job: Job;
  dueAt: number;
  state: 'pending' | 'done' | 'failed';
  owner?: string;
  leaseUntil?: number;
  lastError?: string;
}

const T0 = new Date('2026-12-07T10:00:00.000Z');
const LEASE = 60_000;
const RETRY = { minMs: 1_000, maxMs: 8_000 };

/** A leased-jobs table in memory, with the SQL tables' rules: a free lease or the same owner's. */
class MemoryJobs implements LeasedJobs<Job, string> {
  readonly rows = new Map<string, Row>();
  readonly claims: number[] = [];

  add(id: string, dueAt = T0.getTime(), attempts = 0): void {
    this.rows.set(id, { job: { id, attempts }, dueAt, state: 'pending' });
  }

  /** Another process takes the job over (this one's lease ran out meanwhile). */
  steal(id: string, owner: string, now: Date): void {
    const row = this.rows.get(id)!;
    row.owner = owner;
    row.leaseUntil = now.getTime() + LEASE;
  }

  async claimDue(owner: string, now: Date, limit: number, leaseMs: number): Promise<Job[]> {
    const t = now.getTime();
    const due = [...this.rows.values()]
      .filter((row) => row.state === 'pending' && row.dueAt <= t && (row.leaseUntil ?? 0) <= t)
      .sort((a, b) => a.dueAt - b.dueAt || a.job.id.localeCompare(b.job.id))
      .slice(0, limit);
    this.claims.push(due.length);
    for (const row of due) Object.assign(row, { owner, leaseUntil: t + leaseMs });
    return due.map((row) => ({ ...row.job }));
  }

  private held(job: Job, owner: string, now: Date): Row | undefined {
    const row = this.rows.get(job.id);
    return row?.state === 'pending' && row.owner === owner && (row.leaseUntil ?? 0) > now.getTime() ? row : undefined;
  }

  async renewLease(job: Job, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const row = this.held(job, owner, now);
    if (row) row.leaseUntil = now.getTime() + leaseMs;
    return Boolean(row);
  }

  private end(job: Job, owner: string, now: Date, change: Partial<Row>): boolean {
    const row = this.held(job, owner, now);
    if (row) Object.assign(row, change, { owner: undefined, leaseUntil: undefined });
    return Boolean(row);
  }

  async complete(job: Job, owner: string, _done: string, now: Date): Promise<boolean> {
    return this.end(job, owner, now, { state: 'done' });
  }

  async reschedule(job: Job, owner: string, at: Date, reason: string | undefined, now: Date): Promise<boolean> {
    const row = this.rows.get(job.id)!;
    const counted =
      reason === undefined ? {} : { job: { ...row.job, attempts: row.job.attempts + 1 }, lastError: reason };
    return this.end(job, owner, now, { dueAt: at.getTime(), ...counted });
  }

  async fail(job: Job, owner: string, reason: string, now: Date): Promise<boolean> {
    return this.end(job, owner, now, { state: 'failed', lastError: reason });
  }

  attempts(job: Job): number {
    return job.attempts;
  }
}

function world(run: (job: Job, fence: () => Promise<void>) => Promise<JobOutcome<string>>, perPass = 10) {
  const jobs = new MemoryJobs();
  let now = T0;
  const settled: Settled<Job, JobOutcome<string>>[] = [];
  const kind = new LeasedJobKind({
    name: 'test jobs',
    everyMs: 1_000,
    jobs,
    owner: 'replica-a',
    leaseMs: LEASE,
    clock: () => now,
    batch: { claim: 2, perPass },
    retry: RETRY,
    run,
    settled: (one) => {
      settled.push(one);
    },
  });
  return {
    jobs,
    kind,
    settled,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
    row: (id: string) => jobs.rows.get(id)!,
    at: (ms: number) => T0.getTime() + ms,
  };
}

it('claims the due jobs only, runs each once and completes it', async () => {
  const ran: string[] = [];
  const w = world(async (job, fence) => {
    await fence();
    ran.push(job.id);
    return { done: 'sent' };
  });
  w.jobs.add('a');
  w.jobs.add('b');
  w.jobs.add('later', w.at(5_000));
  const settled = await w.kind.pass();
  expect(ran).toEqual(['a', 'b']);
  expect(settled.map((one) => [one.job.id, one.ended])).toEqual([
    ['a', 'ran'],
    ['b', 'ran'],
  ]);
  expect(w.settled).toEqual(settled);
  expect([w.row('a').state, w.row('b').state, w.row('later').state]).toEqual(['done', 'done', 'pending']);
  expect(await w.kind.pass()).toEqual([]);
});

it('claims in batches up to the per-pass limit, each batch under a fresh lease', async () => {
  const w = world(async () => ({ done: 'sent' }), 3);
  for (const id of ['a', 'b', 'c', 'd']) w.jobs.add(id);
  expect(await w.kind.pass()).toHaveLength(3);
  expect(w.jobs.claims).toEqual([2, 1]);
  expect(w.row('d').state).toBe('pending');
});

it('reschedules a retry with backoff() by the attempts so far, or a longer minimum delay', async () => {
  const minimums = [undefined, 30_000];
  const w = world(async () => ({ retry: 'Zendesk answered 503', notBeforeMs: minimums.shift() }));
  w.jobs.add('a', T0.getTime(), 2);
  const [first] = await w.kind.pass();
  // backoff(2) from 1 s: 4 s.
  expect(first).toMatchObject({ ended: 'ran', recorded: true, retryInMs: 4_000 });
  expect(w.row('a')).toMatchObject({ dueAt: w.at(4_000), lastError: 'Zendesk answered 503', job: { attempts: 3 } });
  w.advance(4_000);
  const [second] = await w.kind.pass();
  // backoff(3) is the bound, 8 s; Retry-After asks for 30 s and wins.
  expect(second).toMatchObject({ retryInMs: 30_000 });
  expect(w.row('a').dueAt).toBe(w.at(34_000));
});

it('gives a job claimed before its time back until then, without counting a failure', async () => {
  const w = world(async () => ({ wait: new Date(T0.getTime() + 90_000) }));
  w.jobs.add('a');
  const [one] = await w.kind.pass();
  expect(one).toMatchObject({ ended: 'ran', recorded: true });
  expect(w.row('a')).toMatchObject({ dueAt: w.at(90_000), state: 'pending', job: { attempts: 0 } });
});

it('fails a job for good', async () => {
  const w = world(async () => ({ failed: 'Zendesk refused it (403)' }));
  w.jobs.add('a');
  await w.kind.pass();
  expect(w.row('a')).toMatchObject({ state: 'failed', lastError: 'Zendesk refused it (403)' });
  expect(await w.kind.pass()).toEqual([]);
});

it('stops work that lost its lease at the fence: no side effect, nothing recorded', async () => {
  const effects: string[] = [];
  const w = world(async (job, fence) => {
    // The job is slow to start; meanwhile its lease ran out and another replica took it.
    w.advance(LEASE + 1);
    w.jobs.steal(job.id, 'replica-b', new Date(w.at(LEASE + 1)));
    await fence();
    effects.push(job.id);
    return { done: 'sent' };
  });
  w.jobs.add('a');
  const [one] = await w.kind.pass();
  expect(one).toEqual({ job: { id: 'a', attempts: 0 }, ended: 'lost' });
  expect(effects).toEqual([]);
  expect(w.row('a')).toMatchObject({ state: 'pending', owner: 'replica-b', job: { attempts: 0 } });
});

it('reschedules a job whose run throws with backoff(): it comes back, it is not lost', async () => {
  let throws = true;
  const w = world(async () => {
    if (throws) throw new Error('database hiccup');
    return { done: 'sent' };
  });
  w.jobs.add('a');
  w.jobs.add('b');
  const settled = await w.kind.pass();
  expect(settled.map((one) => one.ended)).toEqual(['threw', 'threw']);
  expect(settled[0]).toMatchObject({ error: 'database hiccup', recorded: true, retryInMs: 1_000 });
  expect(w.row('a')).toMatchObject({ state: 'pending', dueAt: w.at(1_000), lastError: 'database hiccup' });
  expect(w.row('a').owner).toBeUndefined();
  throws = false;
  expect(await w.kind.pass()).toEqual([]);
  w.advance(1_000);
  expect((await w.kind.pass()).map((one) => one.ended)).toEqual(['ran', 'ran']);
  expect([w.row('a').state, w.row('b').state]).toEqual(['done', 'done']);
});
