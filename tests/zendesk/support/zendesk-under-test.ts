import { ZendeskClient, type ZendeskCallRecord } from '../../../src/zendesk/client';
import { ZendeskCredentials } from '../../../src/zendesk/config';
import { type BotUnderTest, startBotUnderTest, type Transport } from '../../../testkit/bot-under-test';
import { FakeZendesk } from '../../../testkit/fake-zendesk';

/** The Zendesk instance whose tickets are accepted (the configured example); the API itself is the loopback fake. */
export const BASE_URL = 'https://gitlab.zendesk.com';
export const EMAIL = 'lr-bot@example.com';
export const API_TOKEN = 'zdTok3nS3cretValue0123456789abcdefABCDEF';
export const OAUTH_TOKEN = 'zdOAuthS3cret0123456789abcdefABCDEF0123';

export interface ZendeskUnderTest {
  fake: FakeZendesk;
  client: ZendeskClient;
  calls: ZendeskCallRecord[];
  /** Another client on the same fake (other credentials, timeout...). */
  clientWith(options: { timeoutMs?: number; credentials?: ZendeskCredentials; maxAnswerBytes?: number }): ZendeskClient;
}

export function apiTokenCredentials(token = API_TOKEN): ZendeskCredentials {
  return new ZendeskCredentials({ kind: 'api-token', email: EMAIL, apiToken: token });
}

/** A fake that accepts these credentials (API token and OAuth both); `start()` it before use. */
export const newFakeZendesk = () => new FakeZendesk({ email: EMAIL, apiToken: API_TOKEN, oauthToken: OAUTH_TOKEN });

/** The bot's ZENDESK_* settings for a started fake: its API URL and the API token credentials. */
export const zendeskEnv = (fake: FakeZendesk): Record<string, string> => ({
  ZENDESK_API_URL: fake.apiUrl,
  ZENDESK_EMAIL: EMAIL,
  ZENDESK_API_TOKEN: API_TOKEN,
});

/** A started fake (API token and OAuth both accepted) and a client on it; stop with `fake.stop()`. */
export async function startZendesk(timeoutMs = 2000): Promise<ZendeskUnderTest> {
  const fake = newFakeZendesk();
  await fake.start();
  const calls: ZendeskCallRecord[] = [];
  const clientWith: ZendeskUnderTest['clientWith'] = (options) =>
    new ZendeskClient({
      baseUrl: BASE_URL,
      apiUrl: fake.apiUrl,
      credentials: options.credentials ?? apiTokenCredentials(),
      timeoutMs: options.timeoutMs ?? timeoutMs,
      maxAnswerBytes: options.maxAnswerBytes,
      onCall: (call) => calls.push(call),
    });
  return { fake, client: clientWith({}), calls, clientWith };
}

/** How {@link useBotWithZendesk} starts the bot. */
export interface BotWithZendeskOptions {
  /** More settings, read in beforeAll (after the describe block's earlier hooks started what they name). */
  env?: () => Record<string, string>;
  /** False: the API URL alone, which configures no Zendesk (the bot must behave as without it). */
  credentials?: boolean;
  transport?: Transport;
}

/**
 * Jest hooks for a describe block: a fake Zendesk and the real bot pointed at it (startBotUnderTest,
 * with a fake Slack of its own), started in beforeAll and stopped in afterAll. `t` is filled in by
 * that beforeAll: read it in tests and hooks, not while the block is being declared.
 */
export function useBotWithZendesk(options: BotWithZendeskOptions = {}): { t: BotUnderTest; zd: FakeZendesk } {
  const zd = newFakeZendesk();
  const t = {} as BotUnderTest;
  beforeAll(async () => {
    await zd.start();
    const zendesk = options.credentials === false ? { ZENDESK_API_URL: zd.apiUrl } : zendeskEnv(zd);
    const env = { ...zendesk, ...options.env?.() };
    Object.assign(t, await startBotUnderTest(env, undefined, { transport: options.transport }));
  });
  afterAll(async () => {
    await t.stop?.();
    await zd.stop();
  });
  return { t, zd };
}
