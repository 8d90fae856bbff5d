import { escapeMrkdwn } from '../../src/slack/mrkdwn';
import {
  readTicketFacts,
  ticketWarnings,
  type TicketFacts,
  type TicketFactsResult,
} from '../../src/zendesk/ticket-facts';
import { BASE_URL, startZendesk, type ZendeskUnderTest } from './support/zendesk-under-test';

let z: ZendeskUnderTest;
beforeEach(async () => {
  z = await startZendesk();
});
afterEach(async () => {
  await z.fake.stop();
});

function facts(result: TicketFactsResult): TicketFacts {
  if (!result.ok) throw new Error(`expected facts, got: ${result.reason}`);
  return result.facts;
}
function reason(result: TicketFactsResult): string {
  if (result.ok) throw new Error('expected a reason');
  return result.reason;
}

test('requester email, organization, subject, status and the image attachments', async () => {
  const ticket = z.fake.addTicket({
    subject: 'Our license expired on Friday',
    status: 'open',
    requester: { name: 'Ada Admin', email: 'ada@example.com' },
    organization: 'Acme Corp',
    comments: [
      {
        body: 'Screenshots attached',
        attachments: [
          { file_name: 'subscription.png', content_type: 'image/png', size: 5000 },
          { file_name: 'notes.pdf', content_type: 'application/pdf' },
          { file_name: 'old.png', content_type: 'image/png', deleted: true },
        ],
      },
      { body: 'pasted', attachments: [{ file_name: 'dashboard', content_type: 'image/jpeg', inline: true }] },
      {
        body: 'log',
        public: false,
        attachments: [{ file_name: 'SHOT.JPG', content_type: 'application/octet-stream' }],
      },
    ],
  });
  const read = facts(await readTicketFacts(z.client, `${BASE_URL}/agent/tickets/${ticket.id}`));
  expect(read).toEqual({
    ticketId: ticket.id,
    ticketUrl: `${BASE_URL}/agent/tickets/${ticket.id}`,
    subject: 'Our license expired on Friday',
    status: 'open',
    solvedOrClosed: false,
    requester: { id: ticket.requester_id, name: 'Ada Admin', email: 'ada@example.com' },
    organization: { id: ticket.organization_id, name: 'Acme Corp' },
    images: {
      count: 3,
      complete: true,
      files: [
        { name: 'subscription.png', contentType: 'image/png', size: 5000, inline: false, public: true },
        { name: 'dashboard', contentType: 'image/jpeg', size: 1024, inline: true, public: true },
        { name: 'SHOT.JPG', contentType: 'application/octet-stream', size: 1024, inline: false, public: false },
      ],
    },
    notes: [],
  });
  expect(ticketWarnings(read)).toEqual([]);
});

test('the ticket and its comments are read at once, then the requester and the organization at once', async () => {
  const ticket = z.fake.addTicket();
  // Each answer is a second late, so a call made at once arrives while the other is unanswered even on
  // a loaded machine; the client's timeout leaves room for both rounds.
  const client = z.clientWith({ timeoutMs: 10_000 });
  z.fake.fail({ path: /\/tickets\/\d+$/, delayMs: 1000 });
  z.fake.fail({ path: '/comments', delayMs: 1000 });
  z.fake.fail({ path: '/users/', delayMs: 1000 });
  z.fake.fail({ path: '/organizations/', delayMs: 1000 });
  facts(await readTicketFacts(client, ticket.id));
  expect(z.fake.requests.map((r) => [r.path.split('/')[3], r.unansweredOnArrival])).toEqual([
    ['tickets', 0],
    ['tickets', 1], // the comments, while the ticket is unanswered
    ['users', 0], // after the ticket (it names the requester)
    ['organizations', 1], // while the requester is unanswered
  ]);
});

test('a bare number expands to a ticket of ZENDESK_BASE_URL; another host is refused without a request', async () => {
  const ticket = z.fake.addTicket();
  expect(facts(await readTicketFacts(z.client, String(ticket.id))).ticketUrl).toBe(
    `${BASE_URL}/agent/tickets/${ticket.id}`,
  );
  const before = z.fake.requests.length;
  expect(reason(await readTicketFacts(z.client, 'https://evil.example.com/agent/tickets/1'))).toContain(
    'Only tickets on gitlab.zendesk.com',
  );
  expect(z.fake.requests).toHaveLength(before);
});

