/**
 * The Slack lines of a request are queued right after its state is stored, not in the same
 * transaction: a process that dies in between leaves a given-up hand-over without the thread line
 * that tells the person waiting, a notice that still says "retrying", or a sent copy without its
 * line. Nothing retries them (the hand-over is no longer pending). The repair pass (the first at
 * start) queues exactly what is missing, once: on a real SQLite store, with the real notifier,
 * notice publisher and audit outbox, against a recording Slack sender.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebClient } from '@slack/web-api';
import pino from 'pino';
import { OutboxDispatcher, type AuditSender } from '../../src/audit/outbox-dispatcher';
import type { LicenseAdapter } from '../../src/licenses/types';
import { LicenseNoticePublisher } from '../../src/slack/license-notice-publisher';
import { SlackLineRepair } from '../../src/slack/license-line-repair';
import { SlackLicenseNotifier } from '../../src/slack/slack-license-notifier';
import { openStore, type LicenseRequestInput, type OutboxEntry, type Store } from '../../src/store';
import {
  DEFAULT_DELIVERY_RETRY,
  EmergencyLicenseWorkflow,
  type LicenseNotifier,
} from '../../src/workflows/emergency-license';

const CHANNEL = 'C0LICENSING';
const REQUESTER = 'U0REQUESTER';
const ASKER = 'U0ASKER';
const logger = pino({ level: 'silent' });

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lr-line-repair-'));
  store = openStore(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What reached Slack: a new message (in a thread or not) or an edit of one, by outbox key. */
interface Sent {
  key: string;
  how: 'post' | 'update';
  text: string;
  /** The blocks as JSON, for what the fallback text leaves out (the delivery line). */
  blocks: string;
}

