import { LogLevel, WebClient } from '@slack/web-api';
import { countingSlackFetch } from '../../src/slack/instrumentation';

const API = 'http://127.0.0.1:9/api/';
type Fetch = NonNullable<ConstructorParameters<typeof WebClient>[1]>['fetch'];

/** A stand-in for the network: answers each request with `answer()` (or throws it). */
function fakeNetwork(answer: () => Response | Error): NonNullable<Fetch> {
  return async () => {
    const result = answer();
    if (result instanceof Error) throw result;
    return result;
  };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

describe("countingSlackFetch: failed Web API requests by method, through the client's public fetch option", () => {
  it.each<[string, () => Response | Error, string[]]>([
    ['ok: true is not counted', () => json({ ok: true, channel: 'C1' }), []],
    ['ok: false (platform error)', () => json({ ok: false, error: 'channel_not_found' }), ['chat.postMessage']],
    ['ok: false not written first', () => json('{ "error": "invalid_auth", "ok": false }'), ['chat.postMessage']],
    ['an answer that is not JSON', () => json('<html>proxy error</html>'), ['chat.postMessage']],
    ['HTTP 500', () => json('oops', 500), ['chat.postMessage']],
    [
      'HTTP 429 (rejected, not retried)',
      () => json({ ok: false, error: 'ratelimited' }, 429, { 'retry-after': '3' }),
      ['chat.postMessage'],
    ],
    ['no answer (network error)', () => new TypeError('fetch failed'), ['chat.postMessage']],
  ])('%s', async (_name, answer, expected) => {
    const failed: string[] = [];
    const client = new WebClient('xoxb-test', {
      slackApiUrl: API,
      logLevel: LogLevel.ERROR,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      fetch: countingSlackFetch(API, (method) => failed.push(method), fakeNetwork(answer)),
    });
    await client.chat.postMessage({ channel: 'C1', text: 'hi' }).catch(() => undefined);
    expect(failed).toEqual(expected);
  });

  it('hands the client the same answer it would have read', async () => {
    const client = new WebClient('xoxb-test', {
      slackApiUrl: API,
      fetch: countingSlackFetch(
        API,
        () => undefined,
        fakeNetwork(() => json({ ok: true, user_id: 'U1', team: 'T' }, 200, { 'x-oauth-scopes': 'chat:write' })),
      ),
    });
    const result = await client.auth.test();
    expect(result).toMatchObject({ ok: true, user_id: 'U1', team: 'T', response_metadata: { scopes: ['chat:write'] } });
  });
});
