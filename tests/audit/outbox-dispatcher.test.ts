import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { OutboxDispatcher, type AuditSender, type OutboxDispatcherOptions } from '../../src/audit/outbox-dispatcher';
import { JobRunner } from '../../src/shared/job-runner';
import { openStore, type AuditOutbox, type OutboxEntry, type OutboxMessage, type Store } from '../../src/store';

// ---------------------------------------------------------------------------------------------
// Test doubles

interface SendCall {
  key: string;
  /** The entry's ts when sent: undefined = a new post, set = an update of the posted message. */
  ts?: string;
  threadTs?: string;
  version: number;
  text: string;
  channel: string;
  at: number;
  ok: boolean;
}

type Behaviour = (entry: OutboxEntry, call: number) => Promise<{ ts: string }> | { ts: string };

/** An AuditSender that answers from a script and records every call. */
class ScriptedSender implements AuditSender {
  readonly calls: SendCall[] = [];
  private posted = 0;

  constructor(
    private readonly clock: { now: Date },
    public behaviour: Behaviour = () => this.post(),
  ) {}

  /** A successful new post gets a fresh ts; an update keeps the entry's ts. */
  post(entry?: OutboxEntry): { ts: string } {
    if (entry?.ts) return { ts: entry.ts };
    this.posted += 1;
    return { ts: `1718366400.${String(this.posted).padStart(6, '0')}` };
  }

  async send(entry: OutboxEntry, threadTs?: string): Promise<{ ts: string }> {
    const call: SendCall = {
      key: entry.key,
      ts: entry.ts,
      threadTs,
      version: entry.version,
      text: entry.text,
      channel: entry.channel,
      at: this.clock.now.getTime(),
      ok: false,
    };
    this.calls.push(call);
    const result = await this.behaviour(entry, this.calls.length);
    call.ok = true;
    return result;
  }

  /** Successful calls for a key that created a message (no ts yet). */
  posts(key: string): SendCall[] {
    return this.calls.filter((c) => c.key === key && c.ok && c.ts === undefined);
  }
}

const slackError = (message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`An API error occurred: ${message}`), { data: { ok: false, error: message }, ...extra });

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const T0 = new Date('2025-06-14T12:00:00.000Z');
const OPTIONS: OutboxDispatcherOptions = {
  pollIntervalMs: 60_000,
  batchSize: 10,
  minBackoffMs: 1000,
  maxBackoffMs: 5000,
};
const silent = pino({ level: 'silent' });

let dirs: string[] = [];
let stores: Store[] = [];
let dispatchers: OutboxDispatcher[] = [];
const runners: JobRunner[] = [];

/** Polls the dispatcher as the bot does: on the job runner. */
function poll(dispatcher: OutboxDispatcher): void {
  const runner = new JobRunner([dispatcher], silent);
  runners.push(runner);
  runner.start();
}

afterEach(async () => {
  for (const r of runners.splice(0)) await r.stop();
  for (const d of dispatchers) await d.stop(10);
  for (const s of stores) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dispatchers = [];
  stores = [];
  dirs = [];
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lr-outbox-test-'));
  dirs.push(dir);
  return dir;
}

function open(dir: string): Store {
  const store = openStore(dir);
  stores.push(store);
  return store;
}

function setup(
  opts: {
    options?: Partial<OutboxDispatcherOptions>;
    dir?: string;
    behaviour?: Behaviour;
    outbox?: (store: Store) => AuditOutbox;
  } = {},
) {
  const dir = opts.dir ?? tempDir();
  const store = open(dir);
  const clock = { now: new Date(T0) };
  const sender = new ScriptedSender(clock, opts.behaviour);
  const dispatcher = new OutboxDispatcher({
    outbox: opts.outbox ? opts.outbox(store) : store.outbox,
    sender,
    owner: 'replica-a',
    logger: silent,
    options: { ...OPTIONS, ...opts.options },
    now: () => clock.now,
  });
  dispatchers.push(dispatcher);
  const advance = (ms: number) => {
    clock.now = new Date(clock.now.getTime() + ms);
  };
  /** Runs delivery passes until none is running (a kick during a pass schedules another). */
  const flush = async () => {
    for (let i = 0; i < 4; i++) {
      await dispatcher.kick();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { dir, store, clock, sender, dispatcher, advance, flush };
}

const message = (key: string, overrides: Partial<OutboxMessage> = {}): OutboxMessage => ({
  key,
  channel: 'C0LICENSING',
  text: `text of ${key}`,
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `text of ${key}` } }],
  ...overrides,
});

