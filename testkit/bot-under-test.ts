import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startBot, type RunningBot } from '../src/bot';
import { loadConfig } from '../src/config';
import { FakeSlack, type JsonObject } from './fake-slack';
import { FakeReceiver } from './fake-receiver';
import { DEFAULT_CHANNEL, DEFAULT_USER } from './constants';
import { slashCommand, viewSubmission, blockActions, type Answers } from './payloads';
import {
  postEvent,
  postInteraction,
  postSlashCommand,
  type SignedRequestOptions,
  type SlackHttpResponse,
} from './signed-request';

export const SIGNING_SECRET = 'e2e-signing-secret-0123456789abcdef';
export const BOT_TOKEN = 'xoxb-e2e-0000000000-token';
export const LICENSING_CHANNEL = 'C0LICENSING';

/**
 * How Slack's requests reach the bot: `http` signs them and POSTs them to its real receiver on a
 * loopback port (for signatures, bodies, sockets); `in-process` hands the parsed body to the Bolt app
 * through a FakeReceiver (the listener flows). Either way the bot's Web API calls go to the fake Slack.
 */
export type Transport = 'http' | 'in-process';

/** What Slack sends: a slash command's form fields, an interaction payload, or an Events API body. */
export type SlackRequestKind = 'command' | 'interaction' | 'event';

export interface BotUnderTest {
  fake: FakeSlack;
  bot: RunningBot;
  transport: Transport;
  /** The bot's HTTP address (HTTP transport; with `in-process` nothing listens there). */
  baseUrl: string;
  dataDir: string;
  logs: string[];
  /** Delivers a request as Slack would through this transport; `options` (retry headers...) apply to both. */
  send(kind: SlackRequestKind, body: object, options?: SignedRequestOptions): Promise<SlackHttpResponse>;
  command(command: string, text?: string, userId?: string): Promise<SlackHttpResponse>;
  submit(view: JsonObject, values: Answers, userId?: string): Promise<SlackHttpResponse>;
  click(
    view: JsonObject,
    actionId: string,
    value?: Answers[string],
    answers?: Answers,
    userId?: string,
  ): Promise<SlackHttpResponse>;
  /** The modal most recently opened, pushed or updated with this callback_id, as Slack would show it. */
  view(callbackId: string): JsonObject;
  stop(): Promise<void>;
}

/** `send` for a bot listening at `baseUrl` (in this process or a child): signed POSTs, as Slack sends them. */
export function signedSender(baseUrl: string, signingSecret = SIGNING_SECRET): BotUnderTest['send'] {
  return (kind, body, options = {}) => {
    if (kind === 'command') return postSlashCommand(baseUrl, signingSecret, body as Record<string, string>, options);
    if (kind === 'interaction') return postInteraction(baseUrl, signingSecret, body, options);
    return postEvent(baseUrl, signingSecret, body, options);
  };
}

/**
 * Starts the real bot (src/bot.ts `startBot`, configured only through the environment, as in
 * production) against a loopback fake of the Slack Web API: in HTTP mode on a loopback port, or
 * with `transport: 'in-process'` behind a FakeReceiver.
 */
export async function startBotUnderTest(
  env: Record<string, string> = {},
  existing?: { fake?: FakeSlack; dataDir?: string },
  { transport = 'http' }: { transport?: Transport } = {},
): Promise<BotUnderTest> {
  const fake = existing?.fake ?? new FakeSlack({ logErrors: false });
  if (!existing?.fake) await fake.start();
  const dataDir = existing?.dataDir ?? mkdtempSync(join(tmpdir(), 'lr-bot-e2e-'));
  const config = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_MODE: 'http',
    PORT: '0',
    SLACK_API_URL: fake.apiUrl,
    LICENSING_CHANNEL,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    AUTHORIZATION_MODE: 'open',
    // Any free port: many bots run at once (and other bots may hold 9464 on this machine).
    METRICS_PORT: '0',
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: config.logLevel }, sink);
  const receiver = transport === 'in-process' ? new FakeReceiver() : undefined;
  const bot = await startBot(config, logger, { receiver });
  const baseUrl = `http://127.0.0.1:${bot.port}`;
  const send: BotUnderTest['send'] = receiver
    ? (_kind, body, options = {}) =>
        receiver.send(body as Record<string, unknown>, { retryNum: options.retryNum, retryReason: options.retryReason })
    : signedSender(baseUrl);
  const user = (id?: string) => ({
    id: id ?? DEFAULT_USER.id,
    username: 'engineer',
    name: 'engineer',
    team_id: 'T0FAKETEAM',
  });
  return {
    fake,
    bot,
    transport,
    baseUrl,
    dataDir,
    logs,
    send,
    command: (command, text = '', userId) =>
      send(
        'command',
        slashCommand({
          command,
          text,
          userId: userId ?? DEFAULT_USER.id,
          channelId: DEFAULT_CHANNEL.id,
          responseUrl: fake.responseUrl(),
        }),
      ),
    submit: (view, values, userId) => send('interaction', viewSubmission({ view, values, user: user(userId) })),
    click: (view, actionId, value, answers, userId) =>
      send('interaction', blockActions({ view, actionId, value, answers, user: user(userId) })),
    view(callbackId) {
      const found = fake.lastView(callbackId);
      if (!found) throw new Error(`no view ${callbackId} was opened; calls: ${fake.summary()}`);
      return found;
    },
    async stop() {
      await bot.stop();
      if (!existing?.fake) await fake.stop();
      if (!existing?.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * What Slack does with a view_submission ack: `update` replaces the modal in place (same id),
 * `errors` keeps it open with field errors, an empty ack closes it.
 */
export function applySubmissionAck(
  fake: FakeSlack,
  submitted: JsonObject,
  response: SlackHttpResponse,
): { kind: 'update' | 'errors' | 'push' | 'close'; view?: JsonObject; errors?: Record<string, string> } {
  if (response.status !== 200) throw new Error(`submission answered HTTP ${response.status}: ${response.body}`);
  if (!response.body) return { kind: 'close' };
  const body = response.json();
  if (body.response_action === 'errors') {
    // Slack refuses the whole answer when an error names anything but an input block of the submitted view.
    const inputs = new Set(
      (submitted.blocks as JsonObject[]).filter((b) => b.type === 'input').map((b) => b.block_id as string),
    );
    const stray = Object.keys(body.errors as JsonObject).filter((blockId) => !inputs.has(blockId));
    if (stray.length > 0)
      throw new Error(`submission errors name blocks that are not inputs of the view: ${stray.join(', ')}`);
    return { kind: 'errors', errors: body.errors };
  }
  if (body.response_action === 'update')
    return { kind: 'update', view: fake.adoptView({ ...body.view, id: submitted.id }) };
  if (body.response_action === 'push') return { kind: 'push', view: fake.adoptView(body.view) };
  if (body.response_action === 'clear') return { kind: 'close' };
  throw new Error(`unexpected submission ack: ${response.body}`);
}

/** The bot behind a FakeReceiver: Slack's requests go straight to the Bolt app, its Web API calls to the fake. */
export function startInProcessBot(
  env: Record<string, string> = {},
  existing?: { fake?: FakeSlack; dataDir?: string },
): Promise<BotUnderTest> {
  return startBotUnderTest(env, existing, { transport: 'in-process' });
}
