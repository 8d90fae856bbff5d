/**
 * Issue 20, Write, end to end: the real bot over HTTP (signed requests to its port, Web API calls
 * to the loopback fake Slack) with ZENDESK_* pointing at the loopback FakeZendesk. Each event
 * leaves one note on its ticket, linked to its Slack message; the license file is attached once;
 * the channel notice says what happened on the ticket, also while Zendesk is rate-limiting or down.
 */
import { type BotUnderTest, LICENSING_CHANNEL, SIGNING_SECRET, startBotUnderTest } from '../../testkit/bot-under-test';
import { eventually } from '../../testkit/eventually';
import type { RecordedCall } from '../../testkit/fake-slack';
import { FakeZendesk, type FakeZendeskComment } from '../../testkit/fake-zendesk';
import { messageBlockActions } from '../../testkit/payloads';
import { messageText, parsedLogs, requestLicense, starCheckVerdict, ticketUrl } from '../../testkit/bot-steps';
import { postInteraction } from '../../testkit/signed-request';

const EMAIL = 'lr-bot@example.com';
const API_TOKEN = 'zdWr1teT0ken0123456789abcdefABCDEFsecret';
const ENGINEER = 'U0ENGINEER';
const PERMALINK = /^Slack notice: http:\/\/127\.0\.0\.1:\d+\/archives\/C0LICENSING\/p\d+$/m;

const env = (zd: FakeZendesk, extra: Record<string, string> = {}) => ({
  ZENDESK_API_URL: zd.apiUrl,
  ZENDESK_EMAIL: EMAIL,
  ZENDESK_API_TOKEN: API_TOKEN,
  LICENSE_REMINDER_HOURS: '240',
  OUTBOX_POLL_INTERVAL_MS: '50',
  OUTBOX_MIN_BACKOFF_MS: '50',
  OUTBOX_MAX_BACKOFF_MS: '400',
  ...extra,
});

/** The comments the bot added to a ticket (through the API), in order. */
const added = (zd: FakeZendesk, ticket: number): FakeZendeskComment[] =>
  zd.updates.filter((u) => u.ticketId === ticket).map((u) => u.comment);
const withRef = (zd: FakeZendesk, ticket: number, ref: RegExp) =>
  added(zd, ticket).filter((c) => c.body.split('\n').some((line) => ref.test(line)));

async function requestIdOf(t: BotUnderTest, ticket: number): Promise<string> {
  const [record] = await t.bot.services.store.requests.findByTicket(ticketUrl(ticket), 1);
  if (!record) throw new Error(`no request for ticket ${ticket}`);
  return record.id;
}

/** Everything the licensing channel shows of a request's notice (first post and its updates). */
const noticeText = (t: BotUnderTest, ticket: number) =>
  [...t.fake.callsTo('chat.postMessage'), ...t.fake.callsTo('chat.update')]
    .filter((c: RecordedCall) => c.args.channel === LICENSING_CHANNEL && !c.args.thread_ts)
    .filter((c) => messageText(c).includes(`tickets/${ticket}`))
    // Links read as their labels.
    .map((c) => messageText(c).replace(/<[^|>]+\|([^>]+)>/g, '$1'));