// ---------------------------------------------------------------------------------------------

describe('publish', () => {
  it('stores the message, delivers it and records the ts', async () => {
    const { dispatcher, store, sender, flush } = setup();
    await dispatcher.publish(message('star:V1'));
    await flush();
    expect(sender.calls).toEqual([
      expect.objectContaining({
        key: 'star:V1',
        ts: undefined,
        threadTs: undefined,
        version: 1,
        text: 'text of star:V1',
        channel: 'C0LICENSING',
        ok: true,
      }),
    ]);
    const entry = await store.outbox.get('star:V1');
    expect(entry).toMatchObject({ ts: '1718366400.000001', version: 1, deliveredVersion: 1 });
    expect(entry?.blocks).toEqual(message('star:V1').blocks);
    expect(await dispatcher.backlog()).toBe(0);
  });

  it('is durable before delivery: the entry exists even while the sender is stuck', async () => {
    const gate = deferred<{ ts: string }>();
    const { dispatcher, store, sender } = setup({ behaviour: () => gate.promise });
    await dispatcher.publish(message('license:1'));
    expect(await store.outbox.get('license:1')).toMatchObject({ version: 1, deliveredVersion: 0 });
    expect(await dispatcher.backlog()).toBe(1);
    gate.resolve(sender.post());
  });
});

describe('retries', () => {
  it('a failing sender is retried with exponential backoff, capped at maxBackoffMs', async () => {
    const { dispatcher, store, sender, advance, flush, clock } = setup({
      behaviour: (entry, call) => {
        if (call <= 4) throw slackError('channel_not_found');
        return sender.post(entry);
      },
    });
    await dispatcher.publish(message('k'));
    await flush();

    const expectedBackoffs = [1000, 2000, 4000, 5000];
    for (const [i, backoff] of expectedBackoffs.entries()) {
      const entry = await store.outbox.get('k');
      expect(entry).toMatchObject({ attempts: i + 1, lastError: 'channel_not_found', deliveredVersion: 0 });
      expect(new Date(entry!.nextAttemptAt).getTime() - clock.now.getTime()).toBe(backoff);
      // Not due yet: nothing is sent.
      advance(backoff - 1);
      await flush();
      expect(sender.calls).toHaveLength(i + 1);
      advance(1);
      await flush();
      expect(sender.calls).toHaveLength(i + 2);
    }
    expect(sender.calls.map((c) => c.ok)).toEqual([false, false, false, false, true]);
    expect(await store.outbox.get('k')).toMatchObject({ ts: '1718366400.000001', deliveredVersion: 1 });
    expect(await dispatcher.backlog()).toBe(0);
  });

  it('a 429 with retryAfter (seconds) is honoured, even beyond maxBackoffMs', async () => {
    const { dispatcher, store, sender, advance, flush } = setup({
      behaviour: (entry, call) => {
        if (call === 1) throw slackError('ratelimited', { code: 'slack_webapi_rate_limited_error', retryAfter: 30 });
        return sender.post(entry);
      },
    });
    await dispatcher.publish(message('k'));
    await flush();
    const entry = await store.outbox.get('k');
    expect(entry?.lastError).toBe('ratelimited');
    expect(new Date(entry!.nextAttemptAt).getTime()).toBe(T0.getTime() + 30_000);
    advance(29_999);
    await flush();
    expect(sender.calls).toHaveLength(1);
    advance(1);
    await flush();
    expect(sender.calls).toHaveLength(2);
    expect(await store.outbox.get('k')).toMatchObject({ deliveredVersion: 1 });
  });

  it('one failing message does not hold back the others', async () => {
    const { dispatcher, store, sender, flush } = setup({
      behaviour: (entry) => {
        if (entry.key === 'bad') throw slackError('invalid_blocks');
        return sender.post(entry);
      },
    });
    await dispatcher.publish(message('bad'));
    await dispatcher.publish(message('good-1'));
    await dispatcher.publish(message('good-2'));
    await flush();
    expect((await store.outbox.get('good-1'))?.ts).toBeDefined();
    expect((await store.outbox.get('good-2'))?.ts).toBeDefined();
    expect(await dispatcher.backlog()).toBe(1);
  });

  it('the poll timer delivers what became due without a kick', async () => {
    const { dispatcher, store, sender, advance } = setup({
      options: { pollIntervalMs: 20 },
      behaviour: (entry, call) => {
        if (call === 1) throw slackError('internal_error');
        return sender.post(entry);
      },
    });
    poll(dispatcher);
    await dispatcher.publish(message('k'));
    await waitFor(async () => (await store.outbox.get('k'))?.attempts === 1);
    advance(1000);
    await waitFor(async () => (await store.outbox.get('k'))?.deliveredVersion === 1);
    expect(sender.calls).toHaveLength(2);
  });
});

