/**
 * Races, malformed requests and forged submissions against the real app (issue 9): simultaneous
 * license requests with a slow user-group lookup, signed bodies that are not objects, stale or
 * forged /star-check and emergency-modal submissions, hostile justification text, and who was
 * sent a license copy. /healthz must answer after every one of them.
 */
import { buildEmergencyLicenseModal } from '../../src/slack/views/emergency-license-modal';
import { buildStarCheckModal } from '../../src/slack/views/star-check-modal';
import { DateTime } from 'luxon';
import {
  applySubmissionAck,
  type BotUnderTest,
  LICENSING_CHANNEL,
  SIGNING_SECRET,
  startBotUnderTest,
} from '../../testkit/bot-under-test';
import { eventually } from '../../testkit/eventually';
import { FakeSlack, type JsonObject } from '../../testkit/fake-slack';
import { messageBlockActions, textOf } from '../../testkit/payloads';
import { postInteraction, postSigned } from '../../testkit/signed-request';
import {
  acceptedChannelPosts,
  daysAgo,
  emergencyForm,
  postsForTicket,
  sleep,
  submitView,
  ticketUrl,
} from '../../testkit/bot-steps';

const report = (line: string) => process.stdout.write(`[issue-9] ${line}\n`);

const ENGINEERS = ['U0ENGA', 'U0ENGB', 'U0ENGC'];
const MANAGER = 'U0MANAGER';
const OUTSIDER = 'U0OUTSIDER';

async function healthy(t: BotUnderTest): Promise<void> {
  const res = await fetch(`${t.baseUrl}/healthz`);
  expect(res.status).toBe(200);
}

/** The emergency form as Slack would hold it for a user who opened it (never submitted yet). */
function openedForm(fake: FakeSlack): JsonObject {
  return fake.adoptView(buildEmergencyLicenseModal({}, { channelId: 'C0GENERAL' }));
}

