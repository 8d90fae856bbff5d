/**
 * The smoke paths over real HTTP (signed requests → the bot's guarded HTTP receiver → Bolt → fake
 * Slack). The listener flows themselves are tested in process (tests/flows/); these prove the
 * wiring in front of them: signatures, form bodies and the acks as Slack receives them.
 */
import {
  applySubmissionAck,
  type BotUnderTest,
  LICENSING_CHANNEL,
  SIGNING_SECRET,
  startBotUnderTest,
} from '../../testkit/bot-under-test';
import { type JsonObject } from '../../testkit/fake-slack';
import { slashCommand, textOf } from '../../testkit/payloads';
import { postSlashCommand } from '../../testkit/signed-request';
import { eventually } from '../../testkit/eventually';
import { emergencyForm } from '../../testkit/bot-steps';

describe('smoke over signed HTTP', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest();
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => t.fake.reset());

  it('/star-check opens the modal at once, prefilled with the expanded ticket URL', async () => {
    const res = await t.command('/star-check', '654321');
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const call = await t.fake.waitForCall('views.open');
    expect(call.args.view.callback_id).toBe('star_check');
    const ticket = (t.view('star_check').blocks as JsonObject[]).find((b) => b.block_id === 'ticket') as JsonObject;
    expect(ticket.element.initial_value).toBe('https://gitlab.zendesk.com/agent/tickets/654321');
  });

  it('rejects forged, unsigned and stale requests with 401 and opens nothing', async () => {
    const fields = slashCommand({ command: '/star-check', text: '1', responseUrl: t.fake.responseUrl() });
    for (const options of [{ forgeSignature: true }, { omitSignature: true }, { staleBySeconds: 600 }]) {
      const res = await postSlashCommand(t.baseUrl, 'e2e-signing-secret-0123456789abcdef', fields, options);
      expect(res.status).toBe(401);
    }
    expect(SIGNING_SECRET).toBe('e2e-signing-secret-0123456789abcdef');
    await t.fake.expectNoCall('views.open', 150);
  });

  it('/emergency-license in scope: the submission is acked with the status view and the license is announced', async () => {
    const res = await t.command('/emergency-license', '424242');
    expect(res.status).toBe(200);
    await t.fake.waitForCall('views.open');
    const form = t.view('emergency_license');
    const ack = applySubmissionAck(t.fake, form, await t.submit(form, emergencyForm()));
    expect(ack.kind).toBe('update');
    await eventually(
      async () => {
        const posts = t.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === LICENSING_CHANNEL);
        expect(posts.map((c) => `${c.args.text} ${textOf(c.args.blocks ?? [])}`).join('\n')).toContain(
          'https://gitlab.zendesk.com/agent/tickets/424242',
        );
      },
      { timeoutMs: 5000 },
    );
  });
});