describe('updates', () => {
  it('re-publishing a delivered key sends the entry with its ts (an update, not a new post)', async () => {
    const { dispatcher, store, sender, flush } = setup({ behaviour: (entry) => sender.post(entry) });
    await dispatcher.publish(message('license:1', { text: 'pending' }));
    await flush();
    const ts = (await store.outbox.get('license:1'))?.ts;
    await dispatcher.publish(message('license:1', { text: 'generated', channel: 'C0OTHER' }));
    await flush();
    expect(sender.calls.map((c) => ({ ts: c.ts, text: c.text, version: c.version, channel: c.channel }))).toEqual([
      { ts: undefined, text: 'pending', version: 1, channel: 'C0LICENSING' },
      // A posted message cannot move: the update goes to the original channel.
      { ts, text: 'generated', version: 2, channel: 'C0LICENSING' },
    ]);
    expect(sender.posts('license:1')).toHaveLength(1);
    expect(await store.outbox.get('license:1')).toMatchObject({ ts, version: 2, deliveredVersion: 2 });
  });

  it('a newer version published while the first post is in flight is sent afterwards as an update', async () => {
    const gate = deferred<{ ts: string }>();
    const { dispatcher, store, sender, flush } = setup({
      behaviour: (entry, call) => (call === 1 ? gate.promise : sender.post(entry)),
    });
    await dispatcher.publish(message('license:1', { text: 'v1' }));
    await dispatcher.publish(message('license:1', { text: 'v2' }));
    gate.resolve(sender.post());
    await flush();
    expect(sender.calls.map((c) => [c.ts, c.text])).toEqual([
      [undefined, 'v1'],
      ['1718366400.000001', 'v2'],
    ]);
    expect(await store.outbox.get('license:1')).toMatchObject({ version: 2, deliveredVersion: 2 });
  });
});

describe('thread replies', () => {
  it('wait until their parent has a ts, then go into its thread', async () => {
    const { dispatcher, store, sender, advance, flush } = setup({
      behaviour: (entry, call) => {
        if (entry.key === 'parent' && call === 1) throw slackError('internal_error');
        return sender.post(entry);
      },
    });
    await dispatcher.publish(message('parent'));
    await dispatcher.publish(message('reply', { threadOfKey: 'parent' }));
    await flush();
    expect(sender.calls.map((c) => c.key)).toEqual(['parent']);
    expect(await store.outbox.get('reply')).toMatchObject({
      deliveredVersion: 0,
      lastError: 'waiting for the thread parent',
    });

    advance(1000);
    await flush();
    const parentTs = (await store.outbox.get('parent'))?.ts;
    expect(parentTs).toBeDefined();
    const reply = sender.calls.filter((c) => c.key === 'reply');
    expect(reply).toEqual([expect.objectContaining({ threadTs: parentTs, ts: undefined, ok: true })]);
    expect(await dispatcher.backlog()).toBe(0);
  });

  it('a reply published before its parent exists waits for it', async () => {
    const { dispatcher, store, sender, advance, flush } = setup();
    await dispatcher.publish(message('reply', { threadOfKey: 'parent' }));
    await flush();
    expect(sender.calls).toEqual([]);
    await dispatcher.publish(message('parent'));
    await flush();
    advance(1000);
    await flush();
    expect(sender.calls.map((c) => [c.key, c.threadTs])).toEqual([
      ['parent', undefined],
      ['reply', (await store.outbox.get('parent'))?.ts],
    ]);
  });
});