describe('a ticket that cannot be read gives one plain line', () => {
  test.each([
    [{ status: 404 }, /Zendesk did not find ticket \d+, or the bot's Zendesk user cannot see it\./],
    [{ status: 403 }, /no permission to read ticket \d+/],
    [{ status: 401 }, /refused the bot's credentials/],
    [{ status: 429, retryAfter: 42 }, /rate-limiting the bot; try again in 42 s/],
    [{ status: 500 }, /^Zendesk is unavailable right now\.$/],
    [{ status: 503 }, /^Zendesk is unavailable right now\.$/],
    [{ delayMs: 5000 }, /^Zendesk was too slow to answer\.$/],
    [{ status: 200, body: 'not json' }, /answer about ticket \d+ could not be read/],
  ])('%j → %p', async (fault, expected) => {
    const ticket = z.fake.addTicket();
    z.fake.fail({ path: /\/tickets\/\d+$/, ...fault });
    // A budget an immediate answer fits in even on a loaded machine.
    const result = await readTicketFacts(z.client, ticket.id, { budgetMs: 1500 });
    const line = reason(result);
    expect(line).toMatch(expected);
    expect(line).not.toContain('\n');
    // The reason is the bot's own words: never Zendesk's answer.
    expect(line).not.toMatch(/HTTP|RecordNotFound|ServerError/);
  });

  test('a hanging Zendesk: the answer still comes within the budget', async () => {
    const ticket = z.fake.addTicket();
    z.fake.fail({ hang: true, times: Infinity });
    const patient = z.clientWith({ timeoutMs: 60_000 });
    const started = Date.now();
    expect(reason(await readTicketFacts(patient, ticket.id, { budgetMs: 200 }))).toBe(
      'Zendesk was too slow to answer.',
    );
    // Zendesk never answers and the client would wait a minute: an answer this far inside that minute
    // can only come from the budget (a loose bound, so a loaded machine cannot break it).
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('the parts besides the ticket are optional', () => {
  test('requester not readable, organization forbidden, comments down: facts with notes', async () => {
    const ticket = z.fake.addTicket({ subject: 'Locked out' });
    z.fake.fail({ path: '/users/', status: 404 });
    z.fake.fail({ path: '/organizations/', status: 403 });
    z.fake.fail({ path: '/comments', status: 500 });
    const read = facts(await readTicketFacts(z.client, ticket.id));
    expect(read).toMatchObject({ subject: 'Locked out', requester: undefined, organization: undefined });
    expect(read.images).toBeUndefined();
    expect(read.notes).toEqual([
      "The requester's details not read: Zendesk did not find the requester, or the bot's Zendesk user cannot see it.",
      "The organization not read: The bot's Zendesk user has no permission to read the organization.",
      'The attachments not read: Zendesk is unavailable right now.',
    ]);
    // Without the comments, nothing is known about images: no "fewer than two" warning.
    expect(ticketWarnings(read)).toEqual([]);
  });

  test('the budget is spent on the ticket: the requester and organization are given up as too slow', async () => {
    const ticket = z.fake.addTicket();
    z.fake.fail({ path: /\/tickets\/\d+$/, delayMs: 300 });
    // Within the client's own timeout: only the budget's remainder gives these up.
    z.fake.fail({ path: '/users/', delayMs: 5000 });
    z.fake.fail({ path: '/organizations/', delayMs: 5000 });
    const patient = z.clientWith({ timeoutMs: 60_000 });
    const read = facts(await readTicketFacts(patient, ticket.id, { budgetMs: 1500 }));
    expect(read.requester).toBeUndefined();
    expect(read.organization).toBeUndefined();
    expect(read.notes).toEqual([
      expect.stringMatching(/^The requester's details not read: Zendesk was too slow/),
      expect.stringMatching(/^The organization('s name)? not read: Zendesk was too slow/),
    ]);
  });

  test('no organization, a requester without email, more comments than read', async () => {
    const ticket = z.fake.addTicket({ organization: null, requester: { name: 'No Mail', email: null } });
    for (let i = 0; i < 150; i += 1) z.fake.addComment(ticket.id, { body: `c${i}` });
    const read = facts(await readTicketFacts(z.client, ticket.id, { maxCommentPages: 1 }));
    expect(read.organization).toBeUndefined();
    expect(read.requester).toEqual({ id: ticket.requester_id, name: 'No Mail', email: undefined });
    expect(read.images).toEqual({ count: 0, files: [], complete: false });
    expect(read.notes).toEqual([
      'The requester has no email address in Zendesk.',
      'The ticket has more comments than were read: there may be more images.',
    ]);
    expect(z.fake.requests.some((r) => r.path.includes('/organizations/'))).toBe(false);
  });
});

test('warnings: fewer than two images, a solved or closed ticket', async () => {
  const solved = z.fake.addTicket({
    status: 'solved',
    comments: [{ body: 'one', attachments: [{ file_name: 'a.png', content_type: 'image/png' }] }],
  });
  const read = facts(await readTicketFacts(z.client, solved.id));
  expect(read.solvedOrClosed).toBe(true);
  expect(ticketWarnings(read)).toEqual([
    'Only 1 image is attached to the ticket: the workflow needs 2 screenshots.',
    'The ticket is solved.',
  ]);
  const closed = z.fake.addTicket({ status: 'closed', comments: [{ body: 'none' }] });
  expect(ticketWarnings(facts(await readTicketFacts(z.client, closed.id)))).toEqual([
    'No images are attached to the ticket: the workflow needs 2 screenshots.',
    'The ticket is closed.',
  ]);
});

test('customer text comes back raw (bounded); escaped by the renderer it is inert in Slack', async () => {
  const hostile = '<!channel> *urgent* <https://evil.example.com|click> @here';
  const ticket = z.fake.addTicket({
    subject: hostile + 'x'.repeat(1000),
    requester: { name: '<@U012ABC> Mallory', email: 'mallory@example.com' },
    organization: '<!everyone>',
    comments: [
      { body: 'x', attachments: [{ file_name: '<https://evil.example.com|a>.png', content_type: 'image/png' }] },
    ],
  });
  const read = facts(await readTicketFacts(z.client, ticket.id));
  expect(read.subject?.startsWith(hostile)).toBe(true);
  expect(read.subject?.length).toBeLessThanOrEqual(500);
  expect(read.requester?.name).toBe('<@U012ABC> Mallory');
  for (const text of [read.subject!, read.requester!.name!, read.organization!.name!, read.images!.files[0].name]) {
    const shown = escapeMrkdwn(text);
    expect(shown).not.toMatch(/<[!@#]|<https?:/);
    expect(shown).not.toMatch(/@(here|channel|everyone)\b/);
  }
  // The bot's own notes and warnings never carry customer text.
  expect([...read.notes, ...ticketWarnings(read)].join(' ')).not.toContain('evil');
});
