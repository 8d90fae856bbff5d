/**
 * The Zendesk ticket writes (schema version 9) against both backends: idempotent enqueue, claims
 * leased to one owner across two connections, the fence, and the three ends (done, retry, failed).
 */
import type { Store, TicketWriteInput } from '../../src/store';
import { storeBackends } from './support/backends';

const T0 = new Date('2026-12-05T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
const LEASE = 60_000;

const backends = storeBackends('lr-ticket-writes-');

const write = (key: string, overrides: Partial<TicketWriteInput> = {}): TicketWriteInput => ({
  key,
  ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/123',
  kind: 'note',
  requestId: 'req-1',
  payload: { note: 'outcome', input: { outcome: 'refused', requestedBy: 'jdoe', reasons: ['too old'] } },
  noticeKey: 'license:req-1',
  ...overrides,
});

describe.each(backends)('$name ticket writes', (backend) => {
  let location: string;
  let store: Store;
  let second: Store;

  beforeEach(async () => {
    location = await backend.newLocation();
    store = await backend.open(location);
    second = await backend.open(location);
  });

  afterEach(async () => {
    await second.close();
    await store.close();
    backend.cleanUp(location);
  });

  it('enqueue stores every field, pending and due now; the same key again changes nothing', async () => {
    expect(await store.ticketWrites.enqueue(write('req-1-refused'), at(0))).toBe(true);
    expect(await second.ticketWrites.enqueue(write('req-1-refused', { payload: { other: true } }), at(5))).toBe(false);
    expect(await store.ticketWrites.get('req-1-refused')).toEqual({
      ...write('req-1-refused'),
      state: 'pending',
      attempts: 0,
      nextAttemptAt: at(0).toISOString(),
      createdAt: at(0).toISOString(),
    });
    await store.ticketWrites.enqueue(write('star-V1', { requestId: undefined, noticeKey: undefined }), at(1));
    const star = await store.ticketWrites.get('star-V1');
    expect(star).not.toHaveProperty('requestId');
    expect(star).not.toHaveProperty('noticeKey');
    expect((await store.ticketWrites.forRequest('req-1')).map((w) => w.key)).toEqual(['req-1-refused']);
  });

  it('claimDue leases each due write to one owner, across two connections', async () => {
    for (let i = 0; i < 6; i++) await store.ticketWrites.enqueue(write(`w-${i}`), at(i));
    await store.ticketWrites.enqueue(write('later'), at(600));
    const [a, b] = await Promise.all([
      store.ticketWrites.claimDue('replica-a', at(60), 10, LEASE),
      second.ticketWrites.claimDue('replica-b', at(60), 10, LEASE),
    ]);
    const keys = [...a, ...b].map((w) => w.key).sort();
    expect(keys).toEqual(['w-0', 'w-1', 'w-2', 'w-3', 'w-4', 'w-5']);
    // Still leased: nobody else gets them; the owner itself (a restart under the same name) does.
    expect(await second.ticketWrites.claimDue('replica-c', at(61), 10, LEASE)).toEqual([]);
    const own = a.length > 0 ? 'replica-a' : 'replica-b';
    expect((await store.ticketWrites.claimDue(own, at(61), 10, LEASE)).length).toBe(
      own === 'replica-a' ? a.length : b.length,
    );
    // After the lease: anyone.
    expect((await second.ticketWrites.claimDue('replica-c', at(200), 10, LEASE)).map((w) => w.key).sort()).toEqual(
      keys,
    );
  });

  it('the fence holds only for the lease owner; done ends the write', async () => {
    await store.ticketWrites.enqueue(write('w'), at(0));
    await store.ticketWrites.claimDue('replica-a', at(0), 1, LEASE);
    expect(await store.ticketWrites.renewLease('w', 'replica-b', at(1), LEASE)).toBe(false);
    expect(await store.ticketWrites.renewLease('w', 'replica-a', at(1), LEASE)).toBe(true);
    // Lost: expired and taken over.
    await second.ticketWrites.claimDue('replica-b', at(120), 1, LEASE);
    expect(await store.ticketWrites.renewLease('w', 'replica-a', at(121), LEASE)).toBe(false);
    expect(await store.ticketWrites.markDone('w', 'replica-a', 'now', at(121))).toBe(false);
    expect(await second.ticketWrites.markDone('w', 'replica-b', 'already', at(122))).toBe(true);
    expect(await store.ticketWrites.get('w')).toMatchObject({
      state: 'done',
      written: 'already',
      doneAt: at(122).toISOString(),
    });
    expect(await store.ticketWrites.claimDue('replica-a', at(999), 1, LEASE)).toEqual([]);
  });

  it('markRetry counts the attempt and waits until the next one; markFailed ends it', async () => {
    await store.ticketWrites.enqueue(write('w'), at(0));
    await store.ticketWrites.claimDue('replica-a', at(0), 1, LEASE);
    expect(await store.ticketWrites.markRetry('w', 'replica-a', 'Zendesk is rate-limiting', at(30))).toBe(true);
    expect(await store.ticketWrites.get('w')).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastError: 'Zendesk is rate-limiting',
      nextAttemptAt: at(30).toISOString(),
    });
    expect(await store.ticketWrites.claimDue('replica-a', at(29), 1, LEASE)).toEqual([]);
    // Postponed (nothing tried): no attempt counted, the last error kept.
    await store.ticketWrites.claimDue('replica-a', at(30), 1, LEASE);
    expect(await store.ticketWrites.markRetry('w', 'replica-a', undefined, at(30))).toBe(true);
    expect(await store.ticketWrites.get('w')).toMatchObject({ attempts: 1, lastError: 'Zendesk is rate-limiting' });
    expect(await store.ticketWrites.claimDue('replica-a', at(30), 1, LEASE)).toHaveLength(1);
    expect(await store.ticketWrites.markFailed('w', 'replica-b', 'no', at(31))).toBe(false);
    expect(await store.ticketWrites.markFailed('w', 'replica-a', 'ticket 123 is closed', at(31))).toBe(true);
    expect(await store.ticketWrites.get('w')).toMatchObject({
      state: 'failed',
      attempts: 2,
      lastError: 'ticket 123 is closed',
    });
    expect(await store.ticketWrites.claimDue('replica-a', at(999), 1, LEASE)).toEqual([]);
  });
});
