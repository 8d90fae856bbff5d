/**
 * Issue 18: "Send me the license" copies go through the same durable hand-over as the first
 * delivery. Through the real Bolt app against the fake Slack: the click is answered at once
 * ("on its way", never "in your DMs"), the copy is stored and sent by the leased job runner,
 * retried when Slack's files API fails, given up after 12 failures with a line in the request's
 * thread that tells whoever clicked where the license still is (as the notice does for the first
 * delivery), and a click Slack delivers twice makes one copy; someone who may not request licenses
 * is refused in the answer and gets nothing.
 * The kill in the middle of a copy's send is in crash-recovery.test.ts (a child process).
 */
import { LICENSING_CHANNEL, SIGNING_SECRET, startBotUnderTest, type BotUnderTest } from '../../testkit/bot-under-test';
import {
  acceptedChannelPosts,
  messageText,
  postsForTicket,
  requestLicense,
  sendMeTheLicenseClick,
  sleep,
  ticketUrl,
} from '../../testkit/bot-steps';
import { eventually } from '../../testkit/eventually';
import { FakeSlack, type RecordedCall } from '../../testkit/fake-slack';
import { postInteraction } from '../../testkit/signed-request';
import type { LicenseRequestRecord } from '../../src/store';

const report = (line: string) => process.stdout.write(`[license-copies] ${line}\n`);
const REQUESTER = 'U0ENGINEER';

