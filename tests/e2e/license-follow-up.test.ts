/**
 * The trial follow-up through the real Bolt app over HTTP against the loopback fake Slack:
 * LICENSE_REMINDER_HOURS=240 makes the reminder due as soon as the license is generated (how it
 * is tried by hand); Resolved and Needs L&R are pressed with signed block_actions payloads.
 */
import { type BotUnderTest, LICENSING_CHANNEL, SIGNING_SECRET, startBotUnderTest } from '../../testkit/bot-under-test';
import { eventually } from '../../testkit/eventually';
import type { JsonObject, RecordedCall } from '../../testkit/fake-slack';
import { appHomeOpened, messageBlockActions } from '../../testkit/payloads';
import { messageText, requestLicense } from '../../testkit/bot-steps';
import { postEvent, postInteraction } from '../../testkit/signed-request';

const ENGINEER = 'U0ENGINEER';
const user = (id: string) =>
  ({ id, username: id.toLowerCase(), name: id.toLowerCase(), team_id: 'T0FAKETEAM' }) as never;

describe('trial follow-up end to end (reminder, Resolved, Needs L&R)', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest({
      AUTHORIZATION_MODE: 'groups',
      LICENSE_REQUESTER_USERGROUPS: 'S0REQUEST',
      LICENSE_REMINDER_HOURS: '240',
      LR_TEAM_USERGROUP: 'S0LRTEAM',
      OUTBOX_POLL_INTERVAL_MS: '50',
    });
    t.fake.setUsergroup('S0REQUEST', [ENGINEER, 'U0OTHERENG']);
  });
  afterAll(async () => {
    await t.stop();
  });

  const posts = (predicate: (c: RecordedCall) => boolean) =>
    t.fake.callsTo('chat.postMessage').filter((c) => c.response?.ok === true && predicate(c));
  const allText = (ticket: string) =>
    [...t.fake.callsTo('chat.postMessage'), ...t.fake.callsTo('chat.update')]
      .filter((c) => messageText(c).includes(`tickets/${ticket}`))
      .map(messageText)
      .join('\n');

  async function generatedWithReminder(ticket: string) {
    await requestLicense(t, ticket, { email: `admin+${ticket}@customer.example` }, ENGINEER);
    // The reminder: a reply in the notice's thread and a DM to the engineer, each posted once.
    const reminders = await eventually(
      () => {
        const found = posts(
          (c) =>
            String(c.args.text).startsWith('Emergency trial license lapses') &&
            String(c.args.text).includes(`tickets/${ticket}`),
        );
        expect(found).toHaveLength(2);
        return found;
      },
      { timeoutMs: 8000 },
    );
    const inThread = reminders.find((c) => c.args.channel === LICENSING_CHANNEL)!;
    const dm = reminders.find((c) => String(c.args.channel).startsWith('D'))!;
    expect(inThread.args.thread_ts).toBeTruthy();
    // Issue 17: the thread reminder mentions the L&R team (it owns the renewal); the DM informs the
    // requester, with the same buttons, and does not make them the owner.
    expect(messageText(inThread)).toContain('<!subteam^S0LRTEAM>');
    expect(messageText(inThread)).toContain('a real license must be on its way now');
    expect(messageText(dm)).toContain('For your information: the emergency trial license you requested');
    expect(messageText(dm)).not.toContain('<!subteam^');
    const buttonsOf = (c: RecordedCall) =>
      (c.args.blocks as JsonObject[])
        .filter((b) => b.type === 'actions')
        .flatMap((b) => (b.elements as JsonObject[]).map((e) => e.action_id as string));
    expect(buttonsOf(dm)).toEqual(buttonsOf(inThread));
    expect(buttonsOf(dm)).toEqual(['license_resolved', 'license_needs_lr']);
    return { inThread, dm, message: { ...inThread.args, ts: inThread.response.ts } as JsonObject };
  }

  it('Resolved from the thread: recorded, the notice says Resolved, a thread line, the buttons go, a second click changes nothing', async () => {
    const { message, dm } = await generatedWithReminder('7001');
    const click = (userId: string) =>
      postInteraction(
        t.baseUrl,
        SIGNING_SECRET,
        messageBlockActions({
          message,
          channelId: LICENSING_CHANNEL,
          actionId: 'license_resolved',
          responseUrl: t.fake.responseUrl(`r-${userId}`),
          user: user(userId),
        }),
      );
    expect((await click(ENGINEER)).status).toBe(200);
    expect(String((await t.fake.waitForResponse(`r-${ENGINEER}`)).body.text)).toContain('Marked *Resolved*');
    await eventually(
      () => {
        const text = allText('7001');
        expect(text).toMatch(/Emergency license generated: .*tickets\/7001.* · Resolved/);
        expect(text).toContain(`Resolved* by <@${ENGINEER}>`);
      },
      { timeoutMs: 5000 },
    );
    // Both reminder copies were updated in place without their buttons.
    await eventually(
      () => {
        const updates = t.fake.callsTo('chat.update').filter((c) => c.args.ts === dm.response.ts);
        expect(updates.length).toBeGreaterThan(0);
        expect(JSON.stringify(updates[updates.length - 1].args.blocks)).not.toContain('license_resolved');
      },
      { timeoutMs: 5000 },
    );
    const resolvedLines = () => posts((c) => String(c.args.text).startsWith(`Resolved by ${ENGINEER}`));
    await eventually(() => expect(resolvedLines()).toHaveLength(1), { timeoutMs: 5000 });

    expect((await click('U0OTHERENG')).status).toBe(200);
    expect(String((await t.fake.waitForResponse('r-U0OTHERENG')).body.text)).toContain(
      `Already resolved by <@${ENGINEER}>`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(resolvedLines()).toHaveLength(1);
    const [request] = await t.bot.services.store.requests.findByTicket(
      'https://gitlab.zendesk.com/agent/tickets/7001',
      1,
    );
    expect(await t.bot.services.store.lifecycle.resolution(request.id)).toMatchObject({
      resolvedBySlackId: ENGINEER,
    });
  });

  it('Needs L&R from the DM mentions the L&R group in the thread and keeps the request open (shown on App Home)', async () => {
    const { dm } = await generatedWithReminder('7002');
    const message = { ...dm.args, ts: dm.response.ts } as JsonObject;
    const res = await postInteraction(
      t.baseUrl,
      SIGNING_SECRET,
      messageBlockActions({
        message,
        channelId: String(dm.response.channel ?? dm.args.channel),
        actionId: 'license_needs_lr',
        responseUrl: t.fake.responseUrl('lr'),
        user: user(ENGINEER),
      }),
    );
    expect(res.status).toBe(200);
    expect(String((await t.fake.waitForResponse('lr')).body.text)).toContain('L&R was asked');
    const line = await eventually(
      () => {
        const [found] = posts(
          (c) => c.args.channel === LICENSING_CHANNEL && String(c.args.text).startsWith('Needs L&R: asked by'),
        );
        expect(found).toBeDefined();
        return found;
      },
      { timeoutMs: 5000 },
    );
    expect(messageText(line)).toContain('<!subteam^S0LRTEAM>');
    expect(line.args.thread_ts).toBeTruthy();

    // App Home: the request is still open, with L&R asked, and the buttons to start each flow.
    const published = t.fake.callsTo('views.publish').length;
    expect((await postEvent(t.baseUrl, SIGNING_SECRET, appHomeOpened({ user: ENGINEER }))).status).toBe(200);
    const home = await eventually(
      () => {
        const calls = t.fake
          .callsTo('views.publish')
          .slice(published)
          .filter((c) => c.args.user_id === ENGINEER);
        expect(calls.length).toBeGreaterThan(0);
        return JSON.stringify(calls[calls.length - 1].args.view);
      },
      { timeoutMs: 5000 },
    );
    expect(home).toContain('tickets/7002');
    expect(home).toContain(`L&R asked for help by <@${ENGINEER}>`);
    expect(home).toContain('open_star_check');
    expect(home).not.toMatch(/tickets\/7001>: \*/); // resolved in the test before: not open any more
  });
});
