/**
 * Proves the e2e harness: the fake Slack Web API, Slack-signed requests, payload builders and the
 * baseline Bolt app all behave like the real things.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, webApi } from '@slack/bolt';
import { BASELINE_CALLBACK_ID, type BaselineApp, startBaselineApp } from '../../testkit/baseline-app';
import { DEFAULT_USER, FAKE_BOT, FAKE_TEAM } from '../../testkit/constants';
import { FakeSlack, type JsonObject, RESPONSE_URL, UPLOAD_URL } from '../../testkit/fake-slack';
import {
  appHomeOpened,
  blockActions,
  globalShortcut,
  messageBlockActions,
  newTriggerId,
  optionByText,
  slashCommand,
  stateFromView,
  urlVerification,
  viewSubmission,
} from '../../testkit/payloads';
import { applySubmissionAck } from '../../testkit/bot-under-test';
import { eventually } from '../../testkit/eventually';
import { RecordingLogger } from '../../testkit/recording-logger';
import {
  computeSlackSignature,
  postEvent,
  postInteraction,
  postSlashCommand,
  prepareSignedRequest,
} from '../../testkit/signed-request';

const SECRET = 'e2e-signing-secret';
const TOKEN = 'xoxb-e2e-test-token';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function webClient(fake: FakeSlack, options: webApi.WebClientOptions = {}): webApi.WebClient {
  return new webApi.WebClient(TOKEN, {
    slackApiUrl: fake.apiUrl,
    logger: new RecordingLogger(),
    retryConfig: { retries: 0 },
    ...options,
  });
}

/** A modal with one of every element type the bot's forms use. */
const EVERYTHING_MODAL = {
  type: 'modal',
  callback_id: 'everything',
  private_metadata: JSON.stringify({ requestId: 42 }),
  title: { type: 'plain_text', text: 'Everything' },
  submit: { type: 'plain_text', text: 'Submit' },
  blocks: [
    { type: 'section', text: { type: 'mrkdwn', text: '*Is this ticket in scope?*' } },
    {
      type: 'input',
      block_id: 'ticket',
      label: { type: 'plain_text', text: 'Ticket link' },
      element: { type: 'url_text_input', action_id: 'ticket_url' },
    },
    {
      type: 'input',
      block_id: 'customer',
      label: { type: 'plain_text', text: 'Customer email' },
      element: { type: 'email_text_input', action_id: 'email' },
    },
    {
      type: 'input',
      block_id: 'notes',
      optional: true,
      label: { type: 'plain_text', text: 'Notes' },
      element: { type: 'plain_text_input', action_id: 'notes', multiline: true, max_length: 50, initial_value: 'none' },
    },
    {
      type: 'input',
      block_id: 'seats',
      label: { type: 'plain_text', text: 'Seats' },
      element: {
        type: 'number_input',
        action_id: 'seats',
        is_decimal_allowed: false,
        min_value: '1',
        max_value: '100',
      },
    },
    {
      type: 'input',
      block_id: 'plan',
      label: { type: 'plain_text', text: 'Plan' },
      element: {
        type: 'static_select',
        action_id: 'plan',
        placeholder: { type: 'plain_text', text: 'Pick a plan' },
        options: [
          { text: { type: 'plain_text', text: 'Premium' }, value: 'premium' },
          { text: { type: 'plain_text', text: 'Ultimate' }, value: 'ultimate' },
        ],
      },
    },
    {
      type: 'input',
      block_id: 'severity',
      label: { type: 'plain_text', text: 'Severity' },
      element: {
        type: 'radio_buttons',
        action_id: 'severity',
        options: [
          { text: { type: 'mrkdwn', text: '*Severity 1*: production down' }, value: 's1' },
          { text: { type: 'mrkdwn', text: '*Severity 2*: degraded' }, value: 's2' },
        ],
      },
    },
    {
      type: 'input',
      block_id: 'checks',
      label: { type: 'plain_text', text: 'Checks done' },
      element: {
        type: 'checkboxes',
        action_id: 'checks',
        options: [
          { text: { type: 'plain_text', text: 'Customer verified' }, value: 'verified' },
          { text: { type: 'plain_text', text: 'Manager informed' }, value: 'manager' },
          { text: { type: 'plain_text', text: 'Docs linked' }, value: 'docs' },
        ],
      },
    },
    {
      type: 'input',
      block_id: 'confirm',
      label: { type: 'plain_text', text: 'Confirmation' },
      element: {
        type: 'checkboxes',
        action_id: 'confirm',
        options: [{ text: { type: 'plain_text', text: 'I confirm' }, value: 'yes' }],
      },
    },
    {
      type: 'input',
      block_id: 'expires',
      label: { type: 'plain_text', text: 'Expires on' },
      element: { type: 'datepicker', action_id: 'expires', initial_date: '2030-01-31' },
    },
    {
      type: 'input',
      block_id: 'at',
      optional: true,
      label: { type: 'plain_text', text: 'At' },
      element: { type: 'timepicker', action_id: 'at' },
    },
    {
      type: 'input',
      block_id: 'owner',
      optional: true,
      label: { type: 'plain_text', text: 'Owner' },
      element: { type: 'users_select', action_id: 'owner' },
    },
    {
      type: 'actions',
      elements: [
        {
          type: 'static_select',
          action_id: 'region',
          options: [
            { text: { type: 'plain_text', text: 'AMER' }, value: 'amer' },
            { text: { type: 'plain_text', text: 'EMEA' }, value: 'emea' },
          ],
        },
        { type: 'button', action_id: 'refresh', text: { type: 'plain_text', text: 'Refresh' }, value: 'refresh-1' },
      ],
    },
  ],
};

