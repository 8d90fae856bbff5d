/**
 * Issue 20, Write, end to end: the real bot over HTTP (signed requests to its port, Web API calls
 * to the loopback fake Slack) with ZENDESK_* pointing at the loopback FakeZendesk. Each event
 * leaves one note on its ticket, linked to its Slack message; the license file is attached once;
 * the channel notice says what happened on the ticket, also while Zendesk is rate-limiting or down.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applySubmissionAck,
  type BotUnderTest,
  LICENSING_CHANNEL,
  SIGNING_SECRET,
  startBotUnderTest,
} from '../../testkit/bot-under-test';
import { eventually } from '../../testkit/eventually';
import { FakeSlack, type JsonObject, type RecordedCall } from '../../testkit/fake-slack';
import type { FakeZendesk, FakeZendeskComment } from '../../testkit/fake-zendesk';
import { messageBlockActions, textOf } from '../../testkit/payloads';
import {
  daysAgo,
  messageText,
  parsedLogs,
  postsForTicket,
  requestLicense,
  starCheckVerdict,
  submitView,
  ticketUrl,
} from '../../testkit/bot-steps';
import { postInteraction } from '../../testkit/signed-request';
import { FakeGitLab } from '../licenses/support/fake-gitlab';
import { API_TOKEN, newFakeZendesk, useBotWithZendesk, zendeskEnv } from '../zendesk/support/zendesk-under-test';
import { useFakeWallClock } from '../support/fake-wall-clock';

const ENGINEER = 'U0ENGINEER';
const PERMALINK = /^Slack notice: http:\/\/127\.0\.0\.1:\d+\/archives\/C0LICENSING\/p\d+$/m;

/** The settings besides ZENDESK_*: a reminder due at once, a fast outbox. */
const settings = (extra: Record<string, string> = {}) => ({
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
/** The one comment on the ticket carrying this idempotency mark (written once, however often it was queued). */
const onlyNote = (zd: FakeZendesk, ticket: number, key: string) =>
  eventually(
    () => {
      const found = withRef(zd, ticket, new RegExp(`^Ref: lr-bot/${key}$`));
      expect(found).toHaveLength(1);
      return found[0];
    },
    { timeoutMs: 8000 },
  );

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
  const { t, zd } = useBotWithZendesk({ env: () => settings() });
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

  it('refused: an out-of-scope request (a prospect) leaves one "refused" note with the reason and the link', async () => {
    const ticket = zd.addTicket({}).id;
    const { ack } = await requestLicense(
      t,
      ticket,
      { email: `admin+${ticket}@customer.example`, prospect: 'yes' },
      ENGINEER,
    );
    expect(ack.kind).toBe('update');
    // The refusal is stored after the ack (the modal shows it first).
    const record = await eventually(async () => {
      const [found] = await t.bot.services.store.requests.findByTicket(ticketUrl(ticket), 1);
      expect(found?.status).toBe('refused');
      return found;
    });
    const reason = record.status === 'refused' ? record.refusalReason : '';
    expect(reason).toMatch(/prospect/i);

    const note = await onlyNote(zd, ticket, `req-${record.id}-refused`);
    expect(note.public).toBe(false);
    expect(note.body).toContain('Emergency trial license refused: the request is outside the emergency scope.');
    expect(note.body).toContain('Requested by jdoe.');
    expect(note.body).toContain(`Why:\n- ${reason}`);
    expect(note.body).toContain('No license was generated.');
    expect(note.body).toContain('prospects are routed to Sales');
    expect(note.body).toMatch(PERMALINK);
    await eventually(async () =>
      expect(await t.bot.services.store.ticketWrites.get(`req-${record.id}-refused`)).toMatchObject({ state: 'done' }),
    );
    // Nothing else: no license, no generated note.
    expect(added(zd, ticket)).toHaveLength(1);
  });

  it('overridden: a manager overrides the time window with a justification → an "overridden" note quoting it, then the license and the generated note', async () => {
    const ticket = zd.addTicket({}).id;
    // The grace period ended 26 days ago: outside the window, which a manager may override.
    const { ack } = await requestLicense(
      t,
      ticket,
      { email: `admin+${ticket}@customer.example`, expiration_date: daysAgo(40) },
      ENGINEER,
    );
    const offered = ack.view!;
    expect(offered.callback_id).toBe('emergency_license_override');
    const justification = 'Customer production down all weekend;\nL&R away until Monday morning.';
    const override = applySubmissionAck(t.fake, offered, await submitView(t, offered, { justification }, ENGINEER));
    expect(override.kind).toBe('update');

    const records = await eventually(async () => {
      const found = await t.bot.services.store.requests.findByTicket(ticketUrl(ticket), 10);
      expect(found.map((r) => r.status).sort()).toEqual(['generated', 'refused']);
      return found;
    });
    const refused = records.find((r) => r.status === 'refused')!;
    const overridden = records.find((r) => r.status === 'generated')!;
    expect(overridden.overrideJustification).toBe(
      'Customer production down all weekend;\nL&R away until Monday morning.',
    );

    const note = await onlyNote(zd, ticket, `req-${overridden.id}-overridden`);
    expect(note.public).toBe(false);
    expect(note.body).toContain('Emergency scope check overridden by jdoe.');
    expect(note.body).toContain(`The scope check said: ${overridden.scopeSummary}`);
    expect(note.body).toContain(
      'Justification:\n  > Customer production down all weekend;\n  > L&R away until Monday morning.',
    );
    expect(note.body).toMatch(PERMALINK);

    // The submission the override answered was refused first: that stays on the ticket too.
    const refusal = await onlyNote(zd, ticket, `req-${refused.id}-refused`);
    expect(refusal.body).toMatch(PERMALINK);
    const license = await onlyNote(zd, ticket, `req-${overridden.id}-license`);
    expect(license.attachments.map((a) => a.file_name)).toEqual([`${overridden.id}.gitlab-license`]);
    const generated = await onlyNote(zd, ticket, `req-${overridden.id}-generated`);
    expect(generated.body).toContain('Emergency trial license generated');
    await onlyNote(zd, ticket, `req-${overridden.id}-reminder`);
    // One comment per event: refused, overridden, license, generated, reminder.
    expect(added(zd, ticket)).toHaveLength(5);
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
  const { t, zd } = useBotWithZendesk({ env: () => settings({ ZENDESK_LICENSE_DELIVERY: 'public-reply' }) });

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

describe('Zendesk write path (gitlab-issue adapter: failed attempts)', () => {
  const gitlab = new FakeGitLab();
  beforeAll(() => gitlab.start());
  const { t, zd } = useBotWithZendesk({
    env: () =>
      settings({
        ...gitlab.botEnv(),
        GITLAB_TIMEOUT_MINUTES: '1',
      }),
  });
  afterAll(() => gitlab.stop());

  /** The request's notice as the channel shows it now, once it reads `status`. */
  const noticeShowing = (ticket: number, status: RegExp) =>
    eventually(
      () => {
        const [post] = postsForTicket(t.fake, ticket);
        expect(post).toBeDefined();
        const shown = t.fake.getMessage(LICENSING_CHANNEL, post.response.ts) as JsonObject;
        expect(textOf(shown.blocks)).toMatch(status);
        return shown;
      },
      { timeoutMs: 8000 },
    );

  it('each failed attempt leaves one "failed" note with its reason; Retry that fails again leaves a second', async () => {
    gitlab.scriptNextIssue(
      FakeGitLab.mechanizerFailure({ reason: 'CustomersDot rejected the email address', afterPolls: 1 }),
    );
    const ticket = zd.addTicket({}).id;
    await requestLicense(t, ticket, { email: `admin+${ticket}@customer.example` }, ENGINEER);
    const id = await eventually(() => requestIdOf(t, ticket));
    const first = await onlyNote(zd, ticket, `req-${id}-failed-0`);
    expect(first.public).toBe(false);
    expect(first.body).toContain('Emergency trial license request failed.');
    expect(first.body).toContain('Requested by jdoe.');
    expect(first.body).toMatch(/^Reason: .*CustomersDot rejected the email address/m);
    expect(first.body).toContain('No license was generated.');
    expect(first.body).toMatch(PERMALINK);

    // Retry from the notice; Mechanizer fails again, for another reason.
    gitlab.scriptNextIssue(
      FakeGitLab.mechanizerFailure({ reason: 'CustomersDot is down for maintenance', afterPolls: 1 }),
    );
    const shown = await noticeShowing(ticket, /Failed/);
    const click = await postInteraction(
      t.baseUrl,
      SIGNING_SECRET,
      messageBlockActions({
        message: shown,
        channelId: LICENSING_CHANNEL,
        actionId: 'retry_license',
        responseUrl: t.fake.responseUrl(`retry-${ticket}`),
        user: { id: ENGINEER, username: 'jdoe', name: 'jdoe', team_id: 'T0FAKETEAM' } as never,
      }),
    );
    expect(click.status).toBe(200);
    const second = await onlyNote(zd, ticket, `req-${id}-failed-1`);
    expect(second.body).toMatch(/^Reason: .*CustomersDot is down for maintenance/m);
    expect(second.body).toMatch(PERMALINK);
    await eventually(async () =>
      expect(await t.bot.services.store.ticketWrites.get(`req-${id}-failed-1`)).toMatchObject({ state: 'done' }),
    );
    // One note per failed attempt, and nothing for the retry's pending moment.
    expect(added(zd, ticket).map((c) => c.body.split('\n').at(-1))).toEqual([
      `Ref: lr-bot/req-${id}-failed-0`,
      `Ref: lr-bot/req-${id}-failed-1`,
    ]);
  }, 20_000);
});

describe('Zendesk write path (a note its event did not queue)', () => {
  let zd: FakeZendesk;
  let fake: FakeSlack;
  let dataDir: string;
  beforeAll(async () => {
    zd = newFakeZendesk();
    await zd.start();
    fake = new FakeSlack({ logErrors: false });
    await fake.start();
    dataDir = mkdtempSync(join(tmpdir(), 'lr-note-repair-e2e-'));
  });
  afterAll(async () => {
    await fake.stop();
    await zd.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a refusal stored without its note (the bot could not queue one then): the next start writes it, once', async () => {
    const ticket = zd.addTicket({}).id;
    // The same store, first without Zendesk: the refusal is stored and nothing is queued for the ticket.
    const before = await startBotUnderTest({ OUTBOX_POLL_INTERVAL_MS: '50' }, { fake, dataDir });
    await requestLicense(before, ticket, { email: `admin+${ticket}@customer.example`, prospect: 'yes' }, ENGINEER);
    const record = await eventually(async () => {
      const [found] = await before.bot.services.store.requests.findByTicket(ticketUrl(ticket), 1);
      expect(found?.status).toBe('refused');
      return found;
    });
    await eventually(() => expect(noticeText(before, ticket).join('\n')).toContain('Prospects are out of scope.'));
    expect(await before.bot.services.store.ticketWrites.forRequest(record.id)).toEqual([]);
    await before.stop();

    for (let start = 0; start < 2; start++) {
      const t = await startBotUnderTest({ ...zendeskEnv(zd), ...settings() }, { fake, dataDir });
      try {
        const note = await onlyNote(zd, ticket, `req-${record.id}-refused`);
        expect(note.public).toBe(false);
        expect(note.body).toContain('- Prospects are out of scope.');
        expect(note.body).toMatch(PERMALINK);
        await eventually(async () =>
          expect(await t.bot.services.store.ticketWrites.get(`req-${record.id}-refused`)).toMatchObject({
            state: 'done',
          }),
        );
      } finally {
        await t.stop();
      }
    }
    // Two starts, one note.
    expect(added(zd, ticket)).toHaveLength(1);
  });
});

describe('Zendesk write path (the trial lapses unresolved)', () => {
  beforeAll(() => useFakeWallClock());
  const { t, zd } = useBotWithZendesk({ env: () => settings({ LR_TEAM_USERGROUP: 'S0LRTEAM' }) });
  afterAll(() => jest.useRealTimers());

  it('one lapse note: the paid features stopped, pushes are not blocked (never "locked"), the L&R team asked, the link', async () => {
    const ticket = zd.addTicket({}).id;
    await requestLicense(t, ticket, { email: `admin+${ticket}@customer.example` }, ENGINEER);
    const record = await eventually(async () => {
      const [found] = await t.bot.services.store.requests.findByTicket(ticketUrl(ticket), 1);
      expect(found?.status).toBe('generated');
      return found;
    });
    const expiresOn = record.status === 'generated' ? record.trialExpiresOn : '';
    await onlyNote(zd, ticket, `req-${record.id}-reminder`);

    // Nobody pressed Resolved: the wall clock reaches the lapse (00:00 UTC on the expiry date).
    jest.setSystemTime(new Date(`${expiresOn}T00:01:00.000Z`));
    // The follow-up polls every 30 s: its pass now, as the next poll would run it.
    await t.bot.services.lifecycle.kick();
    const lapse = await onlyNote(zd, ticket, `req-${record.id}-lapsed`);
    expect(lapse.public).toBe(false);
    expect(lapse.body).toContain(
      `Emergency trial lapsed unresolved on ${expiresOn}: the trial's paid features have stopped working until a ` +
        'real license is uploaded. Pushes are not blocked: the trial has no block date.',
    );
    expect(lapse.body).toContain('The L&R team was asked in Slack.');
    expect(lapse.body).not.toMatch(/\block/i);
    expect(lapse.body).toMatch(PERMALINK);

    // A second pass finds the lapse done: nothing more on the ticket.
    await t.bot.services.lifecycle.kick();
    await eventually(async () =>
      expect(await t.bot.services.store.ticketWrites.get(`req-${record.id}-lapsed`)).toMatchObject({ state: 'done' }),
    );
    expect(added(zd, ticket)).toHaveLength(4);
    expect(withRef(zd, ticket, /-(license|generated|reminder|lapsed)$/)).toHaveLength(4);
  });
});
