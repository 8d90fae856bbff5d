/**
 * Issue 19: the audit outbox's lease has an owner (schema version 11), on both backends. The fence
 * (renewLease) holds only for the live owner of an entry nobody delivered since the claim; only the
 * owner reschedules an entry or ends its lease; a post recorded late never overwrites another copy.
 */
import type { OutboxEntry, Store } from '../../src/store';
import { storeBackends } from './support/backends';

const T0 = new Date('2026-12-07T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
const LEASE = 20_000;

const backends = storeBackends('lr-outbox-leases-');

describe.each(backends)('$name audit outbox leases', (backend) => {
  let location: string;
  let a: Store;
  let b: Store;

  beforeEach(async () => {
    location = await backend.newLocation();
    a = await backend.open(location);
    b = await backend.open(location);
    await a.outbox.enqueue({ key: 'k', channel: 'C0LICENSING', text: 'Pending', blocks: [] }, T0);
  });

  afterEach(async () => {
    await b.close();
    await a.close();
    backend.cleanUp(location);
  });

  const claimOne = async (store: Store, owner: string, now: Date): Promise<OutboxEntry> => {
    const [entry] = await store.outbox.claimDue(owner, now, 1, LEASE);
    expect(entry).toMatchObject({
      key: 'k',
      claimedBy: owner,
      claimedUntil: new Date(now.getTime() + LEASE).toISOString(),
    });
    return entry;
  };

  it('the fence renews the live lease of its owner only', async () => {
    const entryA = await claimOne(a, 'replica-a', T0);
    expect(await b.outbox.renewLease(entryA, 'replica-b', at(1), LEASE)).toBe(false);
    expect(await a.outbox.renewLease(entryA, 'replica-a', at(1), LEASE)).toBe(true);
    expect((await a.outbox.get('k'))?.claimedUntil).toBe(at(21).toISOString());
    // Run out: not renewed, even with nobody else on it.
    expect(await a.outbox.renewLease(entryA, 'replica-a', at(21), LEASE)).toBe(false);
  });

  it('a replica that lost the lease can neither fence, reschedule nor free it; the new holder can', async () => {
    const entryA = await claimOne(a, 'replica-a', T0);
    const entryB = await claimOne(b, 'replica-b', at(21));
    expect(await a.outbox.renewLease(entryA, 'replica-a', at(22), LEASE)).toBe(false);
    expect(await a.outbox.markFailed('k', 'replica-a', 'timeout', at(60))).toBe(false);
    await a.outbox.releaseClaims(['k'], 'replica-a');
    await a.outbox.markPostStarted('k', 'replica-a', at(22));
    const untouched = await a.outbox.get('k');
    expect(untouched).toMatchObject({ attempts: 0, claimedBy: 'replica-b', claimedUntil: at(41).toISOString() });
    expect(untouched).not.toHaveProperty('lastError');
    expect(untouched).not.toHaveProperty('postStartedAt');
    expect(await a.outbox.claimDue('replica-c', at(22), 1, LEASE)).toEqual([]);
    expect(await b.outbox.renewLease(entryB, 'replica-b', at(22), LEASE)).toBe(true);
    expect(await b.outbox.markFailed('k', 'replica-b', 'rate_limited', at(60))).toBe(true);
    expect(await b.outbox.get('k')).toMatchObject({ attempts: 1, lastError: 'rate_limited' });
    expect(await b.outbox.get('k')).not.toHaveProperty('claimedBy');
  });

  it("a late completion keeps the other copy's ts and the holder's lease; a run-out lease is the owner's", async () => {
    await claimOne(a, 'replica-a', T0);
    await claimOne(b, 'replica-b', at(21));
    await b.outbox.markDelivered('k', 'replica-b', 1, '1765101600.000002', at(22));
    // A's post, made before it lost the lease, is answered only now.
    expect(await a.outbox.markDelivered('k', 'replica-a', 1, '1765101600.000001', at(23))).toEqual({
      keptTs: '1765101600.000002',
    });
    expect(await a.outbox.get('k')).toMatchObject({ ts: '1765101600.000002', deliveredVersion: 1 });

    // A newer version, held by B: A's late answer neither ends B's lease nor lowers anything.
    await a.outbox.enqueue({ key: 'k', channel: 'C0LICENSING', text: 'Generated', blocks: [] }, at(24));
    const v2 = await claimOne(b, 'replica-b', at(24));
    expect(await a.outbox.markDelivered('k', 'replica-a', 1, '1765101600.000002', at(25))).toEqual({});
    expect(await a.outbox.get('k')).toMatchObject({ version: 2, deliveredVersion: 1, claimedBy: 'replica-b' });
    expect(await a.outbox.claimDue('replica-c', at(25), 1, LEASE)).toEqual([]);
    expect(await b.outbox.renewLease(v2, 'replica-b', at(25), LEASE)).toBe(true);

    // B's lease runs out with nobody else on it: B still records its own outcome and ends it.
    await b.outbox.markDelivered('k', 'replica-b', 2, '1765101600.000002', at(60));
    expect(await b.outbox.get('k')).toMatchObject({ deliveredVersion: 2 });
    expect(await b.outbox.get('k')).not.toHaveProperty('claimedUntil');
  });

  it('a delivery recorded since the claim stops the fence of a live lease', async () => {
    const entryA = await claimOne(a, 'replica-a', T0);
    // Another replica's post recorded late (it lost its lease while Slack answered).
    await b.outbox.markDelivered('k', 'replica-b', 1, '1765101600.000002', at(1));
    expect(await a.outbox.renewLease(entryA, 'replica-a', at(2), LEASE)).toBe(false);
    await a.outbox.releaseClaims(['k'], 'replica-a');
    expect(await a.outbox.get('k')).not.toHaveProperty('claimedUntil');
  });
});
