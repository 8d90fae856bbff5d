/**
 * HA (issue 11): two replicas' dispatchers on one PostgreSQL store share the audit outbox and
 * each message is posted exactly once, even when Slack is slow; a replica that dies mid-send
 * leaves its entries to the other once the lease expires.
 */
import pino from 'pino';
import { claimBatchSize, OutboxDispatcher, type AuditSender } from '../../src/audit/outbox-dispatcher';
import { PostgresStore, type OutboxEntry, type Store } from '../../src/store';
import { usePostgres } from '../support/postgres';

const postgres = usePostgres();
const silent = pino({ level: 'silent' });
const OPTIONS = {
  pollIntervalMs: 60_000,
  batchSize: 20,
  minBackoffMs: 50,
  maxBackoffMs: 200,
  leaseMs: 1_500,
  sendTimeoutMs: 300,
};

class SlowSender implements AuditSender {
  readonly posts: { key: string; replica: string }[] = [];
  private n = 0;
  constructor(
    private readonly replica: string,
    private readonly delayMs: number,
    private readonly hang = false,
  ) {}
  async send(entry: OutboxEntry): Promise<{ ts: string }> {
    this.posts.push({ key: entry.key, replica: this.replica });
    if (this.hang) return new Promise<never>(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return { ts: entry.ts ?? `1718366400.${this.replica}${String(++this.n).padStart(5, '0')}` };
  }
}

const stores: Store[] = [];
const dispatchers: OutboxDispatcher[] = [];
afterEach(async () => {
  for (const d of dispatchers.splice(0)) await d.stop(10);
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function replicas(
  url: string,
  senders: SlowSender[],
  options: Partial<typeof OPTIONS> = {},
): Promise<{ stores: Store[]; dispatchers: OutboxDispatcher[] }> {
  const opened = await Promise.all(senders.map(() => PostgresStore.open({ connectionString: url, max: 4 })));
  stores.push(...opened);
  const made = senders.map(
    (sender, i) =>
      new OutboxDispatcher({
        outbox: opened[i].outbox,
        sender,
        owner: `replica-${i + 1}`,
        logger: silent,
        options: { ...OPTIONS, ...options },
      }),
  );
  dispatchers.push(...made);
  return { stores: opened, dispatchers: made };
}

it('two dispatchers draining the same outbox at once post every message exactly once', async () => {
  const url = await postgres().createDatabase();
  const senders = [new SlowSender('1', 15), new SlowSender('2', 15)];
  // No lease may run out here (a loaded machine can stall a pass for a second or more, and the other
  // replica would then post the entry again); the send timeout keeps the claims at 4 entries, so both
  // replicas take part.
  const {
    stores: [a],
    dispatchers: [one, two],
  } = await replicas(url, senders, { leaseMs: 20_000, sendTimeoutMs: 4_500 });
  const keys = Array.from({ length: 40 }, (_, i) => `audit:${String(i).padStart(2, '0')}`);
  for (const key of keys) await a.outbox.enqueue({ key, channel: 'C0LICENSING', text: key, blocks: [] }, new Date());
  await Promise.all([one.kick(), two.kick(), one.kick(), two.kick()]);
  for (let i = 0; i < 20 && (await a.outbox.backlog()) > 0; i++) await Promise.all([one.kick(), two.kick()]);
  expect(await a.outbox.backlog()).toBe(0);
  const posts = senders.flatMap((s) => s.posts);
  expect(posts.map((p) => p.key).sort()).toEqual(keys);
  // Both replicas took part.
  expect(senders.every((s) => s.posts.length > 0)).toBe(true);
});

it('a replica stuck mid-send holds its entries only for the lease; the other then posts them', async () => {
  const url = await postgres().createDatabase();
  const stuck = new SlowSender('1', 0, true);
  const healthy = new SlowSender('2', 5);
  const {
    stores: [a],
    dispatchers: [dead, alive],
  } = await replicas(url, [stuck, healthy]);
  await a.outbox.enqueue({ key: 'audit:stuck', channel: 'C0LICENSING', text: 'x', blocks: [] }, new Date());
  void dead.kick();
  // Claimed and being sent by the stuck one, however long the claim took on a loaded machine.
  while (stuck.posts.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  await alive.kick();
  expect(healthy.posts).toEqual([]); // leased by the stuck one
  const started = Date.now();
  while (healthy.posts.length === 0 && Date.now() - started < 15_000) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    await alive.kick();
  }
  expect(healthy.posts.map((p) => p.key)).toEqual(['audit:stuck']);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_200);
});

describe('claimBatchSize', () => {
  it.each([
    [{ leaseMs: 60_000, sendTimeoutMs: 15_000, batchSize: 20 }, 3],
    [{ leaseMs: 20_000, sendTimeoutMs: 15_000, batchSize: 20 }, 1],
    [{ leaseMs: 600_000, sendTimeoutMs: 15_000, batchSize: 20 }, 20],
  ])('%j → %i entries per claim (every send ends inside the lease)', (options, expected) => {
    expect(claimBatchSize({ ...options, pollIntervalMs: 1, minBackoffMs: 1, maxBackoffMs: 1 })).toBe(expected);
  });

  it('refuses a lease not longer than the send timeout plus margin', () => {
    expect(() =>
      claimBatchSize({
        leaseMs: 15_000,
        sendTimeoutMs: 15_000,
        batchSize: 20,
        pollIntervalMs: 1,
        minBackoffMs: 1,
        maxBackoffMs: 1,
      }),
    ).toThrow(/must exceed the send timeout/);
  });
});

describe('a database restart while messages are published', () => {
  it('holds what the store refused, in order, and writes and posts it once PostgreSQL is back: nothing lost', async () => {
    const url = await postgres().createDatabase();
    const sender = new SlowSender('1', 1);
    const {
      stores: [store],
      dispatchers: [dispatcher],
    } = await replicas(url, [sender]);
    await dispatcher.publish({ key: 'before', channel: 'C0LICENSING', text: 'before', blocks: [] });
    await postgres().stop();
    try {
      await dispatcher.publish({ key: 'during', channel: 'C0LICENSING', text: 'v1', blocks: [] });
      await dispatcher.publish({ key: 'during-2', channel: 'C0LICENSING', text: 'x', blocks: [] });
      await dispatcher.publish({ key: 'during', channel: 'C0LICENSING', text: 'v2', blocks: [] });
      expect(dispatcher.heldCount).toBe(2);
    } finally {
      await postgres().start();
    }
    for (let i = 0; i < 150 && (dispatcher.heldCount > 0 || (await store.outbox.backlog().catch(() => 1)) > 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await dispatcher.kick();
    }
    expect(dispatcher.heldCount).toBe(0);
    expect(await store.outbox.backlog()).toBe(0);
    expect(sender.posts.map((p) => p.key).sort()).toEqual(['before', 'during', 'during-2']);
    expect((await store.outbox.get('during'))?.text).toBe('v2');
  });
});