describe('FakeSlack + signed requests + baseline Bolt app', () => {
  const fake = new FakeSlack({ botToken: TOKEN });
  const logger = new RecordingLogger();
  let baseline: BaselineApp;
  let appUrl: string;
  let authTestsAtStart = 0;

  beforeAll(async () => {
    await fake.start();
    baseline = await startBaselineApp({
      port: 0,
      signingSecret: SECRET,
      botToken: TOKEN,
      slackApiUrl: fake.apiUrl,
      logger,
    });
    appUrl = `http://127.0.0.1:${baseline.port}`;
    authTestsAtStart = fake.callsTo('auth.test').length;
  });

  afterAll(async () => {
    await baseline?.stop();
    await fake.stop();
  });

  beforeEach(() => {
    fake.reset();
    logger.clear();
  });

  test('the app called auth.test on the fake at start, with the bot token', () => {
    expect(baseline.port).toBeGreaterThan(0);
    expect(authTestsAtStart).toBe(1);
  });

  test('a signed /star-check is acked with 200 and opens the modal with its trigger_id', async () => {
    const command = slashCommand({
      command: '/star-check',
      text: 'https://gitlab.zendesk.com/agent/tickets/1',
      responseUrl: fake.responseUrl(),
    });
    const res = await postSlashCommand(appUrl, SECRET, command);
    expect(res.status).toBe(200);
    expect(res.body).toBe('');

    const call = await fake.waitForCall('views.open');
    expect(call.args.trigger_id).toBe(command.trigger_id);
    expect(call.token).toBe(TOKEN);
    expect(call.contentType).toBe('application/x-www-form-urlencoded');
    // parsed from the JSON string
    expect(call.args.view).toMatchObject({ type: 'modal', callback_id: BASELINE_CALLBACK_ID });
    expect(call.response).toMatchObject({
      ok: true,
      view: { callback_id: BASELINE_CALLBACK_ID, team_id: FAKE_TEAM.id, state: { values: {} } },
    });
    expect(call.response.view.id).toMatch(/^V[A-Z0-9]+$/);
    expect(fake.lastView(BASELINE_CALLBACK_ID)?.id).toBe(call.response.view.id);
  });

  test.each([
    ['a forged signature', { forgeSignature: true }],
    ['no signature', { omitSignature: true }],
    ['no timestamp', { omitTimestamp: true }],
    ['a stale timestamp (> 5 min)', { staleBySeconds: 301 }],
  ])('%s gets 401 and opens nothing', async (_name, options) => {
    const res = await postSlashCommand(appUrl, SECRET, slashCommand({ command: '/star-check' }), options);
    expect(res.status).toBe(401);

    // A valid request afterwards proves the app is alive; only its views.open may arrive.
    const sentinel = slashCommand({ command: '/star-check' });
    expect((await postSlashCommand(appUrl, SECRET, sentinel)).status).toBe(200);
    await fake.waitForCall('views.open', (c) => c.args.trigger_id === sentinel.trigger_id);
    expect(fake.callsTo('views.open')).toHaveLength(1);
  });

  test('signatures match Slack’s documented example', () => {
    // https://api.slack.com/authentication/verifying-requests-from-slack
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&' +
      'channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&' +
      'response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&' +
      'trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(computeSlackSignature('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
    const prepared = prepareSignedRequest('command', SECRET, slashCommand({ command: '/star-check' }));
    expect(prepared.headers['Content-Type']).toBe('application/x-www-form-urlencoded');
    expect(prepared.headers['X-Slack-Signature']).toBe(
      computeSlackSignature(SECRET, prepared.headers['X-Slack-Request-Timestamp'], prepared.body),
    );
  });

  test('an injected expired_trigger_id reaches the app after the ack', async () => {
    fake.fail('views.open', { error: 'expired_trigger_id' });
    expect((await postSlashCommand(appUrl, SECRET, slashCommand({ command: '/star-check' }))).status).toBe(200);
    const call = await fake.waitForCall('views.open');
    expect(call.response).toEqual({ ok: false, error: 'expired_trigger_id' });
    expect(call.fault).toEqual({ error: 'expired_trigger_id' });
    await eventually(() => expect(logger.messages('error').join('\n')).toContain('expired_trigger_id'));
  });
});

