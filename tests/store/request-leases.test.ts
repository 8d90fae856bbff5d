/**
 * HA (issue 11): leases on license requests and the outbox's dueBy, on both backends alike.
 * A lease decides which replica calls the adapter for a request or hands its license over.
 */
import type { LicenseRequestInput, Store } from '../../src/store';
import { storeBackends } from './support/backends';

const T0 = new Date('2025-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

const backends = storeBackends('lr-lease-');

let seq = 0;
const input = (overrides: Partial<LicenseRequestInput> = {}): LicenseRequestInput => ({
  ticketUrl: `https://support.gitlab.com/hc/en-us/requests/${++seq}`,
  email: `user${seq}@example.com`,
  userCount: 250,
  requestedBySlackId: 'U123',
  requestedByUsername: 'jdoe',
  licenseExpiresOn: '2025-03-02',
  scopeSummary: 'expired within 30 days',
  adapter: 'local',
  idempotencyKey: `lease-view-${seq}`,
  ...overrides,
});

describe.each(backends)('$name request leases', (backend) => {
  const opened: Store[] = [];
  const locations: string[] = [];
  async function pair(): Promise<[Store, Store]> {
    const location = await backend.newLocation();
    locations.push(location);
    const a = await backend.open(location);
    const b = await backend.open(location);
    opened.push(a, b);
    return [a, b];
  }
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    for (const l of locations.splice(0)) backend.cleanUp(l);
  });

  it('of eight replicas claiming pending requests at once, each request goes to exactly one', async () => {
    const [a, b] = await pair();
    for (let i = 0; i < 20; i++) await a.requests.createRequest(input(), at(i));
    const rounds = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? a : b).requests.claimPendingRequests(`replica-${i}`, at(100), 3, 30_000),
      ),
    );
    const ids = rounds.flat().map((r) => r.id);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    // Leased: nobody else gets them until the lease runs out.
    expect(await a.requests.claimPendingRequests('replica-c', at(129), 50, 30_000)).toEqual([]);
    expect(await a.requests.claimPendingRequests('replica-c', at(130), 50, 30_000)).toHaveLength(20);
  });

  it('claimRequest: one owner at a time; the owner renews, may re-claim its own, and releases', async () => {
    const [a, b] = await pair();
    const { record } = await a.requests.createRequest(input(), T0);
    const results = await Promise.all([
      a.requests.claimRequest(record.id, 'replica-a', at(1), 10_000),
      b.requests.claimRequest(record.id, 'replica-b', at(1), 10_000),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const owner = results[0] ? 'replica-a' : 'replica-b';
    const other = results[0] ? 'replica-b' : 'replica-a';
    // a restarted process with the same name
    expect(await a.requests.claimRequest(record.id, owner, at(2), 10_000)).toBe(true);
    expect(await a.requests.renewRequestLease(record.id, owner, at(9), 10_000)).toBe(true); // now until t=19
    expect(await b.requests.renewRequestLease(record.id, other, at(9), 10_000)).toBe(false);
    expect(await b.requests.claimRequest(record.id, other, at(18), 10_000)).toBe(false);
    expect(await b.requests.claimRequest(record.id, other, at(19), 10_000)).toBe(true); // expired: taken over
    // the old owner learns it lost it
    expect(await a.requests.renewRequestLease(record.id, owner, at(20), 10_000)).toBe(false);
    await a.requests.releaseRequestLease(record.id, owner); // not its lease any more: no effect
    expect(await a.requests.claimRequest(record.id, owner, at(21), 10_000)).toBe(false);
    await b.requests.releaseRequestLease(record.id, other);
    expect(await a.requests.claimRequest(record.id, owner, at(21), 10_000)).toBe(true);
  });

  it("a request created with its creator's lease is only taken as an orphan once that lease ran out", async () => {
    const [a, b] = await pair();
    const lease = { owner: 'replica-a', leaseMs: 10_000 };
    const { record } = await a.requests.createRequest(input(), T0, { lease });
    expect(await b.requests.claimPendingRequests('replica-b', at(5), 10, 30_000)).toEqual([]);
    expect(await a.requests.claimRequest(record.id, 'replica-a', at(6), 30_000)).toBe(true);
    const { record: orphan } = await a.requests.createRequest(input(), at(7), { lease });
    expect((await b.requests.claimPendingRequests('replica-b', at(16), 10, 30_000)).map((r) => r.id)).toEqual([]);
    expect((await b.requests.claimPendingRequests('replica-b', at(17), 10, 30_000)).map((r) => r.id)).toEqual([
      orphan.id,
    ]);
    // Without a lease (a row of an older version), a pending request is free at once.
    const { record: unleased } = await a.requests.createRequest(input(), at(18));
    expect((await b.requests.claimPendingRequests('replica-b', at(18), 10, 30_000)).map((r) => r.id)).toContain(
      unleased.id,
    );
  });

  it('claimRequest refuses a request with nothing left to do', async () => {
    const [a] = await pair();
    const { record } = await a.requests.createRequest(input(), T0);
    await a.requests.updateRequest(record.id, { status: 'failed', failureReason: 'no' }, at(1));
    expect(await a.requests.claimRequest(record.id, 'replica-a', at(2), 10_000)).toBe(false);
  });

  it('deliveries due are claimed once, and a generated request stays claimable for its hand-over', async () => {
    const [a, b] = await pair();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { record } = await a.requests.createRequest(input(), at(i));
      await a.requests.updateRequest(
        record.id,
        { status: 'generated', licenseFile: `f${i}`, trialExpiresOn: '2025-03-11' },
        at(10),
      );
      ids.push(record.id);
    }
    expect(await a.requests.claimRequest(ids[0], 'replica-a', at(11), 5_000)).toBe(true); // being handed over by a
    const [ra, rb] = await Promise.all([
      a.requests.claimDeliveriesDue('replica-a', at(12), 10, 5_000),
      b.requests.claimDeliveriesDue('replica-b', at(12), 10, 5_000),
    ]);
    const claimedByB = rb.map((r) => r.id);
    expect(claimedByB).not.toContain(ids[0]);
    expect(new Set([...ra.map((r) => r.id), ...claimedByB]).size).toBe(ra.length + rb.length);
    expect(ra.length + rb.length).toBe(6); // a re-claims its own, b gets the rest
    await a.requests.recordDelivery(ids[1], { delivered: true }, at(13));
    expect((await b.requests.claimDeliveriesDue('replica-c', at(17), 10, 5_000)).map((r) => r.id)).not.toContain(
      ids[1],
    );
  });

  it('claimDue with dueBy looks past backoffs but not past a live lease, and the lease starts at now', async () => {
    const [a] = await pair();
    await a.outbox.enqueue({ key: 'later', channel: 'C1', text: 't', blocks: [] }, T0);
    await a.outbox.claimDue('replica-a', T0, 10, 5_000);
    await a.outbox.markFailed('later', 'replica-a', 'boom', at(600));
    expect(await a.outbox.claimDue('replica-a', at(1), 10, 5_000)).toEqual([]);
    const [entry] = await a.outbox.claimDue('replica-a', at(1), 10, 5_000, {
      dueBy: new Date('9999-12-31T23:59:59.999Z'),
    });
    expect(entry?.key).toBe('later');
    expect(entry?.claimedUntil).toBe(at(6).toISOString());
    expect(
      await a.outbox.claimDue('replica-b', at(2), 10, 5_000, { dueBy: new Date('9999-12-31T23:59:59.999Z') }),
    ).toEqual([]);
  });
});
