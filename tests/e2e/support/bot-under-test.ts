import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startBot, RunningBot } from '../../../src/bot';
import { loadConfig } from '../../../src/config';
import { FakeSlack, JsonObject } from './fake-slack';
import { DEFAULT_CHANNEL, DEFAULT_USER } from './constants';
import { slashCommand, viewSubmission, blockActions, Answers } from './payloads';
import { postInteraction, postSlashCommand, SlackHttpResponse } from './signed-request';

export const SIGNING_SECRET = 'e2e-signing-secret-0123456789abcdef';
export const BOT_TOKEN = 'xoxb-e2e-0000000000-token';
export const LICENSING_CHANNEL = 'C0LICENSING';

export interface BotUnderTest {
  fake: FakeSlack;
  bot: RunningBot;
  baseUrl: string;
  dataDir: string;
  logs: string[];
  command(command: string, text?: string, userId?: string): Promise<SlackHttpResponse>;
  submit(view: JsonObject, values: Answers, userId?: string): Promise<SlackHttpResponse>;
  click(view: JsonObject, actionId: string, value?: Answers[string], answers?: Answers, userId?: string): Promise<SlackHttpResponse>;
  /** The modal most recently opened, pushed or updated with this callback_id, as Slack would show it. */
  view(callbackId: string): JsonObject;
  stop(): Promise<void>;
}

/**
 * Starts the real bot in HTTP mode on a loopback port against a loopback fake of the Slack Web
 * API, configured only through the environment (as in production).
 */
export async function startBotUnderTest(env: Record<string, string> = {}, existing?: { fake?: FakeSlack; dataDir?: string }): Promise<BotUnderTest> {
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
  const bot = await startBot(config, logger);
  const baseUrl = `http://127.0.0.1:${bot.port}`;
  const user = (id?: string) => ({ id: id ?? DEFAULT_USER.id, username: 'engineer', name: 'engineer', team_id: 'T0FAKETEAM' });
  return {
    fake,
    bot,
    baseUrl,
    dataDir,
    logs,
    command: (command, text = '', userId) =>
      postSlashCommand(
        baseUrl,
        SIGNING_SECRET,
        slashCommand({ command, text, userId: userId ?? DEFAULT_USER.id, channelId: DEFAULT_CHANNEL.id, responseUrl: fake.responseUrl() }),
      ),
    submit: (view, values, userId) => postInteraction(baseUrl, SIGNING_SECRET, viewSubmission({ view, values, user: user(userId) })),
    click: (view, actionId, value, answers, userId) =>
      postInteraction(baseUrl, SIGNING_SECRET, blockActions({ view, actionId, value, answers, user: user(userId) })),
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
export function applySubmissionAck(fake: FakeSlack, submitted: JsonObject, response: SlackHttpResponse): { kind: 'update' | 'errors' | 'push' | 'close'; view?: JsonObject; errors?: Record<string, string> } {
  if (response.status !== 200) throw new Error(`submission answered HTTP ${response.status}: ${response.body}`);
  if (!response.body) return { kind: 'close' };
  const body = response.json();
  if (body.response_action === 'errors') return { kind: 'errors', errors: body.errors };
  if (body.response_action === 'update') return { kind: 'update', view: fake.adoptView({ ...body.view, id: submitted.id }) };
  if (body.response_action === 'push') return { kind: 'push', view: fake.adoptView(body.view) };
  if (body.response_action === 'clear') return { kind: 'close' };
  throw new Error(`unexpected submission ack: ${response.body}`);
}