describe('Zendesk write path (internal-note delivery)', () => {
  let t: BotUnderTest;
  let zd: FakeZendesk;
  beforeAll(async () => {
    zd = new FakeZendesk({ email: EMAIL, apiToken: API_TOKEN });
    await zd.start();
    t = await startBotUnderTest(env(zd));
  });
  afterAll(async () => {
    await t.stop();
    await zd.stop();
  });
  beforeEach(() => zd.clearFaults());

  it('license generated: the file on an internal note, a "generated" note and a reminder note, each linked; Resolved adds one more', async () => {
    const ticket = zd.addTicket({ requester: { email: 'ada@acme.example' } }).id;
    await requestLicense(t, ticket, { email: `admin+${ticket}@customer.example` }, ENGINEER);
    const id = await requestIdOf(t, ticket);

    const license = await eventually(() => {
      const [comment] = withRef(zd, ticket, new RegExp(`^Ref: lr-bot/req-${id}-license$`));
      expect(comment).toBeDefined();
      return comment;
    });
    expect(license.public).toBe(false);
    expect(license.attachments.map((a) => a.file_name)).toEqual([`${id}.gitlab-license`]);
    expect(license.body).toContain('This is an internal note: send the file to the customer');
    expect(license.body).toMatch(PERMALINK);
    // The uploaded bytes are the license the engineer got.
    const uploaded = [...zd.uploads.values()].find((u) => u.usedBy === ticket)!;
    const [record] = await t.bot.services.store.requests.findByTicket(ticketUrl(ticket), 1);
    expect(record?.status === 'generated' && uploaded.bytes.toString('utf8')).toBe(
      record?.status === 'generated' && record.licenseFile,
    );

    const generated = await eventually(() => {
      const found = withRef(zd, ticket, new RegExp(`req-${id}-generated$`));
      expect(found).toHaveLength(1);
      return found;
    });
    expect(generated[0].public).toBe(false);
    expect(generated[0].body).toContain('Emergency trial license generated');
    expect(generated[0].body).toContain('The license file is attached to an internal note on this ticket.');
    expect(generated[0].body).toMatch(PERMALINK);

    const reminder = await eventually(() => {
      const found = withRef(zd, ticket, new RegExp(`req-${id}-reminder$`));
      expect(found).toHaveLength(1);
      return found[0];
    });
    expect(reminder.body).toContain('Reminder: the emergency trial license on this ticket stops working on');
    expect(reminder.body).toMatch(PERMALINK);

    // The channel notice says the ticket was updated.
    await eventually(() =>
      expect(noticeText(t, ticket).at(-1)).toContain(`Zendesk ticket ${ticket}: license attached as an internal note.`),
    );
    // /license-status says so too.
    const status = await t.command('/license-status', String(ticket), ENGINEER);
    expect(status.body).toContain(`Zendesk ticket ${ticket}: license attached as an internal note.`);

    // Resolved from the reminder in the thread: a resolution note, with who and the link.
    const reminderPost = await t.fake.waitForCall(
      'chat.postMessage',
      (c) =>
        c.args.channel === LICENSING_CHANNEL &&
        String(c.args.text).startsWith('Emergency trial license lapses') &&
        messageText(c).includes(`tickets/${ticket}`),
    );
    const click = await postInteraction(
      t.baseUrl,
      SIGNING_SECRET,
      messageBlockActions({
        message: { ...reminderPost.args, ts: reminderPost.response.ts },
        channelId: LICENSING_CHANNEL,
        actionId: 'license_resolved',
        responseUrl: t.fake.responseUrl(`r-${ticket}`),
        user: { id: ENGINEER, username: 'jdoe', name: 'jdoe', team_id: 'T0FAKETEAM' } as never,
      }),
    );
    expect(click.status).toBe(200);
    const resolution = await eventually(() => {
      const found = withRef(zd, ticket, new RegExp(`req-${id}-resolved$`));
      expect(found).toHaveLength(1);
      return found[0];
    });
    expect(resolution.body).toContain('Emergency trial resolved: the customer has a real license.');
    expect(resolution.body).toMatch(/Marked resolved by (jdoe|Slack user U0ENGINEER) at /);
    expect(resolution.body).toMatch(PERMALINK);
    // Exactly these four comments: nothing written twice.
    expect(added(zd, ticket)).toHaveLength(4);
  });

  it('a STAR verdict: one internal note with the verdict, the facts, who, and the link to the audit message', async () => {
    const ticket = zd.addTicket({}).id;
    const { viewId } = await starCheckVerdict(t, ticket, ENGINEER);
    const note = await eventually(() => {
      const found = withRef(zd, ticket, new RegExp(`^Ref: lr-bot/star-${viewId}$`));
      expect(found).toHaveLength(1);
      return found[0];
    });
    expect(note.public).toBe(false);
    expect(note.body).toMatch(/^STAR check: .+ \((no STAR justified|the STAR is justified)\)$/m);
    expect(note.body).toContain('What decided it:');
    expect(note.body).toMatch(/^- .+: .+$/m);
    expect(note.body).toMatch(/Decided by (jdoe|Slack user U0ENGINEER) at /);
    expect(note.body).toMatch(PERMALINK);
  });

  it('Zendesk 429 with Retry-After: waits what Zendesk asked, then writes once', async () => {
    const ticket = zd.addTicket({}).id;
    // The ticket update is rate-limited once (reading the ticket for the form is not).
    zd.fail({ method: 'PUT', path: new RegExp(`/tickets/${ticket}(\\.json)?$`), status: 429, retryAfter: 1 });
    const { viewId } = await starCheckVerdict(t, ticket, ENGINEER);
    await eventually(() => expect(withRef(zd, ticket, new RegExp(`star-${viewId}$`))).toHaveLength(1), {
      timeoutMs: 8000,
    });
    // Recorded right after Zendesk answered the update.
    await eventually(async () =>
      expect(await t.bot.services.store.ticketWrites.get(`star-${viewId}`)).toMatchObject({
        state: 'done',
        written: 'now',
        attempts: 1,
      }),
    );
    const retry = parsedLogs(t.logs).find(
      (l) => l.msg === 'ticket not updated yet; will retry' && l.key === `star-${viewId}`,
    );
    // Retry-After (1 s) is longer than the backoff (50 ms): Zendesk's wait wins.
    expect(retry).toMatchObject({ kind: 'rate-limited', retryInMs: 1000 });
    expect(zd.requests.filter((r) => r.method === 'PUT' && r.status === 429)).toHaveLength(1);
  });

  it('Zendesk down: the notice says the license is not on the ticket yet and is retried; later it is attached once', async () => {
    const ticket = zd.addTicket({}).id;
    // Down until the notice says so (a short outage could be over before Slack shows that version).
    zd.fail({ path: '/uploads', status: 503, times: Infinity });
    await requestLicense(t, ticket, { email: `admin+${ticket}@customer.example` }, ENGINEER);
    const id = await requestIdOf(t, ticket);
    await eventually(() =>
      expect(noticeText(t, ticket).join('\n')).toMatch(
        new RegExp(`License not on Zendesk ticket ${ticket} yet, retrying\\. .*Zendesk is unavailable right now\\.`),
      ),
    );
    zd.clearFaults();
    await eventually(
      () =>
        expect(noticeText(t, ticket).at(-1)).toContain(
          `Zendesk ticket ${ticket}: license attached as an internal note.`,
        ),
      { timeoutMs: 8000 },
    );
    const licenseComments = added(zd, ticket).filter((c) => c.attachments.length > 0);
    expect(licenseComments).toHaveLength(1);
    const write = await t.bot.services.store.ticketWrites.get(`req-${id}-license`);
    expect(write).toMatchObject({ state: 'done', written: 'now' });
    expect(write!.attempts).toBeGreaterThanOrEqual(1);
  });

  it('a closed ticket: the write fails for good and the notice says why', async () => {
    const ticket = zd.addTicket({ status: 'closed' }).id;
    await requestLicense(t, ticket, { email: `admin+${ticket}@customer.example` }, ENGINEER);
    await eventually(() =>
      expect(noticeText(t, ticket).at(-1)).toContain(
        `License not attached to Zendesk ticket ${ticket}. Could not update the Zendesk ticket: ` +
          `Zendesk refused the request about ticket ${ticket}.`,
      ),
    );
    const id = await requestIdOf(t, ticket);
    expect(await t.bot.services.store.ticketWrites.get(`req-${id}-license`)).toMatchObject({
      state: 'failed',
      attempts: 1,
    });
    // The token never reaches the log.
    expect(t.logs.join('')).not.toContain(API_TOKEN);
  });
});

