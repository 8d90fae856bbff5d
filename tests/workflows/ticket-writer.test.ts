/**
 * The ticket writer (issue 20) on a real SQLite store against the loopback fake Zendesk, with a
 * clock of its own: backoff, Zendesk's Retry-After, the fence before the write, failures for good,
 * the wait for the Slack notice, and a write found on the ticket instead of repeated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type TicketWriteRepository } from '../../src/store';
import { TicketWriteQueue } from '../../src/workflows/ticket-notes';
import { TicketWriter, type NoticeLink } from '../../src/workflows/ticket-writer';
import { startZendesk, type ZendeskUnderTest } from '../zendesk/support/zendesk-under-test';

const T0 = new Date('2026-12-05T10:00:00.000Z');
const NOTICE = 'https://workspace.example.com/archives/C0LICENSING/p1765130000000100';
const quiet = { info: () => undefined, warn: () => undefined };

let dir: string;
let store: SqliteStore;
let z: ZendeskUnderTest;
let now: Date;
let link: NoticeLink;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lr-ticket-writer-'));
  store = new SqliteStore(dir);
  z = await startZendesk();
  now = T0;
  link = { posted: true, url: NOTICE };
});
afterEach(async () => {
  await z.fake.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function writer(owner = 'replica-a', writes: TicketWriteRepository = store.ticketWrites) {
  return new TicketWriter({
    writes,
    requests: store.requests,
    client: z.client,
    link: async () => link,
    owner,
    leaseMs: 60_000,
    retry: { minMs: 1_000, maxMs: 60_000 },
    linkWaitMs: 30_000,
    everyMs: 1_000,
    logger: quiet,
    now: () => now,
  });
}

const queue = () =>
  new TicketWriteQueue({
    writes: store.ticketWrites,
    noticeKeyOf: (id) => `license:${id}`,
    kick: () => undefined,
    delivery: 'internal-note',
    now: () => now,
  });

async function refusedNote(ticket: number) {
  await queue().requestNote({ id: 'r1', ticketUrl: `https://gitlab.zendesk.com/agent/tickets/${ticket}` }, 'refused', {
    note: 'outcome',
    input: { outcome: 'refused', requestedBy: 'jdoe', reasons: ['The grace period ended 40 days ago.'] },
  });
  return 'req-r1-refused';
}

const at = (ms: number) => new Date(T0.getTime() + ms).toISOString();

it('writes the note once with the Slack link and its mark; done', async () => {
  const ticket = z.fake.addTicket().id;
  const key = await refusedNote(ticket);
  expect(await writer().pass()).toBe(1);
  expect(z.fake.addedComments).toHaveLength(1);
  const [comment] = z.fake.addedComments;
  expect(comment.public).toBe(false);
  expect(comment.body).toContain('Emergency trial license refused');
  expect(comment.body).toContain(`Slack notice: ${NOTICE}`);
  expect(comment.body.endsWith(`Ref: lr-bot/${key}`)).toBe(true);
  expect(await store.ticketWrites.get(key)).toMatchObject({ state: 'done', written: 'now', attempts: 0 });
  expect(await writer().pass()).toBe(0);
});

it('Zendesk down: retried with doubling backoff, then written once', async () => {
  const ticket = z.fake.addTicket().id;
  const key = await refusedNote(ticket);
  z.fake.fail({ method: 'PUT', status: 503, times: 2 });
  await writer().pass();
  expect(await store.ticketWrites.get(key)).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: at(1_000) });
  expect((await store.ticketWrites.get(key))!.lastError).toContain('Zendesk is unavailable right now.');
  now = new Date(T0.getTime() + 1_000);
  await writer().pass();
  expect(await store.ticketWrites.get(key)).toMatchObject({ attempts: 2, nextAttemptAt: at(3_000) });
  now = new Date(T0.getTime() + 2_999);
  expect(await writer().pass()).toBe(0);
  now = new Date(T0.getTime() + 3_000);
  await writer().pass();
  expect(await store.ticketWrites.get(key)).toMatchObject({ state: 'done', written: 'now', attempts: 2 });
  expect(z.fake.addedComments).toHaveLength(1);
});

it('429: Retry-After wins over a shorter backoff', async () => {
  const ticket = z.fake.addTicket().id;
  const key = await refusedNote(ticket);
  z.fake.fail({ method: 'PUT', status: 429, retryAfter: 30 });
  await writer().pass();
  expect(await store.ticketWrites.get(key)).toMatchObject({ attempts: 1, nextAttemptAt: at(30_000) });
  now = new Date(T0.getTime() + 30_000);
  await writer().pass();
  expect(z.fake.addedComments).toHaveLength(1);
});

it('a refusal for good (ticket not found, closed): failed with the reason, never retried', async () => {
  const key = await refusedNote(999_999);
  await writer().pass();
  const write = await store.ticketWrites.get(key);
  expect(write).toMatchObject({ state: 'failed', attempts: 1 });
  expect(write!.lastError).toContain('Zendesk did not find ticket 999999');
  now = new Date(T0.getTime() + 3_600_000);
  expect(await writer().pass()).toBe(0);
  expect(z.fake.updates).toHaveLength(0);
});

it('the fence: a write whose lease was lost writes nothing', async () => {
  const ticket = z.fake.addTicket().id;
  const key = await refusedNote(ticket);
  // Another replica takes the write between this one's claim and its write.
  const stolen: TicketWriteRepository = Object.create(store.ticketWrites) as TicketWriteRepository;
  stolen.renewLease = async (k, _owner, at0, leaseMs) => {
    await store.ticketWrites.claimDue('replica-b', new Date(at0.getTime() + 120_000), 1, leaseMs);
    return store.ticketWrites.renewLease(k, 'replica-a', at0, leaseMs);
  };
  await writer('replica-a', stolen).pass();
  expect(z.fake.requests).toHaveLength(0);
  expect(await store.ticketWrites.get(key)).toMatchObject({ state: 'pending', claimedBy: 'replica-b' });
});

it('waits for its Slack notice without counting an attempt, then writes without the link', async () => {
  const ticket = z.fake.addTicket().id;
  const key = await refusedNote(ticket);
  link = { posted: false };
  await writer().pass();
  expect(z.fake.requests).toHaveLength(0);
  expect(await store.ticketWrites.get(key)).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: at(1_000) });
  now = new Date(T0.getTime() + 30_000);
  await writer().pass();
  expect(z.fake.addedComments[0].body).toContain('Slack notice: not available.');
});

it('a write that reached the ticket before a crash is found there, not repeated', async () => {
  const ticket = z.fake.addTicket().id;
  const key = await refusedNote(ticket);
  // The update is applied but its answer lost: the attempt looks failed.
  z.fake.fail({ method: 'PUT', status: 500, applyFirst: true });
  await writer().pass();
  expect(await store.ticketWrites.get(key)).toMatchObject({ state: 'pending', attempts: 1 });
  now = new Date(T0.getTime() + 1_000);
  await writer().pass();
  expect(await store.ticketWrites.get(key)).toMatchObject({ state: 'done', written: 'already' });
  expect(z.fake.addedComments).toHaveLength(1);
});

it('a ticket of another Zendesk is never touched: failed for good, no request sent', async () => {
  await queue().note(
    'star-V9',
    'https://other.zendesk.com/agent/tickets/5',
    { note: 'resolution', input: { resolvedBy: 'jdoe', resolvedAt: T0.toISOString() } },
    'star:V9',
  );
  await writer().pass();
  expect(z.fake.requests).toHaveLength(0);
  expect(await store.ticketWrites.get('star-V9')).toMatchObject({ state: 'failed', attempts: 1 });
});