describe('restart', () => {
  it('a dispatcher on the same data folder delivers what the previous process left', async () => {
    const first = setup({ behaviour: () => Promise.reject(slackError('fatal_error')) });
    await first.dispatcher.publish(message('a'));
    await first.dispatcher.publish(message('b', { threadOfKey: 'a' }));
    await first.flush();
    await first.dispatcher.stop(100);
    // Left without even an attempt: written, then the process died.
    await first.store.outbox.enqueue(message('c'), T0);
    await first.store.close();

    const second = setup({ dir: first.dir });
    second.advance(60_000);
    poll(second.dispatcher);
    await waitFor(async () => (await second.dispatcher.backlog()) === 0);
    await second.flush();
    expect(
      second.sender.calls
        .filter((c) => c.ok)
        .map((c) => c.key)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
    expect(second.sender.calls.find((c) => c.key === 'b')?.threadTs).toBe((await second.store.outbox.get('a'))?.ts);
    for (const key of ['a', 'b', 'c']) expect(second.sender.posts(key)).toHaveLength(1);
  });
});

describe('stop', () => {
  it('flushes what is due before resolving', async () => {
    const { dispatcher, store, sender } = setup({
      behaviour: async (entry) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return sender.post(entry);
      },
    });
    for (const key of ['a', 'b', 'c', 'd', 'e']) await dispatcher.publish(message(key));
    await dispatcher.stop(5000);
    for (const key of ['a', 'b', 'c', 'd', 'e']) expect((await store.outbox.get(key))?.deliveredVersion).toBe(1);
  });

  it('resolves at its timeout when the sender hangs, and delivers nothing afterwards', async () => {
    const { dispatcher, sender } = setup({ behaviour: () => new Promise<never>(() => undefined) });
    await dispatcher.publish(message('stuck'));
    // The timeout is the dispatcher's own timer: fake timers make "at the timeout" exact on any machine.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    let stopped = false;
    try {
      const stopping = dispatcher.stop(100).then(() => (stopped = true));
      await jest.advanceTimersByTimeAsync(99);
      expect(stopped).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(stopped).toBe(true);
      await stopping;
    } finally {
      jest.useRealTimers();
    }
    await dispatcher.publish(message('after-stop'));
    await dispatcher.kick();
    expect(sender.calls.map((c) => c.key)).toEqual(['stuck']);
  });
});