describe('"Send me the license file": a durable, fenced copy', () => {
  let fake: FakeSlack;
  let t: BotUnderTest;

  beforeAll(async () => {
    fake = new FakeSlack({ logErrors: false });
    await fake.start();
    t = await startBotUnderTest(
      { OUTBOX_POLL_INTERVAL_MS: '100', OUTBOX_MIN_BACKOFF_MS: '100', OUTBOX_MAX_BACKOFF_MS: '400' },
      { fake },
    );
  });
  afterAll(async () => {
    await t.stop();
    await fake.stop();
  });

  /** A generated license whose first delivery is done. */
  async function generated(ticket: number): Promise<LicenseRequestRecord> {
    await requestLicense(t, ticket, { email: `admin${ticket}@customer.example` }, REQUESTER);
    return eventually(
      async () => {
        const [record] = await t.bot.services.store.requests.findByTicket(ticketUrl(ticket), 1);
        expect(record?.status === 'generated' ? record.delivery.status : undefined).toBe('delivered');
        return record;
      },
      { timeoutMs: 5000, intervalMs: 20 },
    );
  }

  /** License files shared in `user`'s DM for `ticket`. */
  const dmsFor = (ticket: number, user: string): RecordedCall[] =>
    fake
      .callsTo('files.completeUploadExternal')
      .filter(
        (c) =>
          c.response.ok === true &&
          c.args.channel_id === fake.dmChannelFor(user) &&
          String(c.args.initial_comment ?? '').includes(ticketUrl(ticket)),
      );

  async function click(payload: Record<string, unknown>): Promise<void> {
    const res = await postInteraction(t.baseUrl, SIGNING_SECRET, payload);
    expect(res.status).toBe(200);
  }

  const answer = async (responseId: string) => String((await fake.waitForResponse(responseId)).body.text);

  it('click → "on its way" at once → exactly one DM with the file, and one line in the thread', async () => {
    const ticket = 96001;
    const record = await generated(ticket);
    const asker = 'U0ASKER1';
    await click(sendMeTheLicenseClick(fake, record.id, asker, 'copy-1'));
    const text = await answer('copy-1');
    expect(text).toMatch(/on its way to your DMs/);
    expect(text).not.toMatch(/is in your DMs/);
    const [dm] = await eventually(
      () => {
        const dms = dmsFor(ticket, asker);
        expect(dms).toHaveLength(1);
        return dms;
      },
      { timeoutMs: 5000, intervalMs: 20 },
    );
    const upload = fake.uploads.find((u) => u.fileId === (dm.args.files as { id: string }[])[0].id);
    if (record.status !== 'generated') throw new Error('not generated');
    expect(upload?.bytes?.toString('utf8')).toBe(record.licenseFile);
    expect(String(dm.args.initial_comment)).not.toMatch(/replaces an earlier one/);
    await eventually(
      () =>
        expect(
          acceptedChannelPosts(fake, LICENSING_CHANNEL).filter(
            (c) => /copy of this license was sent/.test(String(c.args.text)) && String(c.args.text).includes(asker),
          ),
        ).toHaveLength(1),
      { timeoutMs: 5000, intervalMs: 20 },
    );
    await sleep(500); // several runner passes: nothing more is sent
    expect(dmsFor(ticket, asker)).toHaveLength(1);
    expect(dmsFor(ticket, REQUESTER)).toHaveLength(1); // the first delivery, untouched
  });

  it.each([
    ['HTTP 500', { status: 500 }],
    ['ratelimited', { error: 'ratelimited' }],
  ])("Slack's files API fails once (%s) → the runner retries with backoff → one DM", async (_name, fault) => {
    const ticket = _name === 'HTTP 500' ? 96011 : 96012;
    const record = await generated(ticket);
    const asker = _name === 'HTTP 500' ? 'U0ASKER2' : 'U0ASKER3';
    const failedBefore = fake.callsTo('files.getUploadURLExternal').length;
    fake.fail('files.getUploadURLExternal', { ...fault, times: 1 });
    await click(sendMeTheLicenseClick(fake, record.id, asker, `copy-fail-${ticket}`));
    expect(await answer(`copy-fail-${ticket}`)).toMatch(/on its way/);
    await eventually(() => expect(dmsFor(ticket, asker)).toHaveLength(1), { timeoutMs: 8000, intervalMs: 20 });
    await sleep(500);
    const dms = dmsFor(ticket, asker);
    expect(dms).toHaveLength(1);
    // The failure happened before anything could be visible: the retried copy is not marked as a repeat.
    expect(String(dms[0].args.initial_comment)).not.toMatch(/replaces an earlier one/);
    const attempts = fake.callsTo('files.getUploadURLExternal').length - failedBefore;
    expect(attempts).toBe(2);
    const logged = t.logs.filter((l) => l.includes('license copy not handed over yet; will retry'));
    expect(logged.length).toBeGreaterThanOrEqual(1);
    report(`files API ${_name} once → ${attempts} upload attempts, ${dms.length} DM`);
  });

  it('the same click delivered twice (Slack retries a slow ack) → one copy, both answered "on its way"', async () => {
    const ticket = 96021;
    const record = await generated(ticket);
    const asker = 'U0ASKER4';
    const payload = sendMeTheLicenseClick(fake, record.id, asker, 'copy-twice');
    await Promise.all([click(payload), click(payload)]);
    await eventually(() => expect(fake.responses.filter((r) => r.id === 'copy-twice')).toHaveLength(2));
    expect(fake.responses.filter((r) => r.id === 'copy-twice').map((r) => String(r.body.text))).toEqual([
      expect.stringMatching(/on its way/),
      expect.stringMatching(/on its way/),
    ]);
    await eventually(() => expect(dmsFor(ticket, asker)).toHaveLength(1), { timeoutMs: 5000, intervalMs: 20 });
    // A second, separate click is a second copy.
    await click(sendMeTheLicenseClick(fake, record.id, asker, 'copy-again'));
    await eventually(() => expect(dmsFor(ticket, asker)).toHaveLength(2), { timeoutMs: 5000, intervalMs: 20 });
    await sleep(500);
    expect(dmsFor(ticket, asker)).toHaveLength(2);
    report(`3 deliveries of 2 clicks → ${dmsFor(ticket, asker).length} copies`);
  });

  it('Slack cannot open the DM, 12 times → the copy is given up, and its thread says so to whoever clicked', async () => {
    const ticket = 96031;
    const record = await generated(ticket);
    const asker = 'U0ASKER6';
    const notice = postsForTicket(fake, ticket).find((c) => !c.args.thread_ts);
    expect(notice).toBeDefined();
    const opensFor = () => fake.callsTo('conversations.open').filter((c) => c.args.users === asker);
    fake.fail('conversations.open', { error: 'internal_error', times: Infinity });
    try {
      await click(sendMeTheLicenseClick(fake, record.id, asker, 'copy-given-up'));
      expect(await answer('copy-given-up')).toMatch(/on its way/);
      const line = await eventually(
        () => {
          const lines = acceptedChannelPosts(fake).filter(
            (c) => c.args.thread_ts === notice!.response.ts && String(c.args.text).includes(`<@${asker}>`),
          );
          expect(lines).toHaveLength(1);
          return lines[0];
        },
        { timeoutMs: 15_000, intervalMs: 50 },
      );
      expect(opensFor()).toHaveLength(12);
      expect(opensFor().every((c) => c.response.ok === false)).toBe(true);
      // The first delivery's give-up words, for the one who clicked: where the license still is.
      expect(messageText(line)).toMatch(
        /\*Not delivered\* to <@U0ASKER6>: gave up after 12 attempts \(internal_error\)/,
      );
      expect(messageText(line)).toMatch(/use \/license-status to send a copy/);
      await sleep(500); // several runner passes: no 13th attempt, no second line
      expect(opensFor()).toHaveLength(12);
      expect(
        acceptedChannelPosts(fake).filter(
          (c) => c.args.thread_ts === notice!.response.ts && String(c.args.text).includes(`<@${asker}>`),
        ),
      ).toHaveLength(1);
      expect(dmsFor(ticket, asker)).toHaveLength(0);
      expect(t.logs.filter((l) => l.includes('license copy given up'))).toHaveLength(1);
      report(`conversations.open fails every time → ${opensFor().length} attempts, then 1 line in the thread`);
    } finally {
      fake.clearFaults();
    }
  });

  it('a request without a generated license: the answer says so and nothing is stored or sent', async () => {
    await click(sendMeTheLicenseClick(fake, 'no-such-request', 'U0ASKER5', 'copy-none'));
    expect(await answer('copy-none')).toMatch(/no generated license/);
    await sleep(300);
    expect(fake.callsTo('conversations.open').filter((c) => c.args.users === 'U0ASKER5')).toHaveLength(0);
  });
});

