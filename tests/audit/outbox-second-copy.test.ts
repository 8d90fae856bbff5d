/**
 * Issue 18, point 4: when a second copy of an audit message is posted (another replica posted it
 * while this post was in flight), the copy recorded first stays the one kept up to date and the
 * other is turned into a note that it is out of date, linking to the current one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { OutboxDispatcher, type AuditSender } from '../../src/audit/outbox-dispatcher';
import { openStore, type OutboxEntry, type Store } from '../../src/store';

describe('a second copy of an audit message', () => {
  let dir: string;
  let store: Store;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lr-second-copy-'));
    store = openStore(dir);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says it is out of date and links the copy kept up to date; the kept copy stays recorded', async () => {
    const outOfDate: { ts: string; currentTs: string }[] = [];
    const sender: AuditSender = {
      send: async (entry: OutboxEntry) => {
        // Meanwhile another replica posted its copy of the same entry and recorded it.
        await store.outbox.markDelivered(entry.key, 'replica-b', entry.version, '1700000000.000001', new Date());
        return { ts: '1700000000.000002' };
      },
      markOutOfDate: async (_entry, ts, currentTs) => void outOfDate.push({ ts, currentTs }),
    };
    const dispatcher = new OutboxDispatcher({
      outbox: store.outbox,
      sender,
      owner: 'replica-a',
      logger: pino({ level: 'silent' }),
      options: {
        pollIntervalMs: 60_000,
        batchSize: 5,
        minBackoffMs: 100,
        maxBackoffMs: 1000,
        leaseMs: 10_000,
        sendTimeoutMs: 1000,
      },
    });
    await dispatcher.publish({ key: 'license:1', channel: 'C0LICENSING', text: 'Pending', blocks: [] });
    await dispatcher.kick();
    expect(outOfDate).toEqual([{ ts: '1700000000.000002', currentTs: '1700000000.000001' }]);
    expect((await store.outbox.get('license:1'))?.ts).toBe('1700000000.000001');
  });
});