describe('Zendesk write path (public-reply delivery)', () => {
  let t: BotUnderTest;
  let zd: FakeZendesk;
  beforeAll(async () => {
    zd = new FakeZendesk({ email: EMAIL, apiToken: API_TOKEN });
    await zd.start();
    t = await startBotUnderTest(env(zd, { ZENDESK_LICENSE_DELIVERY: 'public-reply' }));
  });
  afterAll(async () => {
    await t.stop();
    await zd.stop();
  });

  it('the license goes to the requester in a public reply with the activation steps and the end date; no Slack link', async () => {
    const ticket = zd.addTicket({}).id;
    await requestLicense(t, ticket, { email: `admin+${ticket}@customer.example` }, ENGINEER);
    const id = await requestIdOf(t, ticket);
    const reply = await eventually(() => {
      const found = added(zd, ticket).filter((c) => c.public);
      expect(found).toHaveLength(1);
      return found[0];
    });
    expect(reply.attachments.map((a) => a.file_name)).toEqual([`${id}.gitlab-license`]);
    expect(reply.body).toContain('To activate it, as an administrator of your GitLab instance:');
    expect(reply.body).toMatch(/The trial license stops working on \d{4}-\d{2}-\d{2} \(00:00 UTC\)/);
    expect(reply.body).not.toContain('Slack');
    expect(reply.body).not.toContain('lr-bot/');
    await eventually(() =>
      expect(noticeText(t, ticket).at(-1)).toContain(
        `Zendesk ticket ${ticket}: license sent to the requester in a public reply.`,
      ),
    );
    const generated = await eventually(() => {
      const found = withRef(zd, ticket, new RegExp(`req-${id}-generated$`));
      expect(found).toHaveLength(1);
      return found;
    });
    expect(generated[0].public).toBe(false);
    expect(generated[0].body).toContain('The license file was sent to the requester in a public reply.');
  });
});

describe('without Zendesk credentials', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest({ OUTBOX_POLL_INTERVAL_MS: '50' });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('a license and a verdict queue nothing for Zendesk, and the notice has no ticket line', async () => {
    const ticket = 880001;
    await requestLicense(t, ticket, { email: `admin+${ticket}@customer.example` }, ENGINEER);
    await starCheckVerdict(t, ticket, ENGINEER);
    const id = await requestIdOf(t, ticket);
    await eventually(() => expect(noticeText(t, ticket).at(-1)).toContain('Delivered to'));
    expect(await t.bot.services.store.ticketWrites.forRequest(id)).toEqual([]);
    expect(noticeText(t, ticket).join('\n')).not.toContain('Zendesk ticket');
  });
});
