/**
 * The repair pass of the ticket notes (issue 20) on a real SQLite store against the loopback fake
 * Zendesk: a request's note is queued right after its state change, not in the same transaction,
 * so a crash in between leaves the state without its note. The pass queues exactly the missing
 * ones, once, and never the license file itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type LicenseRequestInput } from '../../src/store';
import { REPAIR_HORIZON_MS } from '../../src/workflows/recent-requests-repair';
import { TicketNoteRepair } from '../../src/workflows/ticket-note-events';
import { TicketWriteQueue } from '../../src/workflows/ticket-notes';
import { TicketWriter } from '../../src/workflows/ticket-writer';
import { startZendesk, type ZendeskUnderTest } from '../zendesk/support/zendesk-under-test';

const T0 = new Date('2026-12-05T10:00:00.000Z');
const NOTICE = 'https://workspace.example.com/archives/C0LICENSING/p1765130000000100';

let dir: string;
let store: SqliteStore;
let z: ZendeskUnderTest;
let now: Date;
let warnings: Record<string, unknown>[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lr-note-repair-'));
  store = new SqliteStore(dir);
  z = await startZendesk();
  now = T0;
  warnings = [];
});
afterEach(async () => {
  await z.fake.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const logger = { info: () => undefined, warn: (obj: object) => void warnings.push(obj as Record<string, unknown>) };

const queue = () =>
  new TicketWriteQueue({
    writes: store.ticketWrites,
    noticeKeyOf: (id) => `license:${id}`,
    kick: () => undefined,
    delivery: 'internal-note',
    now: () => now,
  });

const repair = () =>
  new TicketNoteRepair({
    requests: store.requests,
    queue: queue(),
    delivery: 'internal-note',
    everyMs: 1_000,
    logger,
    now: () => now,
  });

const writer = () =>
  new TicketWriter({
    writes: store.ticketWrites,
    requests: store.requests,
    client: z.client,
    link: async () => ({ posted: true, url: NOTICE }),
    owner: 'replica-a',
    leaseMs: 60_000,
    retry: { minMs: 1_000, maxMs: 60_000 },
    linkWaitMs: 30_000,
    everyMs: 1_000,
    logger,
    now: () => now,
  });

function input(ticket: number, key: string, extra: Partial<LicenseRequestInput> = {}): LicenseRequestInput {
  return {
    ticketUrl: `https://gitlab.zendesk.com/agent/tickets/${ticket}`,
    email: `admin+${key}@customer.example`,
    userCount: 250,
    requestedBySlackId: 'U0ENGINEER',
    requestedByUsername: 'jdoe',
    licenseExpiresOn: '2026-11-20',
    scopeSummary: 'grace period ended 26 days ago',
    adapter: 'local',
    idempotencyKey: key,
    ...extra,
  };
}

/** Stores a request as refused at once (out of scope), as the form's refusal does. */
async function refusedRequest(request: LicenseRequestInput, reason: string) {
  const created = await store.requests.createRequest(request, now, { refusalReason: reason });
  if (created.outcome === 'duplicates') throw new Error('no duplicate check was asked for');
  return created.record;
}

/** The idempotency marks of the comments the bot added to a ticket, in order. */
const marks = (ticket: number) =>
  z.fake.updates.filter((u) => u.ticketId === ticket).map((u) => u.comment.body.split('\n').at(-1));

it('the process stopped after each change and before its note: one pass queues each missing note, once', async () => {
  const refusedTicket = z.fake.addTicket().id;
  const failedTicket = z.fake.addTicket().id;
  const overriddenTicket = z.fake.addTicket().id;
  const quietTicket = z.fake.addTicket().id;
  // The states as a crash right after each change leaves them: stored, no ticket write.
  const refused = await refusedRequest(input(refusedTicket, 'V1'), 'The organization is a prospect.');
  const { record: failing } = await store.requests.createRequest(input(failedTicket, 'V2'), now);
  await store.requests.updateRequest(failing.id, { status: 'failed', failureReason: 'GitLab timed out' }, now);
  const { record: overridden } = await store.requests.createRequest(
    input(overriddenTicket, 'V3', { overrideJustification: 'Customer production down all weekend.' }),
    now,
  );
  // A plain pending request has no note to lose.
  await store.requests.createRequest(input(quietTicket, 'V4'), now);

  now = new Date(T0.getTime() + 60_000);
  expect(await repair().pass()).toBe(3);
  expect(warnings.map((w) => w.event).sort()).toEqual(['failed-0', 'overridden', 'refused']);
  expect(await writer().pass()).toBe(3);

  expect(marks(refusedTicket)).toEqual([`Ref: lr-bot/req-${refused.id}-refused`]);
  expect(marks(failedTicket)).toEqual([`Ref: lr-bot/req-${failing.id}-failed-0`]);
  expect(marks(overriddenTicket)).toEqual([`Ref: lr-bot/req-${overridden.id}-overridden`]);
  expect(marks(quietTicket)).toEqual([]);
  const [note] = z.fake.addedComments.filter((c) => c.body.endsWith(`req-${refused.id}-refused`));
  expect(note.public).toBe(false);
  expect(note.body).toContain('- The organization is a prospect.');
  expect(note.body).toContain(`Slack notice: ${NOTICE}`);

  // Passes again (every quarter hour, or the next start): nothing more.
  expect(await repair().pass()).toBe(0);
  expect(await writer().pass()).toBe(0);
  expect(z.fake.addedComments).toHaveLength(3);
});

it('a note its event did queue is not queued twice, and requests older than the horizon are left alone', async () => {
  const ticket = z.fake.addTicket().id;
  const oldTicket = z.fake.addTicket().id;
  const old = await refusedRequest(input(oldTicket, 'V0'), 'SaaS is out of scope.');
  now = new Date(T0.getTime() + REPAIR_HORIZON_MS + 1);
  const record = await refusedRequest(input(ticket, 'V1'), 'The organization is a prospect.');
  await queue().requestNote(record, 'refused', {
    note: 'outcome',
    input: {
      outcome: 'refused',
      requestedBy: 'jdoe',
      reasons: [record.status === 'refused' ? record.refusalReason : ''],
    },
  });
  expect(await repair().pass()).toBe(0);
  expect(await writer().pass()).toBe(1);
  expect(marks(ticket)).toEqual([`Ref: lr-bot/req-${record.id}-refused`]);
  expect(await store.ticketWrites.forRequest(old.id)).toEqual([]);
});

it('a generated request gets its "generated" note back, never its license file (a late public reply is not its to send)', async () => {
  const ticket = z.fake.addTicket().id;
  const { record } = await store.requests.createRequest(input(ticket, 'V1'), now);
  await store.requests.updateRequest(
    record.id,
    { status: 'generated', trialExpiresOn: '2026-12-15', licenseFile: 'LICENSE' },
    now,
  );
  expect(await repair().pass()).toBe(1);
  expect((await store.ticketWrites.forRequest(record.id)).map((w) => w.key)).toEqual([`req-${record.id}-generated`]);
});
