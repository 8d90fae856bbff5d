import { type BotUnderTest, LICENSING_CHANNEL, startInProcessBot } from '../../testkit/bot-under-test';
import { type JsonObject } from '../../testkit/fake-slack';
import { messageBlockActions, olderVersionModal, slashCommand, textOf, viewSubmission } from '../../testkit/payloads';
import { DEFAULT_CHANNEL, DEFAULT_USER } from '../../testkit/constants';

/**
 * Requests no listener of this version takes: a button from an older version of a message, a modal opened
 * by an older version, a command the bot no longer has. Each is answered with what happened and logged
 * with its kind and ID; none blames the database.
 */
describe('requests the bot no longer knows', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startInProcessBot();
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => {
    t.fake.reset();
    t.logs.length = 0;
  });

  const warningsAbout = (id: string) =>
    t.logs
      .map((line) => JSON.parse(line) as { level: number; kind?: string; id?: string; msg: string })
      .filter((entry) => entry.level >= 40 && entry.id === id);

  it('a button from an older message: ack, an ephemeral reply saying so, a warning with kind and ID', async () => {
    const message: JsonObject = {
      ts: '1700000000.000100',
      blocks: [
        {
          type: 'actions',
          block_id: 'old_actions',
          elements: [{ type: 'button', action_id: 'retry_license_v0', text: { type: 'plain_text', text: 'Retry' } }],
        },
      ],
    };
    const responseUrl = t.fake.responseUrl('old-button');
    const res = await t.send(
      'interaction',
      messageBlockActions({ message, channelId: LICENSING_CHANNEL, actionId: 'retry_license_v0', responseUrl }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const reply = await t.fake.waitForResponse('old-button');
    expect(reply.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(reply.body.text)).toContain('older version of the message');
    expect(String(reply.body.text)).toContain('run the command again');
    expect(JSON.stringify(reply.body)).not.toMatch(/database/i);
    expect(warningsAbout('retry_license_v0')).toEqual([expect.objectContaining({ kind: 'block_actions' })]);
  });

  it('a modal opened by an older version is answered with a view that says so, not a database outage', async () => {
    const view = olderVersionModal();
    const res = await t.send('interaction', viewSubmission({ view }));
    expect(res.status).toBe(200);
    const ack: JsonObject = res.json();
    expect(ack.response_action).toBe('update');
    expect(textOf(ack.view as JsonObject)).toContain('older version');
    expect(res.body).not.toMatch(/database/i);
    expect(warningsAbout('star_check_v0')).toEqual([expect.objectContaining({ kind: 'view_submission' })]);
  });

  it('a command the bot does not have is answered in the ack, not blamed on the database', async () => {
    const res = await t.send(
      'command',
      slashCommand({
        command: '/star-check-old',
        text: '',
        userId: DEFAULT_USER.id,
        channelId: DEFAULT_CHANNEL.id,
        responseUrl: t.fake.responseUrl(),
      }),
    );
    expect(res.status).toBe(200);
    const ack: JsonObject = res.json();
    expect(ack.response_type).toBe('ephemeral');
    expect(String(ack.text)).toContain('/star-check-old');
    expect(res.body).not.toMatch(/database/i);
    expect(warningsAbout('/star-check-old')).toEqual([expect.objectContaining({ kind: 'command' })]);
  });
});