describe('"Send me the license file" by someone who may not request licenses', () => {
  let fake: FakeSlack;
  let t: BotUnderTest;
  const ENGINEER = 'U0GROUPENG';
  const OUTSIDER = 'U0NOTINGROUP';

  beforeAll(async () => {
    fake = new FakeSlack({ logErrors: false });
    await fake.start();
    fake.setUsergroup('S0STAR', [ENGINEER]);
    fake.setUsergroup('S0REQUEST', [ENGINEER]);
    fake.setUsergroup('S0MANAGER', []);
    t = await startBotUnderTest(
      {
        AUTHORIZATION_MODE: 'groups',
        STAR_CHECK_USERGROUPS: 'S0STAR',
        LICENSE_REQUESTER_USERGROUPS: 'S0REQUEST',
        LICENSE_OVERRIDE_USERGROUPS: 'S0MANAGER',
        OUTBOX_POLL_INTERVAL_MS: '100',
      },
      { fake },
    );
  });
  afterAll(async () => {
    await t.stop();
    await fake.stop();
  });

  it('is refused in the answer, and no copy is stored or sent', async () => {
    const ticket = 96101;
    await requestLicense(t, ticket, { email: `admin${ticket}@customer.example` }, ENGINEER);
    const record = await eventually(
      async () => {
        const [found] = await t.bot.services.store.requests.findByTicket(ticketUrl(ticket), 1);
        expect(found?.status === 'generated' ? found.delivery.status : undefined).toBe('delivered');
        return found;
      },
      { timeoutMs: 5000, intervalMs: 20 },
    );
    const res = await postInteraction(
      t.baseUrl,
      SIGNING_SECRET,
      sendMeTheLicenseClick(fake, record.id, OUTSIDER, 'copy-refused'),
    );
    expect(res.status).toBe(200);
    const text = String((await fake.waitForResponse('copy-refused', () => true, 5000)).body.text);
    expect(text).toMatch(/^:no_entry: /);
    expect(text).not.toMatch(/on its way/);
    await sleep(500); // several runner passes
    expect(fake.callsTo('conversations.open').filter((c) => c.args.users === OUTSIDER)).toHaveLength(0);
    expect(await t.bot.services.store.requests.claimCopiesDue('probe', new Date(Date.now() + 60_000), 10, 1)).toEqual(
      [],
    );
  });
});