describe('issue 9 with Slack user groups', () => {
  let fake: FakeSlack;
  let t: BotUnderTest;

  beforeAll(async () => {
    fake = new FakeSlack({ logErrors: false });
    await fake.start();
    fake.setUsergroup('S0STAR', [...ENGINEERS, MANAGER]);
    fake.setUsergroup('S0REQUEST', [...ENGINEERS, MANAGER]);
    fake.setUsergroup('S0MANAGER', [MANAGER]);
    // Every membership lookup is slow, and the cache expires after 1 s: each round below meets a
    // cold cache, like the first requests right after a start.
    fake.fail('usergroups.users.list', { delayMs: 300, times: Infinity });
    t = await startBotUnderTest(
      {
        AUTHORIZATION_MODE: 'groups',
        STAR_CHECK_USERGROUPS: 'S0STAR',
        LICENSE_REQUESTER_USERGROUPS: 'S0REQUEST',
        LICENSE_OVERRIDE_USERGROUPS: 'S0MANAGER',
        USERGROUP_CACHE_SECONDS: '1',
        OUTBOX_POLL_INTERVAL_MS: '100',
        OUTBOX_MIN_BACKOFF_MS: '100',
      },
      { fake },
    );
  });
  afterAll(async () => {
    await t.stop();
    await fake.stop();
  });

  it('1. three engineers submit the same ticket and email at once, cold cache, slow usergroups.users.list: 1 license, 2 re-issue confirmations (20 races)', async () => {
    let races = 0;
    let licenses = 0;
    let confirmations = 0;
    for (let round = 0; round < 5; round++) {
      await sleep(1100); // the cached membership has expired
      const tickets = [0, 1, 2, 3].map((i) => 91000 + round * 10 + i);
      const submissions = tickets.flatMap((ticket) =>
        ENGINEERS.map(async (user) => {
          const view = openedForm(fake);
          const res = await submitView(
            t,
            view,
            emergencyForm({ ticket: String(ticket), email: `it+${ticket}@customer.example` }),
            user,
          );
          return { ticket, ack: applySubmissionAck(fake, view, res) };
        }),
      );
      const results = await Promise.all(submissions);
      for (const ticket of tickets) {
        const mine = results.filter((r) => r.ticket === ticket);
        const callbacks = mine.map((r) => r.ack.view?.callback_id).sort();
        expect(callbacks).toEqual([
          'emergency_license_reissue',
          'emergency_license_reissue',
          'emergency_license_status',
        ]);
        const records = await t.bot.services.store.requests.findByTicket(ticketUrl(ticket), 10);
        expect(records).toHaveLength(1);
        races += 1;
        licenses += records.length;
        confirmations += callbacks.filter((c) => c === 'emergency_license_reissue').length;
      }
    }
    report(
      `point 1: ${races} races of 3 simultaneous requests (cold cache, usergroups.users.list +300 ms) → ` +
        `${licenses} licenses, ${confirmations} re-issue confirmations`,
    );
    expect(races).toBe(20);
    expect(licenses).toBe(20);
    expect(confirmations).toBe(40);
    await healthy(t);
  }, 30_000);

  it('6. a /star-check submission from someone removed from the group (or forged) is refused and posts nothing', async () => {
    const now = DateTime.utc();
    const view = fake.adoptView(
      buildStarCheckModal({ ticket: '93001', answers: { kind: 'force_reassociate' } }, () => now, 'UTC'),
    );
    const ack = applySubmissionAck(
      fake,
      view,
      await submitView(t, view, { ticket: '93001', q_kind: 'force_reassociate', q_edgeCase: 'no' }, OUTSIDER),
    );
    expect(ack.kind).toBe('update');
    expect(textOf(ack.view as JsonObject)).toContain('Only members of');
    await sleep(300);
    expect(postsForTicket(fake, 93001)).toHaveLength(0);
    expect(await t.bot.services.store.decisions.listDecisions(new Date(Date.now() - 60_000))).toEqual([]);
    await healthy(t);
  });

  it('7a. a re-issue confirmation the bot never showed (forged, facts in private_metadata) is refused; nothing stored', async () => {
    const forged = fake.adoptView({
      type: 'modal',
      callback_id: 'emergency_license_reissue',
      title: { type: 'plain_text', text: 'Already requested' },
      submit: { type: 'plain_text', text: 'Re-issue anyway' },
      blocks: [{ type: 'section', block_id: 'duplicate', text: { type: 'mrkdwn', text: 'x' } }],
      private_metadata: JSON.stringify({
        request: {
          ticketUrl: ticketUrl(93101),
          deployment: 'saas',
          paidPlan: true,
          prospect: false,
          expirationDate: daysAgo(15),
          userCount: 5000,
          email: 'evil@example.com',
          username: 'x',
        },
        justification: 'forged justification text, long enough',
      }),
    });
    const ack = applySubmissionAck(fake, forged, await submitView(t, forged, {}, MANAGER));
    expect(ack.view?.callback_id).toBe('emergency_license_refused');
    expect(await t.bot.services.store.requests.findByTicket(ticketUrl(93101), 10)).toEqual([]);
    await healthy(t);
  });

  it('7b. the override view only ever licenses the refused request: email and user count in private_metadata are ignored', async () => {
    const form = openedForm(fake);
    const refusal = applySubmissionAck(
      fake,
      form,
      await submitView(
        t,
        form,
        emergencyForm({
          ticket: '93201',
          email: 'real@customer.example',
          user_count: '40',
          expiration_date: daysAgo(30),
        }),
        MANAGER,
      ),
    );
    expect(refusal.view?.callback_id).toBe('emergency_license_override');
    // The client sends back different facts in the metadata.
    const tampered = {
      ...(refusal.view as JsonObject),
      private_metadata: JSON.stringify({
        request: {
          ticketUrl: ticketUrl(93201),
          deployment: 'self_managed',
          paidPlan: true,
          prospect: false,
          expirationDate: daysAgo(15),
          userCount: 99999,
          email: 'attacker@evil.example',
          username: 'x',
        },
      }),
    };
    const ack = applySubmissionAck(
      fake,
      tampered,
      await submitView(
        t,
        tampered,
        { justification: 'Customer production is down; L&R lead approved on the call.' },
        MANAGER,
      ),
    );
    expect(ack.view?.callback_id).toBe('emergency_license_status');
    const [record] = await t.bot.services.store.requests.findByTicket(ticketUrl(93201), 10);
    expect(record).toMatchObject({ email: 'real@customer.example', userCount: 40 });
    await healthy(t);
  });

  it('7c. a SaaS request cannot be overridden through the re-issue path', async () => {
    // A license exists for the ticket, then a SaaS refusal for the same ticket is pushed through a re-issue view.
    const first = openedForm(fake);
    applySubmissionAck(
      fake,
      first,
      await submitView(t, first, emergencyForm({ ticket: '93301', email: 'a@saas.example' }), MANAGER),
    );
    const saas = openedForm(fake);
    const refusal = applySubmissionAck(
      fake,
      saas,
      await submitView(
        t,
        saas,
        emergencyForm({ ticket: '93301', email: 'a@saas.example', deployment: 'saas' }),
        MANAGER,
      ),
    );
    expect(refusal.view?.callback_id).not.toBe('emergency_license_override');
    // The forged confirmation carries the SaaS request and a justification, as the old metadata did.
    const asReissue = {
      ...(refusal.view as JsonObject),
      callback_id: 'emergency_license_reissue',
      submit: { type: 'plain_text', text: 'Re-issue anyway' },
      private_metadata: JSON.stringify({
        request: {
          ticketUrl: ticketUrl(93301),
          deployment: 'saas',
          paidPlan: true,
          prospect: false,
          expirationDate: daysAgo(15),
          userCount: 250,
          email: 'a@saas.example',
          username: 'jdoe',
        },
        justification: 'Manager says the customer must get it anyway.',
      }),
    };
    const ack = applySubmissionAck(fake, asReissue, await submitView(t, asReissue, {}, MANAGER));
    expect(ack.view?.callback_id).toBe('emergency_license_refused');
    const records = await t.bot.services.store.requests.findByTicket(ticketUrl(93301), 10);
    expect(records.filter((r) => r.status !== 'refused')).toHaveLength(1);
    await healthy(t);
  });

  it('7d. malformed private_metadata types get a clear error view (acked), on every step', async () => {
    for (const [callbackId, metadata] of [
      ['emergency_license_reissue', '{"channelId": 5}'],
      ['emergency_license_reissue', 'null'],
      ['emergency_license_override', '[1,2]'],
      ['emergency_license_override', '{"channelId": {"x": 1}}'],
      ['emergency_license', 'not json'],
    ] as const) {
      const view = fake.adoptView({
        type: 'modal',
        callback_id: callbackId,
        title: { type: 'plain_text', text: 'Form' },
        submit: { type: 'plain_text', text: 'Go' },
        blocks: [],
        private_metadata: metadata,
      });
      const res = await submitView(t, view, {}, MANAGER);
      expect(res.status).toBe(200);
      const ack = applySubmissionAck(fake, view, res);
      expect(ack.kind).toBe('update');
      expect(textOf(ack.view as JsonObject)).toMatch(/could not be read/);
    }
    await healthy(t);
  });

  it('8. a justification with formatting, forged lines, U+202E and zero-width characters reaches the channel as quoted plain text', async () => {
    const form = openedForm(fake);
    const refusal = applySubmissionAck(
      fake,
      form,
      await submitView(
        t,
        form,
        emergencyForm({ ticket: '93401', email: 'j@customer.example', expiration_date: daysAgo(30) }),
        MANAGER,
      ),
    );
    const justification =
      'Approved by the lead \u202Eevil\u202C today.\n:white_check_mark: *In scope*\nz\u200Bero\u200Dwidth ' +
      '\u2066x\u2069 `code` _it_ ~s~';
    applySubmissionAck(
      fake,
      refusal.view as JsonObject,
      await submitView(t, refusal.view as JsonObject, { justification }, MANAGER),
    );
    const override = await eventually(
      () => {
        const posts = acceptedChannelPosts(fake)
          .concat(fake.callsTo('chat.update'))
          .filter((c) => String(c.args.text).includes('/tickets/93401'));
        const block = posts
          .flatMap((c) => (c.args.blocks as JsonObject[]) ?? [])
          .find((b) => b.block_id === 'override');
        expect(block).toBeDefined();
        return String(block?.text.text);
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    const [, ...quoted] = override.split('\n');
    expect(quoted.length).toBe(3);
    for (const line of quoted) expect(line.startsWith('>')).toBe(true);
    expect(override).not.toMatch(/[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/);
    expect(override).not.toContain(':white_check_mark:');
    expect(override).not.toMatch(/\*In scope\*/);
    expect(override).not.toMatch(/[`_~]/);
    expect(override).toContain('zerowidth');
    const [record] = await t.bot.services.store.requests.findByTicket(ticketUrl(93401), 10);
    expect(record.overrideJustification).not.toMatch(/[\u200B-\u200F\u202A-\u202E\u2060-\u2069]/);
    await healthy(t);
  });

  it('9. each license copy sent by /license-status posts a line in the request thread saying to whom', async () => {
    const form = openedForm(fake);
    applySubmissionAck(
      fake,
      form,
      await submitView(t, form, emergencyForm({ ticket: '93501', email: 'copy@customer.example' }), ENGINEERS[0]),
    );
    const [record] = await eventually(
      async () => {
        const found = await t.bot.services.store.requests.findByTicket(ticketUrl(93501), 1);
        expect(found[0]?.status === 'generated' ? found[0].delivery.status : undefined).toBe('delivered');
        return found;
      },
      { timeoutMs: 5000 },
    );
    const notice = await eventually(() => {
      const posted = acceptedChannelPosts(fake).find((c) => String(c.args.text).includes('/tickets/93501'));
      expect(posted).toBeDefined();
      return posted!;
    });
    for (const [i, user] of [ENGINEERS[1], ENGINEERS[2]].entries()) {
      const message = {
        ts: '1700000000.000200',
        blocks: [
          {
            type: 'actions',
            block_id: `request_${record.id}`,
            elements: [
              {
                type: 'button',
                action_id: 'resend_license',
                value: record.id,
                text: { type: 'plain_text', text: 'Send me the license file' },
              },
            ],
          },
        ],
      };
      const responseId = `copy-${i}`;
      await postInteraction(
        t.baseUrl,
        SIGNING_SECRET,
        messageBlockActions({
          message,
          channelId: 'D0SOMEDM',
          actionId: 'resend_license',
          responseUrl: fake.responseUrl(responseId),
          user: { id: user, username: 'e', name: 'e', team_id: 'T0FAKETEAM' } as never,
        }),
      );
      await fake.waitForResponse(responseId, () => true, 5000);
    }
    const lines = await eventually(
      () => {
        const replies = acceptedChannelPosts(fake).filter(
          (c) => c.args.thread_ts === notice.response.ts && /copy of this license was sent/.test(String(c.args.text)),
        );
        expect(replies).toHaveLength(2);
        return replies.map((c) => String(c.args.text));
      },
      { timeoutMs: 5000, intervalMs: 20 },
    );
    expect(lines[0]).toContain(`<@${ENGINEERS[1]}>`);
    expect(lines[1]).toContain(`<@${ENGINEERS[2]}>`);
    expect(acceptedChannelPosts(fake).every((c) => c.args.channel === LICENSING_CHANNEL)).toBe(true);
    await healthy(t);
  });
});

describe('issue 9: signed requests whose payload is not an object', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest();
  });
  afterAll(async () => {
    await t.stop();
  });

  it.each([
    ['form payload=null', 'payload=null', 'application/x-www-form-urlencoded'],
    ['form payload=5', 'payload=5', 'application/x-www-form-urlencoded'],
    ['form payload=[]', 'payload=%5B%5D', 'application/x-www-form-urlencoded'],
    ['JSON null', 'null', 'application/json'],
    ['JSON "text"', '"text"', 'application/json'],
    ['JSON 42', '42', 'application/json'],
    // Bolt decodes form keys and parses every other content type as JSON: the same null, spelled otherwise.
    ['form %70ayload=null (encoded key)', '%70ayload=null', 'application/x-www-form-urlencoded'],
    ['null as text/plain', 'null', 'text/plain'],
    ['null as a form with a charset', 'null', 'application/x-www-form-urlencoded; charset=utf-8'],
    ['null as Application/JSON', 'null', 'Application/JSON'],
  ])('2. %s → HTTP 400, logged, and the process keeps serving', async (_label, body, contentType) => {
    const res = await postSigned(t.baseUrl, SIGNING_SECRET, body, contentType);
    expect(res.status).toBe(400);
    await sleep(50);
    await healthy(t);
    expect(t.logs.join('')).toContain('not a JSON object');
    // Still a working bot: a normal slash command is answered.
    const ok = await t.command('/license-status', '');
    expect(ok.status).toBe(200);
  });

  it('2. unsigned garbage is still 401', async () => {
    const res = await postSigned(t.baseUrl, 'not-the-secret', 'payload=null', 'application/x-www-form-urlencoded');
    expect(res.status).toBe(401);
    await healthy(t);
  });
});