/** One process's Slack side: its outbox dispatcher, notice publisher, notifier and repair, on the shared store. */
function slackSide(sent: Sent[], unreachable: Set<string>) {
  let posted = 0;
  const sender: AuditSender = {
    send: async (entry: OutboxEntry) => {
      sent.push({
        key: entry.key,
        how: entry.ts ? 'update' : 'post',
        text: entry.text,
        blocks: JSON.stringify(entry.blocks),
      });
      return { ts: entry.ts ?? `1765130000.${String(++posted).padStart(6, '0')}` };
    },
  };
  const audit = new OutboxDispatcher({ outbox: store.outbox, sender, owner: 'repair-test', logger });
  const notice = new LicenseNoticePublisher({
    audit,
    stored: (key) => store.outbox.get(key),
    latest: (id) => store.requests.getRequest(id),
    resolution: (id) => store.lifecycle.resolution(id),
    licensingChannel: CHANNEL,
  });
  const client = {
    conversations: {
      open: async ({ users }: { users: string }) => {
        if (unreachable.has(users)) throw Object.assign(new Error('internal_error'), { data: { ok: false } });
        return { ok: true, channel: { id: `D${users}` } };
      },
    },
    chat: { postMessage: async () => ({ ok: true, ts: '1765130000.999999' }) },
  } as unknown as WebClient;
  const notifier = new SlackLicenseNotifier({ client, notice, audit, licensingChannel: CHANNEL, logger });
  const repair = new SlackLineRepair({
    requests: store.requests,
    outbox: store.outbox,
    notice,
    notifier,
    everyMs: 60_000,
    logger,
  });
  /** Sends everything queued (a pass started by publish() may still be running when kick() returns). */
  const sendAll = async () => {
    for (let pass = 0; pass < 50; pass++) {
      await audit.kick();
      if ((await store.outbox.backlog()) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('the outbox still has messages to send');
  };
  return { audit, notifier, repair, sendAll };
}

const adapter: LicenseAdapter = {
  name: 'local',
  request: async () => ({ status: 'generated', expiresOn: '2026-12-17', reference: '/var/lib/bot/x.gitlab-license' }),
  follow: async () => {
    throw new Error('not used');
  },
};

const workflowWith = (notifier: LicenseNotifier) =>
  new EmergencyLicenseWorkflow({
    requests: store.requests,
    adapter,
    notifier,
    logger,
    // One failed attempt is the last: the give-up is what this test is about, not the backoff.
    deliveryRetry: { ...DEFAULT_DELIVERY_RETRY, maxAttempts: 1, pollIntervalMs: 60_000 },
    lease: { owner: 'A', leaseMs: 60_000, maxInFlight: 5 },
  });

const request: LicenseRequestInput = {
  ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/4242',
  email: 'admin@customer.example',
  userCount: 250,
  requestedBySlackId: REQUESTER,
  requestedByUsername: 'jdoe',
  licenseExpiresOn: '2026-11-20',
  scopeSummary: 'grace period ended 26 days ago',
  adapter: 'local',
  idempotencyKey: 'repair-1',
};

/** A process that dies right before `crashesAt` of its notifier: that step and everything after it never happen. */
function crashingAt(notifier: SlackLicenseNotifier, crashesAt: 'handOverGivenUp' | 'copySent' | 'recordChanged') {
  let crashed = false;
  const dead = new Error('the process died here');
  const alive: LicenseNotifier = {
    recordChanged: (record) => (crashed ? Promise.reject(dead) : notifier.recordChanged(record)),
    deliver: (record, options) => notifier.deliver(record, options),
    copySent: (record, to, copyId) => (crashed ? Promise.reject(dead) : notifier.copySent(record, to, copyId)),
    handOverGivenUp: (record, copy) => (crashed ? Promise.reject(dead) : notifier.handOverGivenUp(record, copy)),
  };
  return {
    ...alive,
    [crashesAt]: () => {
      crashed = true;
      return Promise.reject(dead);
    },
    // A status change after the first one is the last thing this process stores and says.
    recordChanged:
      crashesAt === 'recordChanged'
        ? (record) =>
            record.status === 'generated' && record.delivery.status === 'failed'
              ? ((crashed = true), Promise.reject(dead))
              : alive.recordChanged(record)
        : alive.recordChanged,
  } satisfies LicenseNotifier;
}

/** Runs the first process until it dies, with everything it queued before that sent. */
async function firstProcess(crashesAt: Parameters<typeof crashingAt>[1], unreachable: Set<string>, sent: Sent[]) {
  const side = slackSide(sent, unreachable);
  const workflow = workflowWith(crashingAt(side.notifier, crashesAt));
  const created = await workflow.request(request);
  if (created.outcome !== 'created') throw new Error('expected a new request');
  // The crash at a status change ends the run there: what it stored is in the store.
  await workflow.process(created.record.id).catch(() => undefined);
  const record = await store.requests.getRequest(created.record.id);
  if (!record) throw new Error('the request was not stored');
  await side.sendAll();
  return { side, workflow, record };
}

/** The next start: a fresh process over the same store runs its repair pass, and the outbox sends. */
async function nextStart(sent: Sent[]) {
  const side = slackSide(sent, new Set());
  const queued = await side.repair.pass();
  await side.sendAll();
  return queued;
}

const givenUpLines = (sent: Sent[], id: string) => sent.filter((s) => s.key === `license:${id}:given-up`);

describe('the repair of Slack lines lost to a crash', () => {
  it('a first hand-over given up right before its thread line: the line is posted once, the notice left alone', async () => {
    const sent: Sent[] = [];
    const { record } = await firstProcess('handOverGivenUp', new Set([REQUESTER]), sent);
    expect(record.status === 'generated' && record.delivery.status).toBe('failed');
    expect(givenUpLines(sent, record.id)).toEqual([]);
    const before = sent.length;

    expect(await nextStart(sent)).toBe(1);
    const after = sent.slice(before);
    expect(after.map((s) => [s.key, s.how])).toEqual([[`license:${record.id}:given-up`, 'post']]);
    expect(after[0].text).toContain(`*Not delivered* to <@${REQUESTER}>: gave up after 1 attempts`);

    // Later passes (every quarter hour, and each start): nothing more reaches Slack.
    expect(await nextStart(sent)).toBe(0);
    expect(await nextStart(sent)).toBe(0);
    expect(sent.slice(before)).toHaveLength(1);
  });

  it('a process that died before editing the notice: the notice is edited once and the line posted once', async () => {
    const sent: Sent[] = [];
    const { record } = await firstProcess('recordChanged', new Set([REQUESTER]), sent);
    expect(record.status === 'generated' && record.delivery.status).toBe('failed');
    const before = sent.length;
    const notices = sent.filter((s) => s.key === `license:${record.id}`);
    expect(notices.at(-1)?.blocks).toContain('not delivered yet');
    expect(givenUpLines(sent, record.id)).toEqual([]);

    expect(await nextStart(sent)).toBe(2);
    const after = sent.slice(before);
    expect(after.map((s) => [s.key, s.how])).toEqual([
      [`license:${record.id}`, 'update'],
      [`license:${record.id}:given-up`, 'post'],
    ]);
    expect(after[0].blocks).toContain(`*Not delivered* to <@${REQUESTER}>: gave up after 1 attempts`);

    expect(await nextStart(sent)).toBe(0);
    expect(sent.slice(before)).toHaveLength(2);
  });

  it('a copy given up right before its line, and a copy sent right before its line: each line once', async () => {
    const sent: Sent[] = [];
    const unreachable = new Set([ASKER]);
    const { side, workflow, record } = await firstProcess('handOverGivenUp', unreachable, sent);
    expect(record.status === 'generated' && record.delivery.status).toBe('delivered');
    await workflow.requestCopy(record.id, ASKER, 'click-1');
    await workflow.settle();
    const [givenUp] = await store.requests.copiesOf(record.id);
    expect(givenUp.delivery.status).toBe('failed');

    // Another process, dying right before the "copy was sent" line of the next copy.
    unreachable.clear();
    const second = slackSide(sent, unreachable);
    const copier = workflowWith(crashingAt(second.notifier, 'copySent'));
    await copier.requestCopy(record.id, REQUESTER, 'click-2');
    await copier.settle();
    const copies = await store.requests.copiesOf(record.id);
    expect(copies.map((c) => c.delivery.status)).toEqual(['failed', 'delivered']);
    await side.sendAll();
    await second.sendAll();
    const before = sent.length;

    expect(await nextStart(sent)).toBe(2);
    const after = sent.slice(before);
    expect(after.map((s) => [s.key, s.how])).toEqual([
      [`license:${record.id}:copy:${copies[0].id}:given-up`, 'post'],
      [`license:${record.id}:copy:${copies[1].id}`, 'post'],
    ]);
    expect(after[0].text).toContain(`A copy of this license: *Not delivered* to <@${ASKER}>`);
    expect(after[1].text).toContain(`A copy of this license was sent to <@${REQUESTER}>`);

    expect(await nextStart(sent)).toBe(0);
    expect(sent.slice(before)).toHaveLength(2);
  });

  it('a request whose lines all went out gets nothing from the repair', async () => {
    const sent: Sent[] = [];
    const side = slackSide(sent, new Set([REQUESTER]));
    const workflow = workflowWith(side.notifier);
    const created = await workflow.request(request);
    if (created.outcome !== 'created') throw new Error('expected a new request');
    await workflow.process(created.record.id);
    await side.sendAll();
    const before = sent.length;
    expect(givenUpLines(sent, created.record.id)).toHaveLength(1);

    expect(await nextStart(sent)).toBe(0);
    expect(sent.slice(before)).toEqual([]);
  });
});