describe('FakeSlack Web API answers and fault injection (direct WebClient)', () => {
  const fake = new FakeSlack({ botToken: TOKEN });
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());
  beforeEach(() => fake.reset());

  test('429 with Retry-After is honoured: the client waits, then retries', async () => {
    const client = webClient(fake, { retryConfig: { retries: 1, factor: 1, minTimeout: 0, maxTimeout: 0 } });
    const rateLimited = jest.fn();
    client.on(webApi.WebClientEvent.RATE_LIMITED, rateLimited);
    fake.fail('chat.postMessage', { status: 429, retryAfterSeconds: 1 });

    const started = performance.now();
    const result = await client.chat.postMessage({ channel: 'C0ONCALL01', text: 'hello' });
    const elapsed = performance.now() - started;

    expect(result.ok).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(rateLimited).toHaveBeenCalledWith(1, expect.objectContaining({ url: `${fake.apiUrl}chat.postMessage` }));
    const calls = fake.callsTo('chat.postMessage');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1].receivedAt - calls[0].receivedAt).toBeGreaterThanOrEqual(950);
  });

  test('rejectRateLimitedCalls surfaces the Retry-After instead of waiting', async () => {
    const client = webClient(fake, { rejectRateLimitedCalls: true });
    fake.fail('users.info', { status: 429, retryAfterSeconds: 30 });
    await expect(client.users.info({ user: 'U1' })).rejects.toMatchObject({
      code: webApi.ErrorCode.RateLimitedError,
      retryAfter: 30,
    });
  });

  test('HTTP 500 is an HTTP error, retried per retryConfig; times limits the fault', async () => {
    fake.fail('chat.update', { status: 500 });
    await expect(webClient(fake).chat.update({ channel: 'C1', ts: '1.000001', text: 'x' })).rejects.toMatchObject({
      code: webApi.ErrorCode.HTTPError,
      statusCode: 500,
    });

    fake.fail('auth.test', { status: 503, times: 2 });
    const retrying = webClient(fake, { retryConfig: { retries: 2, factor: 1, minTimeout: 0, maxTimeout: 0 } });
    await expect(retrying.auth.test()).resolves.toMatchObject({
      ok: true,
      user_id: FAKE_BOT.userId,
      bot_id: FAKE_BOT.botId,
      team_id: FAKE_TEAM.id,
    });
    expect(fake.callsTo('auth.test').map((c) => c.status)).toEqual([503, 503, 200]);
  });

  test('Slack errors ({ok:false}) are platform errors and not retried', async () => {
    fake.fail('chat.postMessage', { error: 'channel_not_found' });
    const client = webClient(fake, { retryConfig: { retries: 3, factor: 1, minTimeout: 0, maxTimeout: 0 } });
    await expect(client.chat.postMessage({ channel: 'C404', text: 'x' })).rejects.toMatchObject({
      code: webApi.ErrorCode.PlatformError,
      data: { ok: false, error: 'channel_not_found' },
    });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    // the fault was used up
    await expect(client.chat.postMessage({ channel: 'C0ONCALL01', text: 'x' })).resolves.toMatchObject({ ok: true });
  });

  test('slow answers and dropped connections', async () => {
    fake.fail('users.info', { delayMs: 250 });
    const started = performance.now();
    await expect(webClient(fake).users.info({ user: 'U1' })).resolves.toMatchObject({ ok: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);

    fake.fail('users.info', { delayMs: 1000 });
    await expect(webClient(fake, { timeout: 100 }).users.info({ user: 'U1' })).rejects.toMatchObject({
      code: webApi.ErrorCode.RequestError,
    });

    fake.fail('*', { destroyConnection: true });
    await expect(webClient(fake).conversations.open({ users: 'U1' })).rejects.toMatchObject({
      code: webApi.ErrorCode.RequestError,
    });
  });

  test('tokens are checked like Slack does', async () => {
    await expect(
      webClient(fake, { headers: { Authorization: 'Bearer xoxb-wrong' } }).auth.test(),
    ).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
    await expect(
      new webApi.WebClient(undefined, {
        slackApiUrl: fake.apiUrl,
        retryConfig: { retries: 0 },
        logger: new RecordingLogger(),
      }).auth.test(),
    ).rejects.toMatchObject({
      data: { error: 'not_authed' },
    });
    await expect(webClient(fake).apiCall('no.such.method')).rejects.toMatchObject({
      data: { error: 'unknown_method' },
    });
  });

  test('chat.*: unique increasing ts, DMs by user id, update, ephemeral, permalink', async () => {
    const client = webClient(fake);
    const first = await client.chat.postMessage({
      channel: 'C0ONCALL01',
      text: 'one',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*one*' } }],
    });
    const second = await client.chat.postMessage({ channel: 'C0ONCALL01', text: 'two', thread_ts: first.ts });
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    expect(first.message).toMatchObject({ text: 'one', user: FAKE_BOT.userId, bot_id: FAKE_BOT.botId, ts: first.ts });
    expect(second.message).toMatchObject({ thread_ts: first.ts });
    expect(fake.callsTo('chat.postMessage')[0].args.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: '*one*' } },
    ]);

    const dm = await client.chat.postMessage({ channel: 'U0ENGINEER', text: 'psst' });
    expect(dm.channel).toBe('D0ENGINEER');

    const updated = await client.chat.update({ channel: 'C0ONCALL01', ts: first.ts as string, text: 'one (edited)' });
    expect(updated).toMatchObject({ ok: true, ts: first.ts, text: 'one (edited)' });
    expect(fake.getMessage('C0ONCALL01', first.ts as string)?.text).toBe('one (edited)');
    await expect(client.chat.update({ channel: 'C0ONCALL01', ts: '1.000000', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });

    await expect(
      client.chat.postEphemeral({ channel: 'C0ONCALL01', user: 'U1', text: 'only you' }),
    ).resolves.toMatchObject({ ok: true, message_ts: expect.any(String) });
    const link = await client.chat.getPermalink({ channel: 'C0ONCALL01', message_ts: first.ts as string });
    expect(link.permalink).toBe(`${fake.baseUrl}/archives/C0ONCALL01/p${(first.ts as string).replace('.', '')}`);
    await expect(client.chat.postMessage({ channel: 'C0ONCALL01', text: '' })).rejects.toMatchObject({
      data: { error: 'no_text' },
    });
  });

  test('views.*: update keeps the id, checks the hash, push and publish', async () => {
    const client = webClient(fake);
    const opened = await client.views.open({ trigger_id: newTriggerId(), view: EVERYTHING_MODAL as never });
    const view = opened.view as JsonObject;
    expect(view).toMatchObject({
      callback_id: 'everything',
      private_metadata: EVERYTHING_MODAL.private_metadata,
      root_view_id: view.id,
      previous_view_id: null,
    });
    expect(view.title).toEqual({ type: 'plain_text', text: 'Everything', emoji: true });
    expect(typeof view.blocks[0].block_id).toBe('string'); // generated, like Slack does

    const updated = await client.views.update({
      view_id: view.id,
      hash: view.hash,
      view: { ...EVERYTHING_MODAL, callback_id: 'everything_v2' } as never,
    });
    expect(updated.view).toMatchObject({ id: view.id, callback_id: 'everything_v2' });
    expect(updated.view?.hash).not.toBe(view.hash);
    await expect(
      client.views.update({ view_id: view.id, hash: view.hash, view: EVERYTHING_MODAL as never }),
    ).rejects.toMatchObject({
      data: { error: 'hash_conflict' },
    });
    await expect(client.views.update({ view_id: 'VNOPE', view: EVERYTHING_MODAL as never })).rejects.toMatchObject({
      data: { error: 'not_found' },
    });

    const pushed = await client.views.push({
      trigger_id: newTriggerId(),
      view: { ...EVERYTHING_MODAL, callback_id: 'pushed' } as never,
    });
    expect(pushed.view?.id).not.toBe(view.id);

    const home = { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Hi' } }] };
    const published = await client.views.publish({ user_id: 'U1', view: home as never });
    const republished = await client.views.publish({ user_id: 'U1', view: home as never });
    expect(republished.view?.id).toBe(published.view?.id);
    expect(fake.lastView()?.type).toBe('home');
  });

  test('views are validated like Slack does', async () => {
    const client = webClient(fake);
    const noSubmit = { ...EVERYTHING_MODAL, submit: undefined };
    await expect(client.views.open({ trigger_id: newTriggerId(), view: noSubmit as never })).rejects.toMatchObject({
      data: { error: 'invalid_arguments' },
    });
    const longTitle = {
      ...EVERYTHING_MODAL,
      title: { type: 'plain_text', text: 'A title that is far too long for Slack' },
    };
    await expect(client.views.open({ trigger_id: newTriggerId(), view: longTitle as never })).rejects.toMatchObject({
      data: {
        error: 'invalid_arguments',
        response_metadata: { messages: [expect.stringContaining('title')] },
      },
    });
  });

  test('trigger_ids expire after 3 s and work once', async () => {
    const client = webClient(fake);
    const modal = { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] };
    const old = `${Date.now() - 4000}.123.abcdef0123456789`;
    await expect(client.views.open({ trigger_id: old, view: modal as never })).rejects.toMatchObject({
      data: { error: 'expired_trigger_id' },
    });
    const trigger = newTriggerId();
    await client.views.open({ trigger_id: trigger, view: modal as never });
    await expect(client.views.open({ trigger_id: trigger, view: modal as never })).rejects.toMatchObject({
      data: { error: 'exchanged_trigger_id' },
    });
  });

  test('users.info time zones, usergroups, conversations.open', async () => {
    const client = webClient(fake);
    const defaultUser = await client.users.info({ user: 'U0NEWYORK' });
    expect(defaultUser.user).toMatchObject({
      id: 'U0NEWYORK',
      tz: 'America/New_York',
      tz_label: expect.stringMatching(/^Eastern (Standard|Daylight) Time$/),
    });
    expect([-18000, -14400]).toContain(defaultUser.user?.tz_offset);

    fake.setUser('U0BERLIN', { tz: 'Europe/Berlin', real_name: 'Ber Lin' });
    const berlin = await client.users.info({ user: 'U0BERLIN' });
    expect(berlin.user).toMatchObject({
      tz: 'Europe/Berlin',
      real_name: 'Ber Lin',
      tz_label: expect.stringMatching(/^Central European/),
    });
    expect([3600, 7200]).toContain(berlin.user?.tz_offset);
    expect(() => fake.setUser('U0X', { tz: 'Mars/Olympus' })).toThrow(RangeError);

    fake.setUsergroup('S0STARCHK', ['U1', 'U2']);
    await expect(client.usergroups.users.list({ usergroup: 'S0STARCHK' })).resolves.toMatchObject({
      ok: true,
      users: ['U1', 'U2'],
    });
    await expect(client.usergroups.users.list({ usergroup: 'S0NOPE' })).rejects.toMatchObject({
      data: { error: 'no_such_subteam' },
    });

    const opened = await client.conversations.open({ users: 'U0ENGINEER' });
    expect(opened).toMatchObject({ ok: true, channel: { id: 'D0ENGINEER' }, already_open: false });
    await expect(client.conversations.open({ users: 'U0ENGINEER' })).resolves.toMatchObject({ already_open: true });
  });

  test('files upload v2: URL, bytes, completion', async () => {
    const client = webClient(fake);
    const content = 'eyJsaWNlbnNlIjoidHJpYWwifQ==\n';
    const result = await client.filesUploadV2({
      channel_id: 'D0ENGINEER',
      content,
      filename: 'acme.gitlab-license',
      title: 'Emergency license',
      initial_comment: 'Here is the license',
    });
    expect(result.ok).toBe(true);

    const upload = await fake.waitForUpload((u) => u.filename === 'acme.gitlab-license');
    expect(upload.bytes?.toString('utf8')).toBe(content);
    expect(upload).toMatchObject({
      declaredLength: Buffer.byteLength(content),
      completed: true,
      channelId: 'D0ENGINEER',
      title: 'Emergency license',
      initialComment: 'Here is the license',
    });
    expect(fake.callsTo('files.getUploadURLExternal')[0].args).toMatchObject({
      filename: 'acme.gitlab-license',
      length: String(Buffer.byteLength(content)),
    });
    expect(fake.callsTo('files.completeUploadExternal')[0].args).toMatchObject({
      files: [{ id: upload.fileId, title: 'Emergency license' }],
      channel_id: 'D0ENGINEER',
      initial_comment: 'Here is the license',
    });

    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    await client.filesUploadV2({ channel_id: 'D0ENGINEER', file: bytes, filename: 'raw.bin' });
    expect((await fake.waitForUpload((u) => u.filename === 'raw.bin')).bytes).toEqual(bytes);

    fake.fail(UPLOAD_URL, { status: 500 });
    await expect(
      client.filesUploadV2({ channel_id: 'D0ENGINEER', content: 'x', filename: 'fails.txt' }),
    ).rejects.toThrow();
    expect(fake.callsTo('files.completeUploadExternal')).toHaveLength(2);
  });

  test('response_urls are recorded, and can fail', async () => {
    const url = fake.responseUrl('cmd-1');
    expect(url).toBe(`${fake.baseUrl}/response/cmd-1`);
    const ok = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'hi', response_type: 'ephemeral' }),
    });
    expect(await ok.json()).toEqual({ ok: true });
    expect((await fake.waitForResponse('cmd-1')).body).toEqual({ text: 'hi', response_type: 'ephemeral' });

    fake.fail(RESPONSE_URL, { status: 404, error: 'expired_url' });
    const failed = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"text":"late"}',
    });
    expect(failed.status).toBe(404);
  });

  test('adoptView shows a response_action view like Slack: same id, new hash, ids filled in', async () => {
    const opened = await webClient(fake).views.open({ trigger_id: newTriggerId(), view: EVERYTHING_MODAL as never });
    const submitted = opened.view as JsonObject;
    const ackView = {
      type: 'modal',
      callback_id: 'done',
      title: { type: 'plain_text', text: 'Done' },
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'All set' } }],
    };
    const shown = fake.adoptView({ ...ackView, id: submitted.id });
    expect(shown).toMatchObject({
      id: submitted.id,
      callback_id: 'done',
      root_view_id: submitted.id,
      state: { values: {} },
    });
    expect(shown.hash).not.toBe(submitted.hash);
    expect(typeof shown.blocks[0].block_id).toBe('string');
    expect(fake.lastView()?.callback_id).toBe('done');
    expect(() => fake.adoptView({ ...ackView, title: { type: 'plain_text', text: 'x'.repeat(30) } })).toThrow(
      /Slack would reject this view/,
    );
  });
});

