import { ZendeskClient, type ZendeskCallRecord } from '../../../src/zendesk/client';
import { ZendeskCredentials } from '../../../src/zendesk/config';
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

/** A started fake (API token and OAuth both accepted) and a client on it; stop with `fake.stop()`. */
export async function startZendesk(timeoutMs = 2000): Promise<ZendeskUnderTest> {
  const fake = new FakeZendesk({ email: EMAIL, apiToken: API_TOKEN, oauthToken: OAUTH_TOKEN });
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
