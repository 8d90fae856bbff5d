/**
 * The fake itself, spoken to with plain `fetch` the way Zendesk's API reference shows: it must
 * hold to the documented shapes, or the client tests prove nothing.
 */
import { FakeZendesk } from '../../testkit/fake-zendesk';

const EMAIL = 'agent@example.com';
const TOKEN = 'fakeApiToken0123456789';
const OAUTH = 'fakeOauthToken0123456789';
let fake: FakeZendesk;
const basic = `Basic ${Buffer.from(`${EMAIL}/token:${TOKEN}`).toString('base64')}`;

beforeEach(async () => {
  fake = new FakeZendesk({ email: EMAIL, apiToken: TOKEN, oauthToken: OAUTH });
  await fake.start();
});
afterEach(async () => {
  await fake.stop();
});

async function call(method: string, path: string, init: { auth?: string; body?: unknown; type?: string } = {}) {
  const res = await fetch(`${fake.apiUrl}${path}`, {
    method,
    headers: {
      ...(init.auth === '' ? {} : { Authorization: init.auth ?? basic }),
      ...(init.type ? { 'Content-Type': init.type } : {}),
    },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

test('authentication: email/token Basic or OAuth Bearer; anything else 401', async () => {
  const ticket = fake.addTicket();
  expect((await call('GET', `tickets/${ticket.id}.json`)).status).toBe(200);
  expect((await call('GET', `tickets/${ticket.id}`, { auth: `Bearer ${OAUTH}` })).status).toBe(200);
  for (const auth of ['', `Bearer ${TOKEN}`, `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`]) {
    const denied = await call('GET', `tickets/${ticket.id}`, { auth });
    expect(denied).toMatchObject({ status: 401, json: { error: "Couldn't authenticate you" } });
  }
});

test('ticket, user and organization shapes; 404 RecordNotFound; 403 for a forbidden ticket', async () => {
  const ticket = fake.addTicket({ subject: 'S', requester: { name: 'N', email: 'n@example.com' }, organization: 'O' });
  const got = await call('GET', `tickets/${ticket.id}`);
  expect(got.json.ticket).toMatchObject({
    id: ticket.id,
    subject: 'S',
    status: 'open',
    requester_id: expect.any(Number),
    organization_id: expect.any(Number),
    url: `${fake.apiUrl}tickets/${ticket.id}.json`,
  });
  expect((await call('GET', `users/${ticket.requester_id}`)).json.user).toMatchObject({
    name: 'N',
    email: 'n@example.com',
  });
  expect((await call('GET', `organizations/${ticket.organization_id}`)).json.organization).toMatchObject({
    name: 'O',
  });
  expect(await call('GET', 'tickets/424242')).toMatchObject({
    status: 404,
    json: { error: 'RecordNotFound', description: 'Not found' },
  });
  fake.forbiddenTickets.add(ticket.id);
  expect((await call('GET', `tickets/${ticket.id}/comments`)).status).toBe(403);
});

test('comments: offset pagination by default, inline images only when asked', async () => {
  const ticket = fake.addTicket({
    comments: [{ body: 'a', attachments: [{ file_name: 'p.png', content_type: 'image/png', inline: true }] }],
  });
  for (let i = 0; i < 3; i += 1) fake.addComment(ticket.id, { body: `c${i}` });
  const first = await call('GET', `tickets/${ticket.id}/comments?per_page=2`);
  expect(first.json).toMatchObject({ count: 4, previous_page: null });
  expect(first.json.comments).toHaveLength(2);
  expect(first.json.comments[0].attachments).toEqual([]);
  expect(first.json.next_page).toBe(`${fake.apiUrl}tickets/${ticket.id}/comments.json?page=2&per_page=2`);
  const second = await call('GET', `tickets/${ticket.id}/comments.json?page=2&per_page=2`);
  expect(second.json.comments.map((c: any) => c.body)).toEqual(['c1', 'c2']);
  expect(second.json.next_page).toBeNull();
  const inline = await call('GET', `tickets/${ticket.id}/comments?include_inline_images=true`);
  expect(inline.json.comments[0].attachments[0]).toMatchObject({
    file_name: 'p.png',
    content_type: 'image/png',
    inline: true,
    content_url: expect.stringContaining('/attachments/token/'),
  });
});

test('uploads: 201 with a token; a second file joins the same token; the update attaches both once', async () => {
  const ticket = fake.addTicket();
  const one = await call('POST', 'uploads?filename=a.txt', { body: 'A', type: 'text/plain' });
  expect(one.status).toBe(201);
  const token = one.json.upload.token;
  const two = await call('POST', `uploads?filename=b.txt&token=${token}`, { body: 'B', type: 'text/plain' });
  expect(two.json.upload.token).toBe(token);
  expect(two.json.upload.attachments.map((a: any) => a.file_name)).toEqual(['a.txt', 'b.txt']);
  const update = { ticket: { comment: { body: 'files', public: false, uploads: [token] } } };
  const put = await call('PUT', `tickets/${ticket.id}`, { body: update, type: 'application/json' });
  expect(put.status).toBe(200);
  expect(put.json.audit.events[0]).toMatchObject({ type: 'Comment', public: false });
  expect(fake.addedComments[0].attachments.map((a) => a.file_name)).toEqual(['a.txt', 'b.txt']);
  // A used or unknown token is refused.
  expect((await call('PUT', `tickets/${ticket.id}`, { body: update, type: 'application/json' })).status).toBe(422);
});

test('faults: 429 with Retry-After as plain text, slow answers, then back to normal', async () => {
  const ticket = fake.addTicket();
  fake.fail({ status: 429, retryAfter: 9 });
  const limited = await call('GET', `tickets/${ticket.id}`);
  expect(limited.status).toBe(429);
  expect(limited.headers.get('retry-after')).toBe('9');
  expect(typeof limited.json).toBe('string');
  fake.fail({ delayMs: 200 });
  const started = Date.now();
  expect((await call('GET', `tickets/${ticket.id}`)).status).toBe(200);
  expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  expect((await call('GET', `tickets/${ticket.id}`)).status).toBe(200);
  expect(fake.requests.map((r) => r.fault?.status ?? r.fault?.delayMs ?? null)).toEqual([429, 200, null]);
});
