/**
 * Issue 19: the audit outbox's lease is a fence. A replica whose lease ran out while it was slow
 * before its Slack call (a paused process, a slow store) does not post once another replica took
 * the entry over, and nothing it records afterwards overwrites what the other replica recorded.
 * On both backends, two stores on one location as two replicas.
 */
import pino from 'pino';
import { OutboxDispatcher, type AuditSender, type OutboxDispatcherOptions } from '../../src/audit/outbox-dispatcher';
import type { AuditOutbox, OutboxEntry, Store } from '../../src/store';
import { storeBackends } from '../store/support/backends';

const T0 = new Date('2026-12-07T10:00:00.000Z');
const LEASE_MS = 20_000;
const OPTIONS: OutboxDispatcherOptions = {
  pollIntervalMs: 60_000,
  batchSize: 1,
  minBackoffMs: 1_000,
  maxBackoffMs: 60_000,
  leaseMs: LEASE_MS,
  sendTimeoutMs: 15_000,
};

class RecordingSender implements AuditSender {
  readonly posts: string[] = [];
  readonly outOfDate: { ts: string; currentTs: string }[] = [];
  constructor(
    private readonly replica: string,
    private readonly beforeAnswer: () => Promise<void> = async () => undefined,
  ) {}
  async send(entry: OutboxEntry): Promise<{ ts: string }> {
    this.posts.push(entry.key);
    await this.beforeAnswer();
    return { ts: entry.ts ?? `1765101600.${this.replica}${String(this.posts.length).padStart(5, '0')}` };
  }
  async markOutOfDate(_entry: OutboxEntry, ts: string, currentTs: string): Promise<void> {
    this.outOfDate.push({ ts, currentTs });
  }
}

/** The outbox of `store`, with `afterClaim` run once right after the first claim that took something. */
function slowAfterClaim(store: Store, afterClaim: () => Promise<void>): AuditOutbox {
  let pending = true;
  return Object.assign(Object.create(store.outbox) as AuditOutbox, {
    claimDue: async (...args: Parameters<AuditOutbox['claimDue']>) => {
      const claimed = await store.outbox.claimDue(...args);
      if (pending && claimed.length > 0) {
        pending = false;
        await afterClaim();
      }
      return claimed;
    },
  });
}

describe.each(storeBackends('lr-outbox-fence-'))('$name: two replicas on one audit outbox', (backend) => {
  let location: string;
  let storeA: Store;
  let storeB: Store;
  const clock = { now: T0 };
  const advance = (ms: number) => (clock.now = new Date(clock.now.getTime() + ms));

  beforeEach(async () => {
    clock.now = T0;
    location = await backend.newLocation();
    storeA = await backend.open(location);
    storeB = await backend.open(location);
  });

  afterEach(async () => {
    await storeB.close();
    await storeA.close();
    backend.cleanUp(location);
  });

  const dispatcher = (outbox: AuditOutbox, sender: AuditSender, owner: string) =>
    new OutboxDispatcher({
      outbox,
      sender,
      owner,
      logger: pino({ level: 'silent' }),
      options: OPTIONS,
      now: () => clock.now,
    });

  it('a replica whose lease ran out before its post does not post once the other replica posted', async () => {
    await storeA.outbox.enqueue({ key: 'audit:1', channel: 'C0LICENSING', text: 'Pending', blocks: [] }, T0);
    const senderB = new RecordingSender('2');
    const b = dispatcher(storeB.outbox, senderB, 'replica-b');
    const senderA = new RecordingSender('1');
    const a = dispatcher(
      // A is paused right after its claim, longer than its lease: B takes the entry over and posts it.
      slowAfterClaim(storeA, async () => {
        advance(LEASE_MS + 1);
        await b.kick();
      }),
      senderA,
      'replica-a',
    );

    await a.kick();

    expect(senderB.posts).toEqual(['audit:1']);
    expect(senderA.posts).toEqual([]);
    const entry = await storeA.outbox.get('audit:1');
    expect(entry).toMatchObject({ ts: '1765101600.200001', version: 1, deliveredVersion: 1, attempts: 0 });
    expect(entry?.lastError).toBeUndefined();
    expect(await storeA.outbox.backlog()).toBe(0);
  });

  it('a replica paused past its lease with nobody else on the entry claims it afresh and posts it once', async () => {
    await storeA.outbox.enqueue({ key: 'audit:1', channel: 'C0LICENSING', text: 'Pending', blocks: [] }, T0);
    const senderA = new RecordingSender('1');
    const a = dispatcher(
      slowAfterClaim(storeA, async () => void advance(LEASE_MS + 1)),
      senderA,
      'replica-a',
    );

    await a.kick();

    expect(senderA.posts).toEqual(['audit:1']);
    expect(await storeA.outbox.get('audit:1')).toMatchObject({ ts: '1765101600.100001', deliveredVersion: 1 });
    expect(await storeA.outbox.get('audit:1')).not.toHaveProperty('claimedBy');
  });

  it("a post answered after its lease ran out leaves the new holder's lease, and says it is out of date", async () => {
    await storeA.outbox.enqueue({ key: 'audit:1', channel: 'C0LICENSING', text: 'Pending', blocks: [] }, T0);
    const senderB = new RecordingSender('2');
    const b = dispatcher(storeB.outbox, senderB, 'replica-b');
    // A's post is made (past its fence) but its answer comes after the lease: B has posted and
    // recorded its copy, and a newer version is enqueued and claimed by B's next pass meanwhile.
    const senderA = new RecordingSender('1', async () => {
      advance(LEASE_MS + 1);
      await b.kick();
      await storeB.outbox.enqueue({ key: 'audit:1', channel: 'C0LICENSING', text: 'Generated', blocks: [] }, clock.now);
      expect(await storeB.outbox.claimDue('replica-b', clock.now, 1, LEASE_MS)).toHaveLength(1);
    });
    const a = dispatcher(storeA.outbox, senderA, 'replica-a');

    await a.kick();

    expect(senderA.posts).toEqual(['audit:1']);
    expect(senderB.posts).toEqual(['audit:1']);
    // B's copy is the live one; A's says so.
    expect(senderA.outOfDate).toEqual([{ ts: '1765101600.100001', currentTs: '1765101600.200001' }]);
    const entry = await storeA.outbox.get('audit:1');
    expect(entry).toMatchObject({ ts: '1765101600.200001', version: 2, deliveredVersion: 1, claimedBy: 'replica-b' });
    // B still holds version 2: no third replica gets it.
    expect(await storeA.outbox.claimDue('replica-c', clock.now, 1, LEASE_MS)).toEqual([]);
  });
});
