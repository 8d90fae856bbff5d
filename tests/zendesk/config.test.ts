import { inspect } from 'node:util';
import { ConfigError, loadConfig } from '../../src/config';
import { ZendeskCredentials, zendeskEnvSchema } from '../../src/zendesk/config';

const BASE_ENV = {
  SLACK_BOT_TOKEN: 'xoxb-1111-2222-SuperSecretBotToken',
  SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5',
  LICENSING_CHANNEL: 'C0123ABCD',
};
const API_TOKEN = 'zdApiTokenSecret0123456789abcdefABCDEF';
const OAUTH = 'zdOAuthSecret0123456789abcdefABCDEF';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...BASE_ENV, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

test('without Zendesk credentials there are no Zendesk settings: the bot works as before', () => {
  const config = loadConfig(BASE_ENV);
  expect(config.zendesk).toBeUndefined();
  expect(config.zendeskBaseUrl).toBe('https://gitlab.zendesk.com');
  // Delivery and API URL alone turn nothing on.
  expect(loadConfig({ ...BASE_ENV, ZENDESK_LICENSE_DELIVERY: 'public-reply' }).zendesk).toBeUndefined();
});

test('API token + email: Basic email/token, the API URL from ZENDESK_BASE_URL, internal notes by default', () => {
  const { zendesk } = loadConfig({ ...BASE_ENV, ZENDESK_EMAIL: 'bot@example.com', ZENDESK_API_TOKEN: API_TOKEN });
  expect(zendesk).toMatchObject({
    baseUrl: 'https://gitlab.zendesk.com',
    apiUrl: 'https://gitlab.zendesk.com/api/v2/',
    licenseDelivery: 'internal-note',
    timeoutMs: 5000,
  });
  expect(zendesk?.credentials.kind).toBe('api-token');
  expect(zendesk?.credentials.authorizationHeader()).toBe(
    `Basic ${Buffer.from(`bot@example.com/token:${API_TOKEN}`).toString('base64')}`,
  );
});

test('OAuth token, another base URL, an API URL of its own (tests point it at the fake), public replies', () => {
  const { zendesk } = loadConfig({
    ...BASE_ENV,
    ZENDESK_OAUTH_TOKEN: OAUTH,
    ZENDESK_BASE_URL: 'https://support.example.com/',
    ZENDESK_API_URL: 'http://127.0.0.1:4567/api/v2/',
    ZENDESK_LICENSE_DELIVERY: 'public-reply',
    ZENDESK_TIMEOUT_MS: '1500',
  });
  expect(zendesk).toMatchObject({
    baseUrl: 'https://support.example.com',
    apiUrl: 'http://127.0.0.1:4567/api/v2/',
    licenseDelivery: 'public-reply',
    timeoutMs: 1500,
  });
  expect(zendesk?.credentials.authorizationHeader()).toBe(`Bearer ${OAUTH}`);
});

test('each problem names the variable and never repeats a secret', () => {
  const found = problems({
    ZENDESK_API_TOKEN: API_TOKEN,
    ZENDESK_OAUTH_TOKEN: OAUTH,
    ZENDESK_API_URL: 'https://gitlab.zendesk.com/api/v1/',
    ZENDESK_LICENSE_DELIVERY: 'email',
    ZENDESK_TIMEOUT_MS: '-1',
  });
  expect(found).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^ZENDESK_OAUTH_TOKEN: set either/),
      expect.stringMatching(/^ZENDESK_EMAIL: required with ZENDESK_API_TOKEN/),
      'ZENDESK_API_URL: must end with /api/v2/',
      'ZENDESK_LICENSE_DELIVERY: must be internal-note or public-reply',
      expect.stringMatching(/^ZENDESK_TIMEOUT_MS: /),
    ]),
  );
  expect(found.join('\n')).not.toContain(API_TOKEN);
  expect(found.join('\n')).not.toContain(OAUTH);
  expect(problems({ ZENDESK_EMAIL: 'not-an-email', ZENDESK_API_TOKEN: API_TOKEN })).toEqual([
    expect.stringMatching(/^ZENDESK_EMAIL: must be the email address/),
  ]);
});

test('the configuration can be printed: the credentials show as [REDACTED]', () => {
  const config = loadConfig({ ...BASE_ENV, ZENDESK_EMAIL: 'bot@example.com', ZENDESK_API_TOKEN: API_TOKEN });
  const header = config.zendesk!.credentials.authorizationHeader().slice('Basic '.length);
  for (const printed of [JSON.stringify(config), inspect(config, { depth: 10 }), String(config.zendesk!.credentials)]) {
    expect(printed).not.toContain(API_TOKEN);
    expect(printed).not.toContain(header);
  }
  expect(JSON.stringify(config.zendesk)).toContain('"credentials":"[REDACTED]"');
});

test('the Zendesk variables alone (tools), and the credentials guard against empty tokens', () => {
  expect(zendeskEnvSchema.parse({})).toBeUndefined();
  expect(zendeskEnvSchema.parse({ ZENDESK_OAUTH_TOKEN: OAUTH })?.apiUrl).toBe('https://gitlab.zendesk.com/api/v2/');
  expect(() => new ZendeskCredentials({ kind: 'oauth', token: ' ' })).toThrow('empty token');
  expect(() => new ZendeskCredentials({ kind: 'api-token', email: 'x', apiToken: 'abc' })).toThrow('email');
});
