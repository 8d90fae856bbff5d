/**
 * One behaviour, two backends: every test here runs against the embedded SQLite store and the
 * PostgreSQL store alike (a fresh database per test). Backend-specific matters (SQLite's WAL and
 * file, PostgreSQL's migration lock and pool) are in sqlite-store.test.ts / postgres-store.test.ts.
 */
import type { LicenseRequestInput, LicenseRequestRecord, Store } from '../../src/store';
import { storeBackends } from './support/backends';

const T0 = new Date('2025-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const backends = storeBackends('lr-contract-');

const deliveryStatus = (r: LicenseRequestRecord) => (r.status === 'generated' ? r.delivery.status : undefined);

let seq = 0;
function input(overrides: Partial<LicenseRequestInput> = {}): LicenseRequestInput {
  seq++;
  return {
    ticketUrl: 'https://support.gitlab.com/hc/en-us/requests/100',
    email: 'Jane.Doe@Example.com',
    userCount: 250,
    requestedBySlackId: 'U123',
    requestedByUsername: 'jdoe',
    licenseExpiresOn: '2025-03-02',
    licenseKind: 'temporary',
    scopeSummary: 'expired within 30 days',
    adapter: 'local',
    idempotencyKey: `view-${seq}`,
    ...overrides,
  };
}

describe.each(backends)('$name store', (backend) => {
  const opened: Store[] = [];
  const locations: string[] = [];
  const where = new Map<Store, string>();

  /** A store on a new, empty database. */
  async function fresh(): Promise<Store> {
    const location = await backend.newLocation();
    locations.push(location);
    return second(undefined, location);
  }
  /** Another connection (another process or replica, as far as the store can tell) to the same database. */
  async function second(store: Store | undefined, location = where.get(store!)!): Promise<Store> {
    const opened_ = await backend.open(location);
    opened.push(opened_);
    where.set(opened_, location);
    return opened_;
  }

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    for (const l of locations.splice(0)) backend.cleanUp(l);
  });

  describe('license requests', () => {
    it('createRequest stores every field and returns a pending record', async () => {
      const store = await fresh();
      const req = input({ overrideJustification: 'manager approved' });
      const { record, outcome } = await store.requests.createRequest(req, T0);
      expect(outcome).toBe('created');
      expect(record).toEqual({
        ...req,
        id: expect.stringMatching(UUID_RE),
        status: 'pending',
        attempts: 0,
        createdAt: T0.toISOString(),
        updatedAt: T0.toISOString(),
      });
      expect(await store.requests.getRequest(record.id)).toEqual(record);
      expect(await store.requests.getRequest('nope')).toBeUndefined();
    });

    it('optional fields are absent (not null) when unset', async () => {
      const store = await fresh();
      const { record } = await store.requests.createRequest(input(), T0);
      for (const k of [
        'overrideJustification',
        'issueUrl',
        'failureReason',
        'refusalReason',
        'licensePath',
        'licenseFile',
        'trialExpiresOn',
        'delivery',
      ]) {
        expect(record).not.toHaveProperty(k);
      }
    });

    it('createRequest is idempotent on idempotencyKey', async () => {
      const store = await fresh();
      const first = await store.requests.createRequest(input({ idempotencyKey: 'view-X' }), T0);
      const again = await store.requests.createRequest(input({ idempotencyKey: 'view-X', userCount: 999 }), at(5));
      expect(again.outcome).toBe('existing');
      expect(again.record).toEqual(first.record);
      expect(await store.requests.findByTicket(first.record.ticketUrl, 10)).toHaveLength(1);
    });

    it('createRequest with a refusal reason stores the request refused in the insert, never pending', async () => {
      const store = await fresh();
      const created = await store.requests.createRequest(input({ idempotencyKey: 'view-R:refused' }), T0, {
        refusalReason: 'Out of scope.',
      });
      expect(created.outcome).toBe('created');
      expect(created.record).toMatchObject({ status: 'refused', refusalReason: 'Out of scope.', attempts: 0 });
      expect(await store.requests.getRequest(created.record.id)).toEqual(created.record);
      // A live request for the same ticket right after it is not a re-issue of the refused one.
      const next = await store.requests.createRequest(input({ idempotencyKey: 'view-R:override' }), at(1), {
        reissueWindowSince: T0,
      });
      expect(next.outcome).toBe('created');
    });

    it('createRequest creates exactly one record under concurrent calls, also from two connections', async () => {
      const a = await fresh();
      const b = await second(a);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? a : b).requests.createRequest(input({ idempotencyKey: 'same' }), at(i)),
        ),
      );
      expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
      expect(new Set(results.map((r) => r.record.id)).size).toBe(1);
    });

    it('updateRequest writes the new status with all its own fields and clears those of the old one', async () => {
      const store = await fresh();
      const { record } = await store.requests.createRequest(input(), T0);
      const generated = await store.requests.updateRequest(
        record.id,
        {
          status: 'generated',
          licensePath: '/licenses/x',
          licenseFile: 'LICENSE',
          trialExpiresOn: '2025-03-11',
          issuedToMismatch: { email: 'john@example.com', userCount: 25 },
        },
        at(10),
      );
      expect(generated).toMatchObject({
        status: 'generated',
        licensePath: '/licenses/x',
        licenseFile: 'LICENSE',
        trialExpiresOn: '2025-03-11',
        issuedToMismatch: { email: 'john@example.com', userCount: 25 },
        updatedAt: at(10).toISOString(),
        createdAt: T0.toISOString(),
      });
      const failed = await store.requests.updateRequest(
        record.id,
        { status: 'failed', failureReason: 'boom', issueUrl: 'https://gitlab.example.com/g/p/-/issues/1' },
        at(20),
      );
      expect(failed).toEqual({
        ...record,
        status: 'failed',
        failureReason: 'boom',
        issueUrl: 'https://gitlab.example.com/g/p/-/issues/1',
        updatedAt: at(20).toISOString(),
      });
      expect(await store.requests.getRequest(record.id)).toEqual(failed);
      const refused = await store.requests.updateRequest(
        record.id,
        { status: 'refused', refusalReason: 'out of scope' },
        at(30),
      );
      expect(refused).toEqual({
        ...record,
        status: 'refused',
        refusalReason: 'out of scope',
        updatedAt: at(30).toISOString(),
      });
      await expect(
        store.requests.updateRequest('missing', { status: 'failed', failureReason: 'x' }, T0),
      ).rejects.toThrow(/not found/);
    });

    it('claimRetry moves failed -> pending exactly once and bumps attempts', async () => {
      const store = await fresh();
      const other = await second(store);
      const { record } = await store.requests.createRequest(input(), T0);
      expect(await store.requests.claimRetry(record.id, at(1))).toBe(false); // pending, not failed
      await store.requests.updateRequest(record.id, { status: 'failed', failureReason: 'adapter down' }, at(2));

      const claims = await Promise.all([
        store.requests.claimRetry(record.id, at(3)),
        other.requests.claimRetry(record.id, at(3)),
      ]);
      expect(claims.sort()).toEqual([false, true]);
      const after = await store.requests.getRequest(record.id);
      expect(after).toMatchObject({ status: 'pending', attempts: 1, updatedAt: at(3).toISOString() });
      expect(after).not.toHaveProperty('failureReason'); // a fresh pending: the claim forgets the failure

      await store.requests.updateRequest(record.id, { status: 'failed', failureReason: 'x' }, at(4));
      expect(await store.requests.claimRetry(record.id, at(5))).toBe(true);
      expect((await store.requests.getRequest(record.id))?.attempts).toBe(2);
      await store.requests.updateRequest(record.id, { status: 'generated', trialExpiresOn: '2025-03-11' }, at(6));
      expect(await store.requests.claimRetry(record.id, at(7))).toBe(false);
      expect(await store.requests.claimRetry('missing', at(7))).toBe(false);
    });

    it('findByTicket and findByEmail return newest first, honour the limit, email is case-insensitive', async () => {
      const store = await fresh();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const email = i % 2 ? 'Mixed.Case@Example.COM' : 'mixed.case@example.com';
        ids.push(
          (await store.requests.createRequest(input({ ticketUrl: 'https://t/42', email }), at(i * 10))).record.id,
        );
      }
      await store.requests.createRequest(input({ ticketUrl: 'https://t/43', email: 'someone@else.com' }), at(100));
      const newestFirst = [...ids].reverse();

      expect((await store.requests.findByTicket('https://t/42', 10)).map((r) => r.id)).toEqual(newestFirst);
      expect((await store.requests.findByTicket('https://t/42', 2)).map((r) => r.id)).toEqual(newestFirst.slice(0, 2));
      expect(await store.requests.findByTicket('https://t/404', 10)).toEqual([]);
      expect(await store.requests.findByTicket('https://t/42', 0)).toEqual([]);

      expect((await store.requests.findByEmail('MIXED.case@example.com', 10)).map((r) => r.id)).toEqual(newestFirst);
      expect((await store.requests.findByEmail('mixed.case@EXAMPLE.com', 3)).map((r) => r.id)).toEqual(
        newestFirst.slice(0, 3),
      );
      const [withOriginalCase] = await store.requests.findByEmail('mixed.case@example.com', 1);
      expect(withOriginalCase?.email).toBe('mixed.case@example.com'); // stored as typed
      expect(await store.requests.findByEmail('nobody@example.com', 10)).toEqual([]);
    });

    it('createdSince: every status created from that instant on, oldest first, within the limit', async () => {
      const store = await fresh();
      const made: string[] = [];
      for (let i = 0; i < 4; i++)
        made.push((await store.requests.createRequest(input({ ticketUrl: `https://t/${i}` }), at(i * 10))).record.id);
      const created = await store.requests.createRequest(input({ ticketUrl: 'https://t/9' }), at(40), {
        refusalReason: 'out of scope',
      });
      await store.requests.updateRequest(made[2], { status: 'failed', failureReason: 'x' }, at(41));
      await store.requests.updateRequest(made[3], { status: 'generated', trialExpiresOn: '2025-03-11' }, at(42));

      const since = await store.requests.createdSince(at(10), 10);
      expect(since.map((r) => [r.id, r.status])).toEqual([
        [made[1], 'pending'],
        [made[2], 'failed'],
        [made[3], 'generated'],
        [created.record.id, 'refused'],
      ]);
      expect((await store.requests.createdSince(at(10), 2)).map((r) => r.id)).toEqual([made[1], made[2]]);
      expect(await store.requests.createdSince(at(50), 10)).toEqual([]);
    });
  });

  describe('audit outbox', () => {
    const msg = (key: string, text = `text of ${key}`) => ({
      key,
      channel: 'C-AUDIT',
      text,
      blocks: [{ type: 'section', text }],
    });

    it('enqueue creates version 1, due now; get returns it', async () => {
      const store = await fresh();
      const entry = await store.outbox.enqueue({ ...msg('req-1'), threadOfKey: 'parent' }, T0);
      expect(entry).toEqual({
        key: 'req-1',
        channel: 'C-AUDIT',
        text: 'text of req-1',
        blocks: [{ type: 'section', text: 'text of req-1' }],
        threadOfKey: 'parent',
        version: 1,
        deliveredVersion: 0,
        attempts: 0,
        nextAttemptAt: T0.toISOString(),
        createdAt: T0.toISOString(),
      });
      expect(entry).not.toHaveProperty('ts');
      expect(await store.outbox.get('req-1')).toEqual(entry);
      expect(await store.outbox.get('missing')).toBeUndefined();
      expect(await store.outbox.backlog()).toBe(1);
    });

    it('versioning: deliver v1, enqueue v2 -> due again with ts kept; deliver v2 clears it', async () => {
      const store = await fresh();
      await store.outbox.enqueue(msg('req-1', 'pending'), T0);
      expect((await store.outbox.due(at(1), 10)).map((e) => e.key)).toEqual(['req-1']);
      await store.outbox.markDelivered('req-1', 'replica-a', 1, '1700000000.000100', at(1));
      expect(await store.outbox.due(at(2), 10)).toEqual([]);
      expect(await store.outbox.backlog()).toBe(0);

      const v2 = await store.outbox.enqueue({ ...msg('req-1', 'generated'), channel: 'C-OTHER' }, at(5));
      expect(v2).toMatchObject({
        version: 2,
        deliveredVersion: 1,
        ts: '1700000000.000100',
        text: 'generated',
        channel: 'C-AUDIT', // already posted: the message cannot move
        createdAt: T0.toISOString(),
        nextAttemptAt: at(5).toISOString(),
      });
      const due = await store.outbox.due(at(5), 10);
      expect(due).toHaveLength(1);
      expect(due[0]).toMatchObject({ key: 'req-1', version: 2, ts: '1700000000.000100', text: 'generated' });
      expect(await store.outbox.backlog()).toBe(1);

      await store.outbox.markDelivered('req-1', 'replica-a', 2, '1700000000.000100', at(6));
      expect(await store.outbox.due(at(7), 10)).toEqual([]);
      expect(await store.outbox.get('req-1')).toMatchObject({ version: 2, deliveredVersion: 2 });
    });

    it('delivering an old version never marks the newer one delivered', async () => {
      const store = await fresh();
      await store.outbox.enqueue(msg('k'), T0); // v1
      await store.outbox.enqueue(msg('k', 'newer'), at(1)); // v2 while v1 is in flight
      await store.outbox.markDelivered('k', 'replica-a', 1, '111.222', at(2)); // the v1 send completes late
      expect(await store.outbox.get('k')).toMatchObject({ version: 2, deliveredVersion: 1, ts: '111.222' });
      expect((await store.outbox.due(at(2), 10)).map((e) => [e.key, e.version])).toEqual([['k', 2]]);

      await store.outbox.markDelivered('k', 'replica-a', 2, '111.222', at(3));
      await store.outbox.markDelivered('k', 'replica-a', 1, '111.222', at(4)); // a stale ack arriving after v2's
      expect(await store.outbox.get('k')).toMatchObject({ version: 2, deliveredVersion: 2 });
      expect(await store.outbox.due(at(5), 10)).toEqual([]);
      await expect(store.outbox.markDelivered('missing', 'replica-a', 1, '1.2', at(5))).resolves.toEqual({});
    });

    it('a second copy recorded after the first: the first stays live, and the caller is told (issue 18)', async () => {
      const store = await fresh();
      await store.outbox.enqueue(msg('twice'), at(1));
      expect(await store.outbox.markDelivered('twice', 'replica-a', 1, '111.001', at(2))).toEqual({});
      expect(await store.outbox.markDelivered('twice', 'replica-a', 1, '111.001', at(2))).toEqual({});
      expect(await store.outbox.markDelivered('twice', 'replica-a', 1, '111.002', at(3))).toEqual({
        keptTs: '111.001',
      });
      expect(await store.outbox.get('twice')).toMatchObject({ ts: '111.001', deliveredVersion: 1 });
    });

    it('re-enqueueing resets attempts, last error and backoff; channel may change while never posted', async () => {
      const store = await fresh();
      await store.outbox.enqueue(msg('k'), T0);
      await store.outbox.claimDue('replica-a', T0, 10, 1_000);
      await store.outbox.markFailed('k', 'replica-a', 'rate_limited', at(3600));
      await store.outbox.claimDue('replica-a', at(3600), 10, 1_000);
      await store.outbox.markFailed('k', 'replica-a', 'rate_limited', at(7200));
      expect(await store.outbox.get('k')).toMatchObject({ attempts: 2, lastError: 'rate_limited' });
      const again = await store.outbox.enqueue({ ...msg('k', 'v2'), channel: 'C-NEW' }, at(10));
      expect(again).toMatchObject({ version: 2, attempts: 0, nextAttemptAt: at(10).toISOString(), channel: 'C-NEW' });
      expect(again).not.toHaveProperty('lastError');
      expect(again).not.toHaveProperty('ts');
      expect((await store.outbox.due(at(10), 10)).map((e) => e.key)).toEqual(['k']);
    });

    it('due is ordered by createdAt (ties in insertion order), honours limit, skips delivered and future', async () => {
      const store = await fresh();
      await store.outbox.enqueue(msg('c'), at(30));
      await store.outbox.enqueue(msg('a'), at(10));
      await store.outbox.enqueue(msg('b'), at(20));
      await store.outbox.enqueue(msg('tie-1'), at(40));
      await store.outbox.enqueue(msg('tie-2'), at(40));
      await store.outbox.enqueue(msg('delivered'), at(5));
      await store.outbox.markDelivered('delivered', 'replica-a', 1, '1.1', at(6));
      await store.outbox.enqueue(msg('later'), at(1000)); // not due yet at t=100

      expect((await store.outbox.due(at(100), 10)).map((e) => e.key)).toEqual(['a', 'b', 'c', 'tie-1', 'tie-2']);
      expect((await store.outbox.due(at(100), 2)).map((e) => e.key)).toEqual(['a', 'b']);
      expect(await store.outbox.due(at(100), 0)).toEqual([]);
      expect((await store.outbox.due(at(1000), 10)).map((e) => e.key)).toEqual([
        'a',
        'b',
        'c',
        'tie-1',
        'tie-2',
        'later',
      ]);
      expect(await store.outbox.backlog()).toBe(6);
    });

    it('markFailed increments attempts and its backoff is respected by due()', async () => {
      const store = await fresh();
      await store.outbox.enqueue(msg('a'), T0);
      await store.outbox.enqueue(msg('b'), at(1));
      expect(await store.outbox.markFailed('a', 'replica-a', 'channel_not_found', at(60))).toBe(false); // not claimed
      await store.outbox.claimDue('replica-a', T0, 10, 1_000);
      expect(await store.outbox.markFailed('a', 'replica-a', 'channel_not_found', at(60))).toBe(true);
      expect(await store.outbox.get('a')).toMatchObject({
        attempts: 1,
        lastError: 'channel_not_found',
        nextAttemptAt: at(60).toISOString(),
        version: 1,
        deliveredVersion: 0,
      });
      expect((await store.outbox.due(at(59), 10)).map((e) => e.key)).toEqual(['b']);
      expect((await store.outbox.due(at(60), 10)).map((e) => e.key)).toEqual(['a', 'b']); // inclusive, created_at order
      expect(await store.outbox.backlog()).toBe(2); // backing-off entries still count as backlog
      await expect(store.outbox.markFailed('missing', 'replica-a', 'x', at(1))).resolves.toBe(false);
    });
  });

  describe('STAR decisions', () => {
    it('records decisions with JSON inputs and lists them since a date, oldest first', async () => {
      const store = await fresh();
      const d1 = await store.decisions.recordDecision(
        {
          ticketUrl: 'https://t/1',
          decidedBySlackId: 'U1',
          verdict: 'valid',
          inputs: { answers: [1, 'b'], nested: { ok: true } },
        },
        at(10),
      );
      expect(d1).toEqual({
        id: expect.stringMatching(UUID_RE),
        ticketUrl: 'https://t/1',
        decidedBySlackId: 'U1',
        verdict: 'valid',
        inputs: { answers: [1, 'b'], nested: { ok: true } },
        createdAt: at(10).toISOString(),
      });
      const d0 = await store.decisions.recordDecision(
        { ticketUrl: 'https://t/0', decidedBySlackId: 'U2', verdict: 'invalid', inputs: {} },
        at(5),
      );
      const d2 = await store.decisions.recordDecision(
        { ticketUrl: 'https://t/2', decidedBySlackId: 'U1', verdict: 'valid', inputs: {} },
        at(20),
      );
      expect(await store.decisions.listDecisions(at(0))).toEqual([d0, d1, d2]);
      expect((await store.decisions.listDecisions(at(10))).map((d) => d.id)).toEqual([d1.id, d2.id]);
      expect(await store.decisions.listDecisions(at(21))).toEqual([]);
    });
  });

  describe('user preferences', () => {
    it('returns {} for unknown users and merges saves (undefined keeps the old value)', async () => {
      const store = await fresh();
      expect(await store.preferences.getPreferences('U1')).toEqual({});
      await store.preferences.savePreferences('U1', { gitlabUsername: 'jdoe' }, T0);
      expect(await store.preferences.getPreferences('U1')).toEqual({ gitlabUsername: 'jdoe' });
      await store.preferences.savePreferences('U1', { timeZone: 'America/New_York' }, at(1));
      expect(await store.preferences.getPreferences('U1')).toEqual({
        gitlabUsername: 'jdoe',
        timeZone: 'America/New_York',
      });
      await store.preferences.savePreferences('U1', { gitlabUsername: 'jane', timeZone: undefined }, at(2));
      expect(await store.preferences.getPreferences('U1')).toEqual({
        gitlabUsername: 'jane',
        timeZone: 'America/New_York',
      });
      await store.preferences.savePreferences('U2', {}, at(3));
      expect(await store.preferences.getPreferences('U2')).toEqual({});
      expect(await store.preferences.getPreferences('U1')).toEqual({
        gitlabUsername: 'jane',
        timeZone: 'America/New_York',
      });
    });
  });

  describe('atomic createRequest (duplicate check in the same transaction as the insert)', () => {
    const window = { reissueWindowSince: at(-10 * 86_400) };

    it('10 concurrent creates for the same ticket from two connections: exactly 1 created, 9 duplicates naming it', async () => {
      const a = await fresh();
      const b = await second(a);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? a : b).requests.createRequest(
            input({ ticketUrl: 'https://t/race', email: `engineer${i}@corp.com`, idempotencyKey: `race-${i}` }),
            at(i),
            window,
          ),
        ),
      );
      const created = results.filter((r) => r.outcome === 'created');
      expect(created).toHaveLength(1);
      const winner = created[0].outcome === 'created' ? created[0].record : undefined;
      for (const r of results.filter((x) => x.outcome !== 'created')) {
        expect(r).toEqual({ outcome: 'duplicates', duplicates: [winner] });
      }
      expect(await a.requests.findByTicket('https://t/race', 50)).toHaveLength(1);
    });

    it('10 concurrent creates for the same email in any case (different tickets): exactly 1 created', async () => {
      const a = await fresh();
      const b = await second(a);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? a : b).requests.createRequest(
            input({ ticketUrl: `https://t/${i}`, email: i % 2 ? 'Ops@Corp.com' : 'ops@CORP.com' }),
            at(i),
            window,
          ),
        ),
      );
      expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
      expect(results.filter((r) => r.outcome === 'duplicates')).toHaveLength(9);
      expect(await a.requests.findByEmail('OPS@corp.com', 50)).toHaveLength(1);
    });

    it('a redelivery of the same submission is existing, not a duplicate, also when racing', async () => {
      const a = await fresh();
      const b = await second(a);
      const same = input({ idempotencyKey: 'view-same' });
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).requests.createRequest(same, at(i), window)),
      );
      expect(results.map((r) => r.outcome).sort()).toEqual([
        'created',
        'existing',
        'existing',
        'existing',
        'existing',
        'existing',
      ]);
      const ids = new Set(results.map((r) => (r.outcome === 'duplicates' ? undefined : r.record.id)));
      expect(ids.size).toBe(1);
    });

    it('duplicates: pending/generated for the same ticket OR email since the window start, newest first; failed/refused/older do not count', async () => {
      const store = await fresh();
      const base = { ticketUrl: 'https://t/1', email: 'Ops@Corp.com' };
      const old = (await store.requests.createRequest(input({ ...base }), at(0))).record;
      const byTicket = (await store.requests.createRequest(input({ ...base, email: 'x@y.z' }), at(100))).record;
      const byEmail = (
        await store.requests.createRequest(
          input({ ...base, ticketUrl: 'https://t/other', email: 'OPS@corp.com' }),
          at(200),
        )
      ).record;
      await store.requests.updateRequest(byEmail.id, { status: 'generated', trialExpiresOn: '2025-03-11' }, at(201));
      const failed = (await store.requests.createRequest(input({ ...base }), at(300))).record;
      await store.requests.updateRequest(failed.id, { status: 'failed', failureReason: 'x' }, at(301));
      const refused = (await store.requests.createRequest(input({ ...base }), at(400))).record;
      await store.requests.updateRequest(refused.id, { status: 'refused', refusalReason: 'x' }, at(401));

      const result = await store.requests.createRequest(input({ ...base, email: 'ops@corp.COM' }), at(500), {
        reissueWindowSince: at(100),
      });
      expect(result.outcome).toBe('duplicates');
      const ids = result.outcome === 'duplicates' ? result.duplicates.map((r) => r.id) : [];
      expect(ids).toEqual([byEmail.id, byTicket.id]); // not `old` (before the window), not failed/refused
      expect(ids).not.toContain(old.id);

      // No window: the confirmed re-issue is stored.
      expect((await store.requests.createRequest(input({ ...base }), at(600))).outcome).toBe('created');
      // A window after every pending/generated one: stored too.
      expect(
        (await store.requests.createRequest(input({ ...base }), at(700), { reissueWindowSince: at(650) })).outcome,
      ).toBe('created');
      expect(
        (
          await store.requests.createRequest(
            input({ ticketUrl: 'https://t/new', email: 'new@corp.com' }),
            at(800),
            window,
          )
        ).outcome,
      ).toBe('created');
    });
  });

  describe('claimRetry under concurrency', () => {
    it('10 concurrent claims of one failed request from two connections: exactly one wins, attempts + 1', async () => {
      const a = await fresh();
      const b = await second(a);
      const { record } = await a.requests.createRequest(input(), T0);
      await a.requests.updateRequest(record.id, { status: 'failed', failureReason: 'adapter down' }, at(1));
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).requests.claimRetry(record.id, at(2))),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await b.requests.getRequest(record.id)).toMatchObject({ status: 'pending', attempts: 1 });
    });
  });

  describe('outbox lease (claimDue)', () => {
    const msg = (key: string) => ({ key, channel: 'C-AUDIT', text: `text of ${key}`, blocks: [] });

    it('two claimers never get the same entry, also when racing from two connections', async () => {
      const a = await fresh();
      const b = await second(a);
      for (let i = 0; i < 30; i++) await a.outbox.enqueue(msg(`k${String(i).padStart(2, '0')}`), at(i));
      const rounds = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).outbox.claimDue(`replica-${i}`, at(100), 5, 60_000)),
      );
      const keys = rounds.flat().map((e) => e.key);
      expect(keys).toHaveLength(30); // 8 x 5 asked, 30 available
      expect(new Set(keys).size).toBe(30);
      for (const round of rounds) {
        expect(round.map((e) => e.key)).toEqual([...round.map((e) => e.key)].sort()); // created_at order within a claim
      }
      expect(await a.outbox.claimDue('replica-a', at(101), 50, 60_000)).toEqual([]);
      // due() is a plain read: it still lists them (the backlog is unchanged).
      expect(await a.outbox.due(at(101), 50)).toHaveLength(30);
      expect(await a.outbox.backlog()).toBe(30);
    });

    it('the lease holds until it expires, survives a new version, and ends with markDelivered / markFailed', async () => {
      const store = await fresh();
      await store.outbox.enqueue(msg('a'), T0);
      await store.outbox.enqueue(msg('b'), T0);
      await store.outbox.enqueue(msg('c'), T0);
      const first = await store.outbox.claimDue('replica-a', at(1), 10, 30_000);
      expect(first.map((e) => e.key)).toEqual(['a', 'b', 'c']);
      expect(first[0].claimedUntil).toBe(at(31).toISOString());
      expect((await store.outbox.get('a'))?.claimedUntil).toBe(at(31).toISOString());

      await store.outbox.enqueue({ ...msg('a'), text: 'v2' }, at(2)); // a newer version does not free it
      expect(await store.outbox.claimDue('replica-a', at(3), 10, 30_000)).toEqual([]);

      await store.outbox.markDelivered('a', 'replica-a', 1, '111.1', at(4)); // v1 sent: the lease ends, v2 is due
      await store.outbox.markFailed('b', 'replica-a', 'rate_limited', at(10)); // retry at t=10, not before
      const second_ = await store.outbox.claimDue('replica-a', at(5), 10, 30_000);
      expect(second_.map((e) => [e.key, e.version])).toEqual([['a', 2]]);
      expect(await store.outbox.get('b')).not.toHaveProperty('claimedUntil');
      expect((await store.outbox.claimDue('replica-a', at(10), 10, 30_000)).map((e) => e.key)).toEqual(['b']);

      // c's holder died: nobody gets it before the lease runs out, the next claimer after.
      expect(await store.outbox.claimDue('replica-a', at(30), 10, 30_000)).toEqual([]);
      expect((await store.outbox.claimDue('replica-a', at(31), 10, 30_000)).map((e) => e.key)).toEqual(['c']);
    });

    it('honours limit 0 and skips delivered and future entries', async () => {
      const store = await fresh();
      await store.outbox.enqueue(msg('now'), T0);
      await store.outbox.enqueue(msg('later'), at(100));
      await store.outbox.enqueue(msg('done'), T0);
      await store.outbox.markDelivered('done', 'replica-a', 1, '1.1', at(1));
      expect(await store.outbox.claimDue('replica-a', at(2), 0, 1000)).toEqual([]);
      expect((await store.outbox.claimDue('replica-a', at(2), 10, 1000)).map((e) => e.key)).toEqual(['now']);
    });
  });

  describe('health', () => {
    it('isWritable resolves true on an open store and false once closed', async () => {
      const store = await fresh();
      expect(await store.isWritable()).toBe(true);
      await store.close();
      expect(await store.isWritable()).toBe(false);
      await expect(store.close()).resolves.toBeUndefined();
    });
  });

  describe('closing', () => {
    it('methods reject after close', async () => {
      const store = await fresh();
      await store.close();
      await expect(store.requests.getRequest('x')).rejects.toThrow();
    });
  });

  describe('license delivery (a durable step)', () => {
    /** The deliveries a replica would claim at `now` (a 1 ms lease: the next look sees them free again). */
    const dueDeliveries = (store: Store, now: Date) => store.requests.claimDeliveriesDue('probe', now, 10, 1);

    it('becomes pending in the same write as generated, is due, and is recorded once delivered', async () => {
      const store = await fresh();
      const { record } = await store.requests.createRequest(input(), T0);
      expect(await dueDeliveries(store, at(100))).toEqual([]);
      const generated = await store.requests.updateRequest(
        record.id,
        { status: 'generated', trialExpiresOn: '2025-03-11', licenseFile: 'L' },
        at(1),
      );
      expect(generated).toMatchObject({ delivery: { status: 'pending', attempts: 0, nextAt: at(1).toISOString() } });
      expect((await dueDeliveries(store, at(1))).map((r) => r.id)).toEqual([record.id]);

      const failed = await store.requests.recordDelivery(
        record.id,
        { delivered: false, error: 'ratelimited', nextAttemptAt: at(60) },
        at(2),
      );
      expect(failed).toMatchObject({
        delivery: { status: 'pending', attempts: 1, error: 'ratelimited', nextAt: at(60).toISOString() },
      });
      expect(await dueDeliveries(store, at(59))).toEqual([]);
      expect(await dueDeliveries(store, at(60))).toHaveLength(1);

      const done = await store.requests.recordDelivery(record.id, { delivered: true }, at(61));
      expect(done).toMatchObject({ delivery: { status: 'delivered', attempts: 2 } });
      expect(done).not.toHaveProperty('delivery.error');
      // A late failure report never undoes a delivery; updating the record again keeps it delivered.
      expect(
        deliveryStatus(
          await store.requests.recordDelivery(
            record.id,
            { delivered: false, error: 'late', nextAttemptAt: at(90) },
            at(62),
          ),
        ),
      ).toBe('delivered');
      expect(
        deliveryStatus(
          await store.requests.updateRequest(
            record.id,
            { status: 'generated', trialExpiresOn: '2025-03-11', issuedToMismatch: { email: 'x@y.z', userCount: 1 } },
            at(63),
          ),
        ),
      ).toBe('delivered');
      expect(await dueDeliveries(store, at(1000))).toEqual([]);
    });

    it('gives up when no next attempt is given', async () => {
      const store = await fresh();
      const { record } = await store.requests.createRequest(input(), T0);
      await store.requests.updateRequest(record.id, { status: 'generated', trialExpiresOn: '2025-03-11' }, at(1));
      expect(
        deliveryStatus(
          await store.requests.recordDelivery(record.id, { delivered: false, error: 'x', nextAttemptAt: null }, at(2)),
        ),
      ).toBe('failed');
      expect(await dueDeliveries(store, at(1000))).toEqual([]);
    });
  });

  describe('license copies (issue 18: the same durable, leased hand-over as the first delivery)', () => {
    const copyOf = (requestId: string, key: string, toSlackId = 'U0COPY') => ({
      requestId,
      toSlackId,
      idempotencyKey: key,
    });

    it('one copy per idempotency key (a redelivered click), pending and due at once, retried, recorded delivered', async () => {
      const store = await fresh();
      const { record } = await store.requests.createRequest(input(), T0);
      const first = await store.requests.requestCopy(copyOf(record.id, 'click-1'), at(1));
      expect(first.created).toBe(true);
      expect(first.copy).toMatchObject({
        requestId: record.id,
        toSlackId: 'U0COPY',
        idempotencyKey: 'click-1',
        delivery: { status: 'pending', attempts: 0, nextAt: at(1).toISOString() },
        createdAt: at(1).toISOString(),
      });
      expect(first.copy.id).toMatch(UUID_RE);
      const again = await store.requests.requestCopy(copyOf(record.id, 'click-1', 'U0OTHER'), at(2));
      expect(again).toEqual({ created: false, copy: first.copy });
      const other = await store.requests.requestCopy(copyOf(record.id, 'click-2'), at(2));
      expect(other.created).toBe(true);

      expect((await store.requests.claimCopiesDue('A', at(1), 10, 1000)).map((c) => c.id)).toEqual([first.copy.id]);
      const failed = await store.requests.recordCopyDelivery(
        first.copy.id,
        { delivered: false, error: 'ratelimited', nextAttemptAt: at(60) },
        at(3),
        { owner: 'A' },
      );
      expect(failed.delivery).toEqual({
        status: 'pending',
        attempts: 1,
        error: 'ratelimited',
        nextAt: at(60).toISOString(),
      });
      // Only the other copy is due before the backoff ends.
      expect((await store.requests.claimCopiesDue('A', at(59), 10, 1)).map((c) => c.id)).toEqual([other.copy.id]);
      expect((await store.requests.claimCopiesDue('A', at(60), 10, 1000)).map((c) => c.id)).toEqual([
        other.copy.id,
        first.copy.id,
      ]);
      const done = await store.requests.recordCopyDelivery(first.copy.id, { delivered: true }, at(61), { owner: 'A' });
      expect(done.delivery).toEqual({ status: 'delivered', attempts: 2 });
      expect(
        (
          await store.requests.recordCopyDelivery(
            first.copy.id,
            { delivered: false, error: 'late', nextAttemptAt: at(90) },
            at(62),
          )
        ).delivery.status,
      ).toBe('delivered');
      const gaveUp = await store.requests.recordCopyDelivery(
        other.copy.id,
        { delivered: false, error: 'x', nextAttemptAt: null },
        at(63),
      );
      expect(gaveUp.delivery.status).toBe('failed');
      expect(await store.requests.claimCopiesDue('A', at(1000), 10, 1)).toEqual([]);
      expect((await store.requests.getCopy(first.copy.id))?.delivery.status).toBe('delivered');
      // A request's copies as they stand, oldest first (what the repair of their thread lines reads).
      const { record: unrelated } = await store.requests.createRequest(input(), T0);
      await store.requests.requestCopy(copyOf(unrelated.id, 'click-3'), at(64));
      expect((await store.requests.copiesOf(record.id)).map((c) => [c.id, c.delivery.status])).toEqual([
        [first.copy.id, 'delivered'],
        [other.copy.id, 'failed'],
      ]);
    });

    it("is its creator's until its lease ends, claimed by one replica, fenced, completed by its owner", async () => {
      const store = await fresh();
      const other = await second(store);
      const { record } = await store.requests.createRequest(input(), T0);
      const { copy } = await store.requests.requestCopy(copyOf(record.id, 'click-1'), at(0), {
        lease: { owner: 'A', leaseMs: 10_000 },
      });
      expect(await other.requests.claimCopiesDue('B', at(5), 10, 10_000)).toEqual([]);
      expect(await other.requests.startCopyAttempt(copy.id, 'B', at(5), 10_000)).toEqual({ held: false });
      // A's lease ran out (a crash): exactly one of two replicas claiming at once gets the copy.
      const [b, c] = await Promise.all([
        other.requests.claimCopiesDue('B', at(11), 10, 10_000),
        store.requests.claimCopiesDue('C', at(11), 10, 10_000),
      ]);
      expect([...b, ...c].map((x) => x.id)).toEqual([copy.id]);
      const holder = b.length === 1 ? 'B' : 'C';
      expect(await store.requests.renewCopyLease(copy.id, 'A', at(12), 10_000)).toBe(false);
      expect(await store.requests.startCopyAttempt(copy.id, 'A', at(12), 10_000)).toEqual({ held: false });
      await expect(
        store.requests.recordCopyDelivery(copy.id, { delivered: true }, at(12), { owner: 'A' }),
      ).rejects.toMatchObject({ name: 'LeaseLostError' });
      expect((await store.requests.getCopy(copy.id))?.delivery.status).toBe('pending');

      // The holder's send starts; it is killed before its outcome is recorded: the next attempt says so.
      expect(await store.requests.startCopyAttempt(copy.id, holder, at(12), 10_000)).toEqual({ held: true });
      expect(await store.requests.claimCopiesDue('D', at(23), 10, 10_000)).toHaveLength(1);
      expect(await store.requests.startCopyAttempt(copy.id, 'D', at(24), 10_000)).toEqual({
        held: true,
        interruptedAt: at(12).toISOString(),
      });
      // A definite refusal clears the mark; a delivered copy is never started again.
      await store.requests.recordCopyDelivery(
        copy.id,
        { delivered: false, error: 'no', nextAttemptAt: at(25) },
        at(24),
        {
          owner: 'D',
        },
      );
      expect(await store.requests.startCopyAttempt(copy.id, 'D', at(25), 10_000)).toEqual({ held: true });
      await store.requests.recordCopyDelivery(copy.id, { delivered: true }, at(26), { owner: 'D' });
      expect(await store.requests.startCopyAttempt(copy.id, 'D', at(27), 10_000)).toEqual({ held: false });
      // A release makes a pending copy free for anyone at once.
      const { copy: next } = await store.requests.requestCopy(copyOf(record.id, 'click-2'), at(30), {
        lease: { owner: 'A', leaseMs: 60_000 },
      });
      await store.requests.releaseCopyLease(next.id, 'B');
      expect(await other.requests.claimCopiesDue('B', at(31), 10, 1000)).toEqual([]);
      await store.requests.releaseCopyLease(next.id, 'A');
      expect((await other.requests.claimCopiesDue('B', at(31), 10, 1000)).map((x) => x.id)).toEqual([next.id]);
    });

    it('concurrent stores of the same click make one copy', async () => {
      const store = await fresh();
      const other = await second(store);
      const { record } = await store.requests.createRequest(input(), T0);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? other : store).requests.requestCopy(copyOf(record.id, 'click-same'), at(1)),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.copy.id)).size).toBe(1);
    });
  });

  it('open requests are kept per view, replaced by the next step, and pruned', async () => {
    const store = await fresh();
    await store.openRequests.saveOpenRequest(
      { viewId: 'V1', slackUserId: 'U1', stage: 'override', facts: { email: 'a@b.c' }, channelId: 'C1' },
      at(0),
    );
    expect(await store.openRequests.getOpenRequest('V1')).toEqual({
      viewId: 'V1',
      slackUserId: 'U1',
      stage: 'override',
      facts: { email: 'a@b.c' },
      channelId: 'C1',
      updatedAt: at(0).toISOString(),
    });
    await store.openRequests.saveOpenRequest(
      { viewId: 'V1', slackUserId: 'U1', stage: 'reissue', facts: { email: 'a@b.c' }, justification: 'because' },
      at(5),
    );
    expect(await store.openRequests.getOpenRequest('V1')).toMatchObject({ stage: 'reissue', justification: 'because' });
    expect(await store.openRequests.getOpenRequest('V2')).toBeUndefined();
    expect(await store.openRequests.pruneOpenRequests(at(6))).toBe(1);
    expect(await store.openRequests.getOpenRequest('V1')).toBeUndefined();
  });

  it('a first post is marked before it is sent, cleared on a definite refusal, and never set once posted', async () => {
    const store = await fresh();
    await store.outbox.enqueue({ key: 'k', channel: 'C', text: 't', blocks: [] }, T0);
    await store.outbox.claimDue('replica-a', T0, 10, 60_000);
    await store.outbox.markPostStarted('k', 'replica-b', at(1)); // not the holder
    expect(await store.outbox.get('k')).not.toHaveProperty('postStartedAt');
    await store.outbox.markPostStarted('k', 'replica-a', at(1));
    expect((await store.outbox.get('k'))?.postStartedAt).toBe(at(1).toISOString());
    await store.outbox.markPostStarted('k', 'replica-a', null);
    expect(await store.outbox.get('k')).not.toHaveProperty('postStartedAt');
    await store.outbox.markDelivered('k', 'replica-a', 1, '1.0', at(2));
    await store.outbox.enqueue({ key: 'k', channel: 'C', text: 't2', blocks: [] }, at(3)); // an update: chat.update
    expect(await store.outbox.claimDue('replica-a', at(3), 10, 60_000)).toHaveLength(1);
    await store.outbox.markPostStarted('k', 'replica-a', at(3));
    expect(await store.outbox.get('k')).not.toHaveProperty('postStartedAt');
  });
});