describe('background errors', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => {
    unhandled.push(reason);
  };
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  // publish() and the poll timer start delivery passes without awaiting them. A store error in
  // such a pass (SQLITE_BUSY past busy_timeout, disk full, the store closed during shutdown)
  // must be logged and retried, not surface as an unhandled rejection: Node exits on those.
  it('a store error during a background pass is not an unhandled rejection, and the next pass recovers', async () => {
    let failDue = 1;
    const { dispatcher, store, flush } = setup({
      outbox: (s) =>
        Object.assign(Object.create(s.outbox) as AuditOutbox, {
          claimDue: async (...args: Parameters<AuditOutbox['claimDue']>) => {
            if (failDue-- > 0) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
            return s.outbox.claimDue(...args);
          },
        }),
    });
    await dispatcher.publish(message('k'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
    await flush().catch(() => undefined);
    expect((await store.outbox.get('k'))?.deliveredVersion).toBe(1);
  });

  it('a send that completes after stop() timed out and the store was closed is not an unhandled rejection', async () => {
    const gate = deferred<{ ts: string }>();
    const { dispatcher, store } = setup({ behaviour: () => gate.promise });
    await dispatcher.publish(message('late'));
    await dispatcher.stop(20);
    await store.close(); // what startBot's stop() does next
    gate.resolve({ ts: '1.1' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
  });
});

describe('many messages while Slack is down for a while', () => {
  it('100 distinct keys are all delivered, each posted exactly once', async () => {
    const outageEnds = T0.getTime() + 10_000;
    const { dispatcher, store, sender, advance, flush, clock } = setup({
      options: { batchSize: 7, minBackoffMs: 100, maxBackoffMs: 2000 },
      behaviour: (entry, call) => {
        if (clock.now.getTime() < outageEnds)
          throw slackError(
            call % 3 === 0 ? 'ratelimited' : 'service_unavailable',
            call % 3 === 0 ? { retryAfter: 1 } : {},
          );
        return sender.post(entry);
      },
    });
    const keys = Array.from({ length: 100 }, (_, i) => `license:${i}`);
    await Promise.all(keys.map((key) => dispatcher.publish(message(key))));
    for (let step = 0; step < 400 && (await dispatcher.backlog()) > 0; step++) {
      advance(250);
      await flush();
    }
    expect(await dispatcher.backlog()).toBe(0);
    expect(sender.calls.filter((c) => !c.ok).length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(sender.posts(key)).toHaveLength(1);
      expect(sender.calls.filter((c) => c.key === key && c.ok)).toHaveLength(1);
      expect(await store.outbox.get(key)).toMatchObject({
        deliveredVersion: 1,
        ts: expect.stringMatching(/^1718366400\.\d{6}$/),
      });
    }
    expect(new Set(await Promise.all(keys.map(async (k) => (await store.outbox.get(k))?.ts))).size).toBe(100);
  });
});

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('a post whose answer was never seen (issue 9.5)', () => {
  const postedWith = (sender: ScriptedSender, key: string) =>
    sender.calls.filter((c) => c.key === key && c.ts === undefined);

  it('marks the entry before the first post; after an uncertain failure the next attempt knows an earlier copy may exist', async () => {
    const seen: (string | undefined)[] = [];
    const { store, dispatcher, advance, flush } = setup({
      behaviour: (entry, call) => {
        seen.push(entry.postStartedAt);
        if (call === 1) throw Object.assign(new Error('socket hang up'), { code: 'slack_webapi_request_error' });
        return { ts: '1718366400.000001' };
      },
    });
    await dispatcher.publish({ key: 'k', channel: 'C1', text: 'hello', blocks: [] });
    await flush();
    expect((await store.outbox.get('k'))?.postStartedAt).toBe(T0.toISOString());
    advance(1000);
    await flush();
    expect(seen).toEqual([undefined, T0.toISOString()]);
    expect((await store.outbox.get('k'))?.ts).toBe('1718366400.000001');
  });

  it('a definite refusal from Slack (ok:false, 429) clears the mark: the message is certainly not in the channel', async () => {
    const seen: (string | undefined)[] = [];
    const { store, dispatcher, advance, flush, sender } = setup({
      behaviour: (entry, call) => {
        seen.push(entry.postStartedAt);
        if (call === 1) throw slackError('channel_not_found');
        if (call === 2)
          throw Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error', retryAfter: 1 });
        return { ts: '1718366400.000002' };
      },
    });
    await dispatcher.publish({ key: 'k2', channel: 'C1', text: 'hello', blocks: [] });
    await flush();
    expect((await store.outbox.get('k2'))?.postStartedAt).toBeUndefined();
    advance(1000);
    await flush();
    advance(1000);
    await flush();
    expect(seen).toEqual([undefined, undefined, undefined]);
    expect(postedWith(sender, 'k2')).toHaveLength(3);
  });
});
