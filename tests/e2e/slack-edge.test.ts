/**
 * Slash command text as Slack really sends it, over signed HTTP: `&`, `<` and `>` arrive as
 * `&amp;`, `&lt;` and `&gt;`, and a URL typed in the composer may arrive as Slack link markup
 * (`<url>`, or `<url|text as typed>` when it was typed without its scheme).
 */
import { type BotUnderTest, startBotUnderTest } from '../../testkit/bot-under-test';
import { type JsonObject } from '../../testkit/fake-slack';
import { slashCommand } from '../../testkit/payloads';

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

});
