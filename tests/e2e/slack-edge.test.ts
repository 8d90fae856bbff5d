/**
 * Slash command text as Slack really sends it, over signed HTTP: `&`, `<` and `>` arrive as
 * `&amp;`, `&lt;` and `&gt;`, and a URL typed in the composer may arrive as Slack link markup
 * (`<url>`, or `<url|text as typed>` when it was typed without its scheme).
 */
import { FAILED_TEXT } from '../../src/slack/messages/bot-unavailable';
import { type BotUnderTest, SIGNING_SECRET, startBotUnderTest } from '../../testkit/bot-under-test';
import { type JsonObject } from '../../testkit/fake-slack';
import { eventually } from '../../testkit/eventually';
import { appHomeOpened, globalShortcut, slashCommand, viewClosed } from '../../testkit/payloads';
import { FORM_CONTENT_TYPE, postSigned } from '../../testkit/signed-request';

const TICKET = 'https://gitlab.zendesk.com/agent/tickets/123';

describe('slash command text as Slack sends it', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest();
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => t.fake.reset());

  async function openedTicketField(command: string, text: string): Promise<unknown> {
    const res = await t.send('command', slashCommand({ command, text, responseUrl: t.fake.responseUrl() }));
    expect(res.status).toBe(200);
    const call = await t.fake.waitForCall('views.open');
    const ticket = (call.args.view.blocks as JsonObject[]).find((b) => b.block_id === 'ticket') as JsonObject;
    return (ticket.element as JsonObject).initial_value;
  }

  it.each(['/star-check', '/emergency-license'])(
    '%s with a link typed without its scheme prefills the ticket URL',
    async (command) => {
      expect(
        await openedTicketField(
          command,
          '<http://gitlab.zendesk.com/agent/tickets/123|gitlab.zendesk.com/agent/tickets/123>',
        ),
      ).toBe(TICKET);
    },
  );

  it('/star-check prefills what was typed, not Slack’s HTML entities', async () => {
    expect(await openedTicketField('/star-check', 'Acme &amp; Co &lt;ticket&gt;')).toBe('Acme & Co <ticket>');
  });

  it('/license-status of a Slack-wrapped ticket link names the ticket, not the markup', async () => {
    const res = await t.send(
      'command',
      slashCommand({ command: '/license-status', text: `<${TICKET}>`, responseUrl: t.fake.responseUrl() }),
    );
    expect(res.status).toBe(200);
    const ack = res.json();
    expect(ack.text).toBe(`No emergency license requests found for ${TICKET}.`);
    expect(JSON.stringify(ack.blocks)).not.toContain('&lt;');
  });

  it('a command from a DM the bot is not in fails: answered without blaming the database, the reference sent by DM', async () => {
    // Slack refuses an ephemeral message in a conversation the bot is not a member of.
    t.fake.fail('chat.postEphemeral', { error: 'channel_not_found' });
    const lookup = jest.spyOn(t.bot.services.licenseIntake, 'lookup').mockRejectedValueOnce(new Error('listener bug'));
    try {
      const res = await t.send(
        'command',
        slashCommand({
          command: '/license-status',
          text: '123',
          channelId: 'D0TWOHUMANS',
          channelName: 'directmessage',
          userId: 'U0DMUSER',
          responseUrl: t.fake.responseUrl(),
        }),
      );
      expect(res.status).toBe(200);
      // The database answers: the bot's own failure is not blamed on it.
      expect(res.json()).toEqual({ response_type: 'ephemeral', text: FAILED_TEXT });
      const reference = await eventually(() => {
        const failed = t.logs
          .map((l) => JSON.parse(l) as { msg?: string; reference?: string })
          .filter((l) => l.msg === 'listener failed');
        expect(failed).toHaveLength(1);
        return String(failed[0].reference);
      });
      const told = await t.fake.waitForCall('chat.postMessage', (c) => String(c.args.text).includes(reference));
      expect(told.args.channel).toBe('U0DMUSER');
    } finally {
      lookup.mockRestore();
    }
  });

  it('Slack’s ssl_check (unsigned, form-encoded) is answered 200 and starts nothing', async () => {
    const res = await postSigned(t.baseUrl, SIGNING_SECRET, 'ssl_check=1&token=legacy', FORM_CONTENT_TYPE, {
      omitSignature: true,
      omitTimestamp: true,
    });
    expect(res.status).toBe(200);
    await t.fake.expectNoCall('views.open', 150);
  });

  it('an Enterprise Grid shortcut and command open the form; closing it is acknowledged with an empty body', async () => {
    const shortcut = {
      ...globalShortcut({ callbackId: 'emergency_license_shortcut' }),
      enterprise: { id: 'E0GRID', name: 'Grid' },
    };
    expect((await t.send('interaction', shortcut)).status).toBe(200);
    const opened = await t.fake.waitForCall('views.open');
    const command = slashCommand({
      command: '/emergency-license',
      text: '123',
      enterpriseId: 'E0GRID',
      channelId: 'D0TWOHUMANS',
      responseUrl: t.fake.responseUrl(),
    });
    expect((await t.send('command', command)).status).toBe(200);
    await t.fake.waitForCall('views.open', (c) => c !== opened);
    const closed = await t.send('interaction', viewClosed({ view: t.view('emergency_license'), isCleared: true }));
    expect([closed.status, closed.body]).toEqual([200, '']);
  });

  it('a redelivered app_home_opened (X-Slack-Retry-Num) is acknowledged and publishes the Home once more', async () => {
    const first = appHomeOpened({ user: 'U0HOMEUSER' });
    expect((await t.send('event', first)).status).toBe(200);
    expect((await t.send('event', first, { retryNum: 1, retryReason: 'http_timeout' })).status).toBe(200);
    await eventually(() => expect(t.fake.callsTo('views.publish')).toHaveLength(2));
    expect(t.fake.callsTo('views.publish').map((c) => c.args.user_id)).toEqual(['U0HOMEUSER', 'U0HOMEUSER']);
  });
});
