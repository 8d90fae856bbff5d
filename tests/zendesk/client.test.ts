import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import { parseRetryAfter, type ZendeskFailure, type ZendeskResult } from '../../src/zendesk/client';
import { ZendeskCredentials, zendeskSettings } from '../../src/zendesk/config';
import { createZendeskClient } from '../../src/zendesk';
import {
  API_TOKEN,
  BASE_URL,
  EMAIL,
  OAUTH_TOKEN,
  apiTokenCredentials,
  startZendesk,
  type ZendeskUnderTest,
} from './support/zendesk-under-test';

let z: ZendeskUnderTest;
beforeEach(async () => {
  z = await startZendesk();
});
afterEach(async () => {
  await z.fake.stop();
});

function failure<T>(result: ZendeskResult<T>): ZendeskFailure {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.data)}`);
  return result;
}
function data<T>(result: ZendeskResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.kind}: ${result.message}`);
  return result.data;
}

const BASIC = `Basic ${Buffer.from(`${EMAIL}/token:${API_TOKEN}`).toString('base64')}`;

describe('reads', () => {
  test('a ticket by number or by URL of ZENDESK_BASE_URL, with the API token as HTTP Basic email/token', async () => {
    const ticket = z.fake.addTicket({ subject: 'Instance locked', status: 'pending' });
    const byNumber = data(await z.client.getTicket(ticket.id));
    expect(byNumber).toMatchObject({
      id: ticket.id,
      subject: 'Instance locked',
      status: 'pending',
      requester_id: ticket.requester_id,
      organization_id: ticket.organization_id,
    });
    expect(data(await z.client.getTicket(`${BASE_URL}/agent/tickets/${ticket.id}`)).id).toBe(ticket.id);
    expect(z.fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /api/v2/tickets/${ticket.id}`,
      `GET /api/v2/tickets/${ticket.id}`,
    ]);
    expect(z.fake.requests[0].headers.authorization).toBe(BASIC);
    expect(z.fake.requests[0].headers.accept).toBe('application/json');
  });

  test('OAuth: Bearer token', async () => {
    const ticket = z.fake.addTicket();
    const oauth = z.clientWith({ credentials: new ZendeskCredentials({ kind: 'oauth', token: OAUTH_TOKEN }) });
    expect(data(await oauth.getTicket(ticket.id)).id).toBe(ticket.id);
    expect(z.fake.requests[0].headers.authorization).toBe(`Bearer ${OAUTH_TOKEN}`);
  });

  test('only tickets of ZENDESK_BASE_URL: another host, a lookalike or junk is refused without a request', async () => {
    for (const reference of [
      'https://evil.example.com/agent/tickets/1',
      'https://gitlab.zendesk.com.evil.example/agent/tickets/1',
      'https://user:pw@gitlab.zendesk.com/agent/tickets/1',
      '<https://evil.example.com/agent/tickets/1|https://gitlab.zendesk.com/agent/tickets/1>',
      '../users/1',
      '1 OR 1',
    ]) {
      const calls: Promise<ZendeskResult<unknown>>[] = [
        z.client.getTicket(reference),
        z.client.listComments(reference),
        z.client.addComment(reference, { body: 'x', public: false }),
      ];
      for (const call of calls) {
        const failed = failure(await call);
        expect(failed.kind).toBe('foreign-ticket');
        expect(failed.retryable).toBe(false);
      }
    }
    expect(z.fake.requests).toHaveLength(0);
  });

  test('a user and an organization', async () => {
    const ticket = z.fake.addTicket({ requester: { name: 'Ada', email: 'ada@example.com' }, organization: 'Acme' });
    expect(data(await z.client.getUser(ticket.requester_id))).toEqual({
      id: ticket.requester_id,
      name: 'Ada',
      email: 'ada@example.com',
    });
    expect(data(await z.client.getOrganization(ticket.organization_id!))).toEqual({
      id: ticket.organization_id,
      name: 'Acme',
    });
    expect(failure(await z.client.getUser(-1)).kind).toBe('rejected');
    expect(z.fake.requests).toHaveLength(2);
  });

  test('comments with their attachments, inline images included, over several cursor pages', async () => {
    const ticket = z.fake.addTicket({
      comments: [
        { body: 'first', attachments: [{ file_name: 'dashboard.png', content_type: 'image/png', size: 2048 }] },
        { body: 'pasted', attachments: [{ file_name: 'image0.jpg', content_type: 'image/jpeg', inline: true }] },
      ],
    });
    for (let i = 0; i < 148; i += 1) z.fake.addComment(ticket.id, { body: `comment ${i}`, public: i % 2 === 0 });
    const listed = data(await z.client.listComments(ticket.id));
    expect(listed.complete).toBe(true);
    expect(listed.comments).toHaveLength(150);
    expect(listed.comments[0].attachments[0]).toMatchObject({
      file_name: 'dashboard.png',
      content_type: 'image/png',
      size: 2048,
    });
    expect(listed.comments[1].attachments[0]).toMatchObject({ file_name: 'image0.jpg', inline: true });
    expect(z.fake.requests).toHaveLength(2);
    expect(z.fake.requests[0].query.get('page[size]')).toBe('100');
    expect(z.fake.requests[0].query.get('include_inline_images')).toBe('true');
    expect(z.fake.requests[1].query.get('page[after]')).toBeTruthy();

    const firstPage = data(await z.client.listComments(ticket.id, { maxPages: 1 }));
    expect(firstPage).toMatchObject({ complete: false });
    expect(firstPage.comments).toHaveLength(100);
  });

  test('an offset next_page is followed too', async () => {
    const ticket = z.fake.addTicket({ comments: [{ body: 'one' }] });
    for (let i = 0; i < 120; i += 1) z.fake.addComment(ticket.id, { body: `c${i}` });
    // Zendesk answering the first page the old way: the next one is then asked with page/per_page.
    z.fake.fail({
      path: '/comments',
      status: 200,
      body: {
        comments: [{ id: 1, public: true, body: 'offset page one', attachments: [] }],
        next_page: `${z.fake.apiUrl}tickets/${ticket.id}/comments.json?page=2&per_page=100`,
        count: 121,
      },
    });
    const listed = data(await z.client.listComments(ticket.id));
    expect(listed.comments.map((c) => c.body)).toEqual([
      'offset page one',
      ...Array.from({ length: 21 }, (_, i) => `c${i + 99}`),
    ]);
    expect(z.fake.requests[1].query.get('page')).toBe('2');
  });

  test('a cursor without a next link: the next page is asked with page[after]', async () => {
    const ticket = z.fake.addTicket({ comments: [{ body: 'one' }, { body: 'two' }] });
    const cursor = Buffer.from('1').toString('base64url');
    z.fake.fail({
      path: '/comments',
      status: 200,
      body: {
        comments: [{ id: 1, public: true, body: 'one', attachments: [] }],
        meta: { has_more: true, after_cursor: cursor },
      },
    });
    expect(data(await z.client.listComments(ticket.id)).comments.map((c) => c.body)).toEqual(['one', 'two']);
    expect(z.fake.requests[1].query.get('page[after]')).toBe(cursor);
    z.fake.fail({ path: '/comments', status: 200, body: { comments: [], meta: { has_more: true } } });
    expect(failure(await z.client.listComments(ticket.id)).kind).toBe('invalid-answer');
  });

  test('a next page on another origin or path is not followed (the Authorization header stays home)', async () => {
    const ticket = z.fake.addTicket();
    for (const next of [
      'https://evil.example.com/api/v2/tickets/1/comments.json?page[after]=x',
      `${z.fake.apiUrl}users/1?page=2`,
    ]) {
      z.fake.fail({
        path: '/comments',
        status: 200,
        body: { comments: [], meta: { has_more: true, after_cursor: 'x' }, links: { next } },
      });
      const failed = failure(await z.client.listComments(ticket.id));
      expect(failed.kind).toBe('invalid-answer');
    }
    expect(z.fake.requests).toHaveLength(2);
  });

  test('an odd comment is dropped, the others kept; an answer without comments is invalid', async () => {
    const ticket = z.fake.addTicket();
    z.fake.fail({
      path: '/comments',
      status: 200,
      body: { comments: [{ id: 'x' }, { id: 5, public: false, body: 'ok', attachments: [{ id: 'bad' }] }] },
    });
    expect(data(await z.client.listComments(ticket.id)).comments).toEqual([
      expect.objectContaining({ id: 5, body: 'ok', public: false, attachments: [] }),
    ]);
    z.fake.fail({ path: `/tickets/${ticket.id}`, status: 200, body: { ticket: { id: 'seven' } } });
    expect(failure(await z.client.getTicket(ticket.id))).toMatchObject({ kind: 'invalid-answer', retryable: true });
  });
});

describe('writes', () => {
  test('upload: the raw bytes with the file name in the query; the token comes back', async () => {
    const uploaded = data(
      await z.client.upload({ fileName: 'req-42.gitlab-license', content: 'LICENSE-BYTES', contentType: 'text/plain' }),
    );
    expect(uploaded.token).toMatch(/^[0-9a-f]+$/);
    expect(uploaded.attachment).toMatchObject({ file_name: 'req-42.gitlab-license', size: 13 });
    const [request] = z.fake.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/api/v2/uploads');
    expect(request.query.get('filename')).toBe('req-42.gitlab-license');
    expect(request.headers['content-type']).toBe('text/plain');
    expect(request.body.toString()).toBe('LICENSE-BYTES');
  });

  test('an upload answered without a token can simply be retried (an unused upload expires on its own)', async () => {
    z.fake.fail({ path: '/uploads', status: 201, body: { upload: {} } });
    const failed = failure(await z.client.upload({ fileName: 'a.gitlab-license', content: 'x' }));
    expect(failed).toMatchObject({ kind: 'invalid-answer', retryable: true });
    expect(failed.ambiguous).toBeUndefined();
  });

  test('a file name with a slash is refused before any request', async () => {
    expect(failure(await z.client.upload({ fileName: '../x', content: 'a' })).kind).toBe('rejected');
    expect(z.fake.requests).toHaveLength(0);
  });

  test('a comment: {ticket:{comment:{body, public, uploads}}} by PUT', async () => {
    const ticket = z.fake.addTicket();
    const { token } = data(await z.client.upload({ fileName: 'a.gitlab-license', content: 'x' }));
    const updated = data(
      await z.client.addComment(ticket.id, { body: 'Internal: license attached', public: false, uploads: [token] }),
    );
    expect(updated.ticket.id).toBe(ticket.id);
    expect(updated.audit?.id).toEqual(expect.any(Number));
    const put = z.fake.requests[1];
    expect(put.method).toBe('PUT');
    expect(put.path).toBe(`/api/v2/tickets/${ticket.id}`);
    expect(put.headers['content-type']).toBe('application/json');
    expect(JSON.parse(put.body.toString())).toEqual({
      ticket: { comment: { body: 'Internal: license attached', public: false, uploads: [token] } },
    });
    expect(z.fake.addedComments).toHaveLength(1);
    expect(z.fake.addedComments[0]).toMatchObject({ public: false, attachments: [{ file_name: 'a.gitlab-license' }] });

    data(await z.client.addComment(ticket.id, { htmlBody: '<p>Hi</p>', public: true }));
    expect(JSON.parse(z.fake.requests[2].body.toString())).toEqual({
      ticket: { comment: { html_body: '<p>Hi</p>', public: true } },
    });
    expect(failure(await z.client.addComment(ticket.id, { body: ' ', public: false })).kind).toBe('rejected');
  });

  test('a closed ticket cannot be updated: rejected, not retryable, with what Zendesk said', async () => {
    const ticket = z.fake.addTicket({ status: 'closed' });
    const failed = failure(await z.client.addComment(ticket.id, { body: 'note', public: false }));
    expect(failed).toMatchObject({ kind: 'rejected', status: 422, retryable: false });
    expect(failed.message).toContain('closed prevents ticket update');
  });
});

describe('failures are typed', () => {
  test.each([
    [404, 'not-found', false],
    [403, 'forbidden', false],
    [401, 'unauthorized', false],
    [400, 'rejected', false],
    [422, 'rejected', false],
    [409, 'unavailable', true],
    [500, 'unavailable', true],
    [502, 'unavailable', true],
    [503, 'unavailable', true],
    [408, 'timeout', true],
  ])('HTTP %i → %s (retryable: %s)', async (status, kind, retryable) => {
    const ticket = z.fake.addTicket();
    z.fake.fail({ status });
    const failed = failure(await z.client.getTicket(ticket.id));
    expect(failed).toMatchObject({ kind, status, retryable });
    expect(failed.message).toContain(`HTTP ${status}`);
  });

  test('the fake answers 404 and 403 on its own for a missing or forbidden ticket', async () => {
    const ticket = z.fake.addTicket();
    z.fake.forbiddenTickets.add(ticket.id);
    expect(failure(await z.client.getTicket(ticket.id)).kind).toBe('forbidden');
    expect(failure(await z.client.getTicket(999999)).kind).toBe('not-found');
    expect(failure(await z.client.getUser(999999)).kind).toBe('not-found');
  });

  test('429: rate-limited with the Retry-After seconds (also as an HTTP date, and on a 503)', async () => {
    const ticket = z.fake.addTicket();
    z.fake.fail({ status: 429, retryAfter: 7 });
    expect(failure(await z.client.getTicket(ticket.id))).toMatchObject({
      kind: 'rate-limited',
      status: 429,
      retryable: true,
      retryAfterSeconds: 7,
    });
    z.fake.fail({ status: 429, retryAfter: new Date(Date.now() + 30_000).toUTCString() });
    const dated = failure(await z.client.getTicket(ticket.id));
    expect(dated.retryAfterSeconds).toBeGreaterThanOrEqual(28);
    expect(dated.retryAfterSeconds).toBeLessThanOrEqual(31);
    z.fake.fail({ status: 503, retryAfter: 120 });
    expect(failure(await z.client.getTicket(ticket.id))).toMatchObject({ kind: 'unavailable', retryAfterSeconds: 120 });
    z.fake.fail({ status: 429, retryAfter: 'soon' });
    expect(failure(await z.client.getTicket(ticket.id)).retryAfterSeconds).toBeUndefined();
  });

  test('slow or silent Zendesk: timeout at the call timeout (a smaller per-call one wins)', async () => {
    const ticket = z.fake.addTicket();
    const quick = z.clientWith({ timeoutMs: 150 });
    z.fake.fail({ delayMs: 2000 });
    // The answer would come after 2 s: a timeout means the client gave up before it.
    expect(failure(await quick.getTicket(ticket.id))).toMatchObject({ kind: 'timeout', retryable: true });

    z.fake.fail({ hang: true });
    const patient = z.clientWith({ timeoutMs: 60_000 });
    const t0 = Date.now();
    expect(failure(await patient.getTicket(ticket.id, { timeoutMs: 100 })).kind).toBe('timeout');
    // Zendesk never answers and the client's own timeout is a minute: a timeout this far inside that
    // minute is the per-call one (a loose bound, so a loaded machine cannot break it).
    expect(Date.now() - t0).toBeLessThan(10_000);

    // A slow answer within the timeout is just an answer.
    z.fake.fail({ delayMs: 300 });
    expect(data(await z.client.getTicket(ticket.id)).id).toBe(ticket.id);
  });

  test('a dropped connection is unavailable; after a write was sent it may have happened (ambiguous)', async () => {
    const ticket = z.fake.addTicket();
    z.fake.fail({ destroyConnection: true });
    expect(failure(await z.client.getTicket(ticket.id))).toMatchObject({ kind: 'unavailable', retryable: true });
    z.fake.fail({ method: 'PUT', destroyConnection: true });
    expect(failure(await z.client.addComment(ticket.id, { body: 'x', public: false }))).toMatchObject({
      kind: 'unavailable',
      ambiguous: true,
    });
    z.fake.fail({ method: 'PUT', hang: true, applyFirst: true });
    // Long enough for the fake to receive the whole write on a loaded machine before the client gives up.
    const quick = z.clientWith({ timeoutMs: 1000 });
    expect(failure(await quick.addComment(ticket.id, { body: 'y', public: false }))).toMatchObject({
      kind: 'timeout',
      ambiguous: true,
    });
    expect(z.fake.addedComments.map((c) => c.body)).toEqual(['y']);
  });

  test('a refused connection is unavailable and not ambiguous (nothing was sent)', async () => {
    const ticket = z.fake.addTicket();
    const client = z.clientWith({});
    await z.fake.stop();
    const failed = failure(await client.addComment(ticket.id, { body: 'x', public: false }));
    expect(failed).toMatchObject({ kind: 'unavailable', retryable: true });
    expect(failed.ambiguous).toBeUndefined();
    expect(failed.message).toContain('ECONNREFUSED');
  });

  test('not JSON, a redirect, or an answer too large: invalid-answer', async () => {
    const ticket = z.fake.addTicket();
    z.fake.fail({ status: 200, body: '<html>maintenance</html>' });
    expect(failure(await z.client.getTicket(ticket.id))).toMatchObject({ kind: 'invalid-answer', retryable: true });
    z.fake.fail({ status: 302, body: '' });
    const redirected = failure(await z.client.getTicket(ticket.id));
    expect(redirected).toMatchObject({ kind: 'invalid-answer', retryable: false, status: 302 });
    expect(redirected.message).toContain('ZENDESK_API_URL');
    const small = z.clientWith({ maxAnswerBytes: 100 });
    z.fake.fail({ status: 200, body: { ticket: { id: ticket.id, status: 'open', subject: 'x'.repeat(500) } } });
    expect(failure(await small.getTicket(ticket.id)).kind).toBe('invalid-answer');
    // A write answered 2xx with an odd body was probably made: not retryable, ambiguous.
    z.fake.fail({ method: 'PUT', status: 200, body: 'ok' });
    expect(failure(await z.client.addComment(ticket.id, { body: 'x', public: false }))).toMatchObject({
      kind: 'invalid-answer',
      retryable: false,
      ambiguous: true,
    });
  });

  test('wrong credentials: unauthorized', async () => {
    const ticket = z.fake.addTicket();
    const wrong = z.clientWith({ credentials: apiTokenCredentials('zdWrongTokenValue0123456789') });
    expect(failure(await wrong.getTicket(ticket.id))).toMatchObject({ kind: 'unauthorized', retryable: false });
  });
});

describe('the token never shows', () => {
  test('not in failure messages, even when the answer echoes the Authorization header', async () => {
    const ticket = z.fake.addTicket();
    const basic64 = BASIC.slice('Basic '.length);
    const messages: string[] = [];
    z.fake.fail({ status: 401, body: { error: 'Unauthorized', description: `got ${BASIC} (${API_TOKEN})` } });
    messages.push(failure(await z.client.getTicket(ticket.id)).message);
    z.fake.fail({ status: 500, body: `proxy error for ${basic64}` });
    messages.push(failure(await z.client.getTicket(ticket.id)).message);
    z.fake.fail({ status: 429, body: API_TOKEN });
    messages.push(failure(await z.client.getTicket(ticket.id)).message);
    z.fake.fail({ delayMs: 500 });
    messages.push(failure(await z.clientWith({ timeoutMs: 50 }).getTicket(ticket.id)).message);
    for (const message of messages) {
      expect(message).not.toContain(API_TOKEN);
      expect(message).not.toContain(basic64);
    }
    expect(messages[0]).toContain('[REDACTED]');
    expect(JSON.stringify(z.calls)).not.toContain(API_TOKEN);
  });

  test('not in the logs: the call log has method, path and status only; the settings print as [REDACTED]', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('debug', sink);
    const settings = zendeskSettings({
      ZENDESK_BASE_URL: BASE_URL,
      ZENDESK_EMAIL: EMAIL,
      ZENDESK_API_TOKEN: API_TOKEN,
      ZENDESK_API_URL: z.fake.apiUrl,
      ZENDESK_LICENSE_DELIVERY: 'internal-note',
      ZENDESK_TIMEOUT_MS: 1000,
    });
    const client = createZendeskClient(settings, logger)!;
    const ticket = z.fake.addTicket();
    data(await client.getTicket(ticket.id));
    z.fake.fail({ status: 429, retryAfter: 3 });
    failure(await client.getUser(ticket.requester_id));
    logger.info({ settings }, 'zendesk settings');
    logger.info(`credentials ${String(settings!.credentials)}`);
    const log = lines.join('');
    expect(log).toContain('"path":"tickets/');
    expect(log).toContain('"kind":"rate-limited"');
    expect(log).toContain('[REDACTED]');
    expect(log).not.toContain(API_TOKEN);
    expect(log).not.toContain(BASIC.slice('Basic '.length));
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-07T18:00:00Z');
  test.each([
    ['7', 7],
    ['0', 0],
    ['1.2', 2],
    [' 93 ', 93],
    ['999999', 86400],
    ['Mon, 07 Dec 2026 18:00:45 GMT', 45],
    ['Mon, 07 Dec 2026 17:00:00 GMT', 0],
    ['', undefined],
    ['-5', undefined],
    ['soon', undefined],
    [null, undefined],
  ])('%p → %p', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