describe('payload builders, routed through a real Bolt app', () => {
  const fake = new FakeSlack({ botToken: TOKEN });
  let app: App;
  let server: Server;
  let appUrl: string;
  let view: JsonObject;
  const seen: Record<string, JsonObject> = {};
  let homeOpened = deferred<JsonObject>();
  let shortcutSeen = deferred<JsonObject>();

  function buildApp(): App {
    const bolt = new App({
      token: TOKEN,
      signingSecret: SECRET,
      deferInitialization: true,
      logLevel: LogLevel.ERROR,
      logger: new RecordingLogger(),
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
    });
    bolt.command('/echo', async ({ ack, respond, command }) => {
      await ack();
      await respond({ text: `echo: ${command.text}`, response_type: 'ephemeral' });
    });
    bolt.view('everything', async ({ ack, view: submitted, body }) => {
      seen.submission = { body, values: submitted.state.values };
      if (submitted.state.values.seats.seats.value === '13')
        await ack({ response_action: 'errors', errors: { seats: 'Unlucky' } });
      else await ack();
    });
    bolt.action('region', async ({ ack, body, action }) => {
      seen.action = { body, action };
      await ack();
    });
    bolt.action('refresh', async ({ ack, action }) => {
      seen.button = { action };
      await ack();
    });
    bolt.action('approve', async ({ ack, action, body, respond }) => {
      await ack();
      seen.approve = { action, body };
      await respond({ replace_original: true, text: 'Approved' });
    });
    bolt.shortcut('emergency_license_shortcut', async ({ ack, shortcut }) => {
      await ack();
      shortcutSeen.resolve(shortcut);
    });
    bolt.event('app_home_opened', async ({ event }) => {
      homeOpened.resolve(event);
    });
    return bolt;
  }

  beforeAll(async () => {
    await fake.start();
    app = buildApp();
    await app.init();
    server = await app.start({ port: 0, host: '127.0.0.1' });
    appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const opened = await app.client.views.open({ trigger_id: newTriggerId(), view: EVERYTHING_MODAL as never });
    view = opened.view as JsonObject;
  });

  afterAll(async () => {
    if (app && server) {
      const stopping = app.stop();
      server.closeAllConnections();
      await stopping;
    }
    await fake.stop();
  });

  test('slash command fields are what Bolt expects; respond() lands on the fake response_url', async () => {
    const command = slashCommand({
      command: '/echo',
      text: 'hello  world & more',
      responseUrl: fake.responseUrl('echo-1'),
    });
    expect(Object.keys(command)).toEqual([
      'token',
      'team_id',
      'team_domain',
      'channel_id',
      'channel_name',
      'user_id',
      'user_name',
      'command',
      'text',
      'api_app_id',
      'is_enterprise_install',
      'response_url',
      'trigger_id',
    ]);
    expect((await postSlashCommand(appUrl, SECRET, command)).status).toBe(200);
    expect((await fake.waitForResponse('echo-1')).body).toEqual({
      text: 'echo: hello  world & more',
      response_type: 'ephemeral',
    });
  });

  test('stateFromView builds the right shape for each element type', () => {
    const state = stateFromView(view, {
      'Ticket link': 'https://gitlab.zendesk.com/agent/tickets/123',
      email: 'ops@acme.example',
      notes: 'line 1\nline 2',
      seats: 25,
      plan: 'Ultimate', // visible text
      severity: 's1', // value
      checks: ['verified', 'Docs linked'],
      confirm: true,
      at: '09:30',
      owner: 'U0OWNER01',
      region: 'EMEA',
    });
    const regionBlock = view.blocks.find((b: JsonObject) => b.type === 'actions').block_id;
    expect(state.values).toEqual({
      ticket: { ticket_url: { type: 'url_text_input', value: 'https://gitlab.zendesk.com/agent/tickets/123' } },
      customer: { email: { type: 'email_text_input', value: 'ops@acme.example' } },
      notes: { notes: { type: 'plain_text_input', value: 'line 1\nline 2' } },
      seats: { seats: { type: 'number_input', value: '25' } },
      plan: {
        plan: {
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: 'Ultimate', emoji: true }, value: 'ultimate' },
        },
      },
      severity: {
        severity: {
          type: 'radio_buttons',
          selected_option: { text: { type: 'mrkdwn', text: '*Severity 1*: production down' }, value: 's1' },
        },
      },
      checks: {
        checks: {
          type: 'checkboxes',
          selected_options: [
            { text: { type: 'plain_text', text: 'Customer verified', emoji: true }, value: 'verified' },
            { text: { type: 'plain_text', text: 'Docs linked', emoji: true }, value: 'docs' },
          ],
        },
      },
      confirm: {
        confirm: {
          type: 'checkboxes',
          selected_options: [{ text: { type: 'plain_text', text: 'I confirm', emoji: true }, value: 'yes' }],
        },
      },
      expires: { expires: { type: 'datepicker', selected_date: '2030-01-31' } }, // untouched: its initial_date
      at: { at: { type: 'timepicker', selected_time: '09:30' } },
      owner: { owner: { type: 'users_select', selected_user: 'U0OWNER01' } },
      [regionBlock]: {
        region: {
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: 'EMEA', emoji: true }, value: 'emea' },
        },
      },
    });

    const empty = stateFromView(view, {});
    expect(empty.values.ticket.ticket_url).toEqual({ type: 'url_text_input', value: null });
    expect(empty.values.plan.plan).toEqual({ type: 'static_select', selected_option: null });
    expect(empty.values.checks.checks).toEqual({ type: 'checkboxes', selected_options: [] });
    expect(empty.values.notes.notes).toEqual({ type: 'plain_text_input', value: 'none' });
    expect(
      stateFromView(view, { expires: new Date('2031-02-03T12:00:00Z') }).values.expires.expires.selected_date,
    ).toBe('2031-02-03');
  });

  test('view_submission reaches app.view() with the built state; response_action errors come back', async () => {
    const answers = {
      ticket: 'https://gitlab.zendesk.com/agent/tickets/1',
      customer: 'a@b.example',
      seats: '13',
      plan: 'premium',
      // the option shows '*Severity 2*: degraded': answers match a value or the whole visible text
      severity: 'Severity 2',
    };
    expect(() => viewSubmission({ view, values: answers })).toThrow(/no option "Severity 2"/);
    const values = {
      ...answers,
      severity: optionByText(view, 'severity', 'degraded').value,
      checks: ['verified'],
      confirm: true,
    };
    const payload = viewSubmission({ view, values, user: 'U0SUBMIT1' });
    expect(payload).toMatchObject({
      type: 'view_submission',
      response_urls: [],
      view: { id: view.id, hash: view.hash, callback_id: 'everything', private_metadata: view.private_metadata },
    });

    const res = await postInteraction(appUrl, SECRET, payload);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ response_action: 'errors', errors: { seats: 'Unlucky' } });
    expect(seen.submission.values).toEqual(payload.view.state.values);
    expect(seen.submission.body.user).toEqual({
      id: 'U0SUBMIT1',
      username: 'user.u0submit1',
      name: 'user.u0submit1',
      team_id: FAKE_TEAM.id,
    });

    const accepted = await postInteraction(appUrl, SECRET, viewSubmission({ view, values: { ...values, seats: 3 } }));
    expect(accepted.status).toBe(200);
    expect(accepted.body).toBe('');
  });

  test('block_actions inside the modal reach app.action() with the selection and the current state', async () => {
    const payload = blockActions({ view, actionId: 'region', value: 'AMER', answers: { plan: 'premium' } });
    expect(payload).toMatchObject({
      type: 'block_actions',
      container: { type: 'view', view_id: view.id },
      trigger_id: expect.any(String),
    });
    expect((await postInteraction(appUrl, SECRET, payload)).status).toBe(200);
    expect(seen.action.action).toMatchObject({
      type: 'static_select',
      action_id: 'region',
      selected_option: { value: 'amer' },
      action_ts: expect.any(String),
    });
    expect(seen.action.body.view.state.values.plan.plan.selected_option.value).toBe('premium');
    expect(seen.action.body.user.id).toBe(DEFAULT_USER.id);

    expect((await postInteraction(appUrl, SECRET, blockActions({ view, actionId: 'refresh' }))).status).toBe(200);
    expect(seen.button.action).toMatchObject({
      type: 'button',
      action_id: 'refresh',
      value: 'refresh-1',
      text: { text: 'Refresh' },
    });
  });

  test('block_actions on a button in a message the bot posted; respond() replaces it', async () => {
    const posted = await app.client.chat.postMessage({
      channel: 'C0ONCALL01',
      text: 'Approve?',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'Approve the license?' } },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: 'approve',
              text: { type: 'plain_text', text: 'Approve' },
              style: 'primary',
              value: 'lic-1',
            },
          ],
        },
      ],
    });
    const payload = messageBlockActions({
      message: posted.message as JsonObject,
      channelId: posted.channel as string,
      actionId: 'approve',
      responseUrl: fake.responseUrl('approve-1'),
    });
    expect(payload).toMatchObject({
      container: { type: 'message', message_ts: posted.ts, channel_id: 'C0ONCALL01', is_ephemeral: false },
      channel: { id: 'C0ONCALL01' },
    });
    expect((await postInteraction(appUrl, SECRET, payload)).status).toBe(200);
    expect((await fake.waitForResponse('approve-1')).body).toEqual({ replace_original: true, text: 'Approved' });
    expect(seen.approve.action).toMatchObject({
      type: 'button',
      action_id: 'approve',
      value: 'lic-1',
      style: 'primary',
    });
    expect(seen.approve.body.message.ts).toBe(posted.ts);
  });

  test('global shortcut, app_home_opened and url_verification', async () => {
    shortcutSeen = deferred();
    expect(
      (
        await postInteraction(
          appUrl,
          SECRET,
          globalShortcut({ callbackId: 'emergency_license_shortcut', user: 'U0SHORT01' }),
        )
      ).status,
    ).toBe(200);
    expect(await shortcutSeen.promise).toMatchObject({
      type: 'shortcut',
      callback_id: 'emergency_license_shortcut',
      user: { id: 'U0SHORT01' },
    });

    homeOpened = deferred();
    expect((await postEvent(appUrl, SECRET, appHomeOpened({ user: 'U0HOME001' }))).status).toBe(200);
    expect(await homeOpened.promise).toMatchObject({
      type: 'app_home_opened',
      user: 'U0HOME001',
      channel: 'D0HOME001',
      tab: 'home',
    });

    const challenge = urlVerification('c-123');
    expect((await postEvent(appUrl, SECRET, challenge)).json()).toEqual({ challenge: 'c-123' });
  });
});

describe('applySubmissionAck', () => {
  const submitted = {
    type: 'modal',
    blocks: [
      { type: 'section', block_id: 'notice', text: { type: 'mrkdwn', text: 'x' } },
      { type: 'input', block_id: 'email', element: { type: 'email_text_input', action_id: 'e' } },
    ],
  } as JsonObject;
  const answered = (body: JsonObject) =>
    ({ status: 200, headers: {}, body: JSON.stringify(body), json: () => body, elapsedMs: 0 }) as never;

  it('takes field errors keyed by the input blocks of the submitted view', () => {
    const ack = applySubmissionAck(
      new FakeSlack(),
      submitted,
      answered({ response_action: 'errors', errors: { email: 'Enter an email.' } }),
    );
    expect(ack).toEqual({ kind: 'errors', errors: { email: 'Enter an email.' } });
  });

  it('refuses, as Slack does, an error keyed by a block that is not an input of the view', () => {
    for (const blockId of ['notice', 'gone']) {
      expect(() =>
        applySubmissionAck(
          new FakeSlack(),
          submitted,
          answered({ response_action: 'errors', errors: { [blockId]: 'x' } }),
        ),
      ).toThrow(`submission errors name blocks that are not inputs of the view: ${blockId}`);
    }
  });
});
