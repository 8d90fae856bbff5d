/**
 * The trial follow-up repository (schema version 4) against both backends: idempotent jobs,
 * lease-based claims across two connections, once-per-request events, the dashboard look-ups and
 * the scheduled runs of the weekly digest.
 */
import type { LicenseRequestInput, Store } from '../../src/store';
import { storeBackends } from './support/backends';

const T0 = new Date('2026-11-21T10:00:00.000Z');
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);
const LEASE = 60_000;

const backends = storeBackends('lr-lifecycle-');

let seq = 0;
const input = (overrides: Partial<LicenseRequestInput> = {}): LicenseRequestInput => ({
  ticketUrl: `https://gitlab.zendesk.com/agent/tickets/${++seq}`,
  email: `admin+${seq}@customer.example`,
  userCount: 250,
  requestedBySlackId: 'U0ENGINEER',
  requestedByUsername: 'jdoe',
  licenseExpiresOn: '2026-11-01',
  scopeSummary: 'grace period ended 1 day ago',
  adapter: 'local',
  idempotencyKey: `view-${seq}`,
  ...overrides,
});

describe.each(backends)('$name lifecycle repository', (backend) => {
  const opened: Store[] = [];
  const locations: string[] = [];
  let location: string;
  let store: Store;

  const connect = async () => {
    const s = await backend.open(location);
    opened.push(s);
    return s;
  };

  beforeEach(async () => {
    location = await backend.newLocation();
    locations.push(location);
    store = await connect();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    for (const l of locations.splice(0)) backend.cleanUp(l);
  });

  async function generated(overrides: Partial<LicenseRequestInput> = {}, trialExpiresOn = '2026-12-01', now = T0) {
    const { record } = await store.requests.createRequest(input(overrides), now);
    return store.requests.updateRequest(record.id, { status: 'generated', trialExpiresOn }, now);
  }

  describe('jobs', () => {
    it('schedule is idempotent: the second call keeps the first due time', async () => {
      const first = await store.lifecycle.schedule({ requestId: 'r1', kind: 'reminder', dueAt: at(60) }, T0);
      const again = await store.lifecycle.schedule({ requestId: 'r1', kind: 'reminder', dueAt: at(999) }, at(1));
      expect(first).toEqual({
        id: 'r1:reminder',
        requestId: 'r1',
        kind: 'reminder',
        dueAt: at(60).toISOString(),
        attempts: 0,
      });
      expect(again).toEqual(first);
    });

    it('claims only due jobs, oldest first, and never the same job twice while leased (two connections)', async () => {
      const other = await connect();
      await store.lifecycle.schedule({ requestId: 'r1', kind: 'lapse', dueAt: at(20) }, T0);
      await store.lifecycle.schedule({ requestId: 'r2', kind: 'reminder', dueAt: at(10) }, T0);
      await store.lifecycle.schedule({ requestId: 'r3', kind: 'reminder', dueAt: at(90) }, T0);
      const [a, b] = await Promise.all([
        store.lifecycle.claimDue(at(30), LEASE, 'a', 10),
        other.lifecycle.claimDue(at(30), LEASE, 'b', 10),
      ]);
      const ids = [...a, ...b].map((job) => job.id);
      expect(ids.sort()).toEqual(['r1:lapse', 'r2:reminder']);
      const winner = a.length > 0 ? a : b;
      if (winner.length === 2) expect(winner.map((job) => job.id)).toEqual(['r2:reminder', 'r1:lapse']);
      // Leased: nobody gets them again until the lease runs out.
      expect(await other.lifecycle.claimDue(at(30.5), LEASE, 'c', 10)).toEqual([]);
      expect((await other.lifecycle.claimDue(at(31), LEASE, 'c', 10)).map((job) => job.id)).toEqual([
        'r2:reminder',
        'r1:lapse',
      ]);
    });

    it('of many concurrent claimers, each job goes to exactly one', async () => {
      const others = await Promise.all([connect(), connect(), connect()]);
      for (let i = 0; i < 12; i++)
        await store.lifecycle.schedule({ requestId: `r${i}`, kind: 'reminder', dueAt: at(i) }, T0);
      const claims = await Promise.all(
        [store, ...others].map((s, i) => s.lifecycle.claimDue(at(60), LEASE, `owner-${i}`, 5)),
      );
      const ids = claims.flat().map((job) => job.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(12);
    });

    it('complete only by the lease holder, while the lease lives; a done job is never claimed again', async () => {
      await store.lifecycle.schedule({ requestId: 'r1', kind: 'reminder', dueAt: at(0) }, T0);
      await store.lifecycle.claimDue(at(1), LEASE, 'a', 10);
      expect(await store.lifecycle.complete('r1:reminder', 'b', 'fired', at(1))).toBe(false);
      expect(await store.lifecycle.complete('r1:reminder', 'a', 'fired', at(1))).toBe(true);
      expect(await store.lifecycle.complete('r1:reminder', 'a', 'fired', at(1))).toBe(false);
      expect(await store.lifecycle.claimDue(at(1000), LEASE, 'c', 10)).toEqual([]);
    });

    it('a lost lease cannot complete: the job went to another replica', async () => {
      await store.lifecycle.schedule({ requestId: 'r1', kind: 'lapse', dueAt: at(0) }, T0);
      await store.lifecycle.claimDue(at(1), LEASE, 'a', 10);
      await store.lifecycle.claimDue(at(3), LEASE, 'b', 10);
      expect(await store.lifecycle.complete('r1:lapse', 'a', 'fired', at(3))).toBe(false);
      expect(await store.lifecycle.complete('r1:lapse', 'b', 'fired', at(3))).toBe(true);
    });

    it('renews the lease only for its live holder: the fence before the effect', async () => {
      await store.lifecycle.schedule({ requestId: 'r1', kind: 'reminder', dueAt: at(0) }, T0);
      await store.lifecycle.claimDue(at(1), LEASE, 'a', 10);
      expect(await store.lifecycle.renewLease('r1:reminder', 'b', at(1), LEASE)).toBe(false);
      expect(await store.lifecycle.renewLease('r1:reminder', 'a', at(1.5), LEASE)).toBe(true);
      // Renewed until 2.5: not free at 2 (the claim's own lease would have ended then).
      expect(await store.lifecycle.claimDue(at(2), LEASE, 'b', 10)).toEqual([]);
      await store.lifecycle.claimDue(at(3), LEASE, 'b', 10);
      expect(await store.lifecycle.renewLease('r1:reminder', 'a', at(3), LEASE)).toBe(false);
    });

    it('reschedule counts failures, keeps the last error and releases the lease', async () => {
      await store.lifecycle.schedule({ requestId: 'r1', kind: 'reminder', dueAt: at(0) }, T0);
      await store.lifecycle.claimDue(at(1), LEASE, 'a', 10);
      expect(await store.lifecycle.reschedule('r1:reminder', 'a', at(5), 'Slack answered 500', at(1))).toBe(true);
      expect(await store.lifecycle.claimDue(at(4), LEASE, 'a', 10)).toEqual([]);
      const [job] = await store.lifecycle.claimDue(at(5), LEASE, 'b', 10);
      expect(job).toMatchObject({ attempts: 1, lastError: 'Slack answered 500', dueAt: at(5).toISOString() });
      // Given back early without an error: no failure counted.
      expect(await store.lifecycle.reschedule('r1:reminder', 'b', at(9), undefined, at(5))).toBe(true);
      const [again] = await store.lifecycle.claimDue(at(9), LEASE, 'b', 10);
      expect(again).toMatchObject({ attempts: 1, lastError: 'Slack answered 500' });
    });

    it('survives a reopen (a restart): the job is still there, still due', async () => {
      await store.lifecycle.schedule({ requestId: 'r1', kind: 'reminder', dueAt: at(10) }, T0);
      await store.close();
      const reopened = await connect();
      expect((await reopened.lifecycle.claimDue(at(600), LEASE, 'after-restart', 10)).map((job) => job.id)).toEqual([
        'r1:reminder',
      ]);
    });
  });

  describe('events and resolution', () => {
    it('reminder, resolution, needs L&R and lapse are recorded once; copies as often as they happen', async () => {
      const first = await store.lifecycle.recordEvent({
        requestId: 'r1',
        type: 'resolved',
        at: at(5).toISOString(),
        bySlackId: 'U0A',
      });
      const second = await store.lifecycle.recordEvent({
        requestId: 'r1',
        type: 'resolved',
        at: at(6).toISOString(),
        bySlackId: 'U0B',
      });
      expect(first.recorded).toBe(true);
      expect(second).toEqual({
        recorded: false,
        event: { requestId: 'r1', type: 'resolved', at: at(5).toISOString(), bySlackId: 'U0A' },
      });
      await store.lifecycle.recordEvent({
        requestId: 'r1',
        type: 'reminder_sent',
        at: at(1).toISOString(),
        lateByMs: 7_200_000,
      });
      expect(
        (await store.lifecycle.recordEvent({ requestId: 'r1', type: 'reminder_sent', at: at(2).toISOString() }))
          .recorded,
      ).toBe(false);
      await store.lifecycle.recordEvent({
        requestId: 'r1',
        type: 'copy_sent',
        at: at(3).toISOString(),
        bySlackId: 'U0C',
      });
      await store.lifecycle.recordEvent({
        requestId: 'r1',
        type: 'copy_sent',
        at: at(4).toISOString(),
        bySlackId: 'U0C',
      });
      await store.lifecycle.recordEvent({
        requestId: 'r2',
        type: 'needs_lr',
        at: at(4).toISOString(),
        bySlackId: 'U0D',
      });
      expect(await store.lifecycle.listEvents('r1')).toEqual([
        { requestId: 'r1', type: 'reminder_sent', at: at(1).toISOString(), lateByMs: 7_200_000 },
        { requestId: 'r1', type: 'copy_sent', at: at(3).toISOString(), bySlackId: 'U0C' },
        { requestId: 'r1', type: 'copy_sent', at: at(4).toISOString(), bySlackId: 'U0C' },
        { requestId: 'r1', type: 'resolved', at: at(5).toISOString(), bySlackId: 'U0A' },
      ]);
      expect(await store.lifecycle.resolution('r1')).toEqual({
        resolvedAt: at(5).toISOString(),
        resolvedBySlackId: 'U0A',
      });
      expect(await store.lifecycle.resolution('r2')).toEqual({
        needsLrAt: at(4).toISOString(),
        needsLrBySlackId: 'U0D',
      });
      expect(await store.lifecycle.resolution('r3')).toEqual({});
    });

    it('two replicas resolving at once: exactly one records it', async () => {
      const other = await connect();
      const results = await Promise.all([
        store.lifecycle.recordEvent({ requestId: 'r1', type: 'resolved', at: at(1).toISOString(), bySlackId: 'U0A' }),
        other.lifecycle.recordEvent({ requestId: 'r1', type: 'resolved', at: at(1).toISOString(), bySlackId: 'U0B' }),
      ]);
      expect(results.filter((r) => r.recorded)).toHaveLength(1);
      expect(results[0].event.bySlackId).toBe(results[1].event.bySlackId);
    });
  });

  describe('dashboard look-ups', () => {
    it('open trials: generated, not resolved, not lapsed before the given day; soonest first', async () => {
      const late = await generated({}, '2026-12-03');
      const soon = await generated({}, '2026-12-01');
      const resolved = await generated({}, '2026-12-02');
      await generated({}, '2026-11-10'); // lapsed long ago
      await store.requests.createRequest(input(), T0); // pending
      await store.lifecycle.recordEvent({
        requestId: resolved.id,
        type: 'resolved',
        at: T0.toISOString(),
        bySlackId: 'U0A',
      });
      expect(await store.lifecycle.openTrialIds('2026-11-20', 10)).toEqual([soon.id, late.id]);
      expect(await store.lifecycle.openTrialIds('2026-11-20', 1)).toEqual([soon.id]);
    });

    it("a person's own requests and STAR checks, newest first", async () => {
      const a = await store.requests.createRequest(input({ requestedBySlackId: 'U0ME' }), at(1));
      await store.requests.createRequest(input({ requestedBySlackId: 'U0OTHER' }), at(2));
      const b = await store.requests.createRequest(input({ requestedBySlackId: 'U0ME' }), at(3));
      expect(await store.lifecycle.requestIdsBy('U0ME', 10)).toEqual([b.record.id, a.record.id]);
      const d1 = await store.decisions.recordDecision(
        { ticketUrl: 'https://t/1', decidedBySlackId: 'U0ME', verdict: 'no_need_for_star', inputs: { a: 1 } },
        at(1),
      );
      await store.decisions.recordDecision(
        { ticketUrl: 'https://t/2', decidedBySlackId: 'U0OTHER', verdict: 'ok_to_star', inputs: {} },
        at(2),
      );
      const d3 = await store.decisions.recordDecision(
        { ticketUrl: 'https://t/3', decidedBySlackId: 'U0ME', verdict: 'ok_to_star', inputs: {} },
        at(3),
      );
      expect(await store.lifecycle.decisionsBy('U0ME', 10)).toEqual([d3, d1]);
      expect(await store.lifecycle.decisionsBy('U0ME', 1)).toEqual([d3]);
    });
  });

  describe('scheduled runs (weekly digest)', () => {
    it('one replica takes a run; it is taken again only after its lease expires, and never once done', async () => {
      const other = await connect();
      const key = 'star-digest:2026-11-30T09:00:00.000Z';
      const claims = await Promise.all([
        store.lifecycle.claimRun(key, 'a', at(0), LEASE),
        other.lifecycle.claimRun(key, 'b', at(0), LEASE),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      const owner = claims[0] ? 'a' : 'b';
      expect(await store.lifecycle.claimRun(key, 'c', at(0.5), LEASE)).toBe(false);
      expect(await store.lifecycle.completeRun(key, 'c', at(0.5))).toBe(false);
      expect(await store.lifecycle.claimRun(key, 'c', at(2), LEASE)).toBe(true); // the first owner died
      expect(await store.lifecycle.completeRun(key, owner, at(2))).toBe(false);
      expect(await store.lifecycle.completeRun(key, 'c', at(2))).toBe(true);
      expect(await other.lifecycle.claimRun(key, 'd', at(100), LEASE)).toBe(false);
    });
  });
});
