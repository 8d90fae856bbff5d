import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { decodeLicenseFile } from '../../src/licenses';
import {
  applySubmissionAck,
  type BotUnderTest,
  LICENSING_CHANNEL,
  startInProcessBot,
} from '../../testkit/bot-under-test';
import { type JsonObject } from '../../testkit/fake-slack';
import { eventually } from '../../testkit/eventually';
import { messageBlockActions, textOf } from '../../testkit/payloads';
import { daysAgo, emergencyForm } from '../../testkit/bot-steps';

/** Each ticket gets its own requester email, so tests do not see each other's licenses as duplicates. */
const form = (overrides: Record<string, unknown> = {}) =>
  emergencyForm({
    ...(overrides.ticket ? { email: `admin+${overrides.ticket as string | number}@customer.example` } : {}),
    ...overrides,
  });

const licenseNotices = (t: BotUnderTest, ticket?: string) =>
  t.fake
    .callsTo('chat.postMessage')
    .filter(
      (c) => c.args.channel === LICENSING_CHANNEL && (!ticket || String(c.args.text).includes(`/tickets/${ticket} `)),
    );

describe('weekend emergency license end to end', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startInProcessBot({
      AUTHORIZATION_MODE: 'groups',
      LICENSE_REQUESTER_USERGROUPS: 'S0REQUEST',
      LICENSE_OVERRIDE_USERGROUPS: 'S0MANAGER',
    });
    t.fake.setUsergroup('S0REQUEST', ['U0ENGINEER', 'U0MANAGER']);
    t.fake.setUsergroup('S0MANAGER', ['U0MANAGER']);
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => t.fake.reset());

  async function openForm(text = '424242', userId?: string): Promise<JsonObject> {
    const opened = t.fake.callsTo('views.open').length;
    const res = await t.command('/emergency-license', text, userId);
    expect(res.status).toBe(200);
    await t.fake.waitForCalls('views.open', opened + 1);
    return t.view('emergency_license');
  }

  it('in scope: one license, one notice with the ticket URL, the file delivered to the engineer', async () => {
    const view = await openForm('424242');
    const ack = applySubmissionAck(t.fake, view, await t.submit(view, form()));
    expect(ack.kind).toBe('update');
    expect(textOf(ack.view as JsonObject)).toMatch(/Generating|License generated/);

    const upload = await t.fake.waitForUpload(() => true, 5000);
    const notice = await eventually(
      () => {
        const last = t.fake
          .callsTo('chat.update')
          .concat(licenseNotices(t))
          .map((c) => `${c.args.text}\n${textOf(c.args.blocks)}`)
          .join('\n');
        expect(last).toContain('Generated');
        return last;
      },
      { timeoutMs: 10_000 },
    );
    expect(notice).toContain('https://gitlab.zendesk.com/agent/tickets/424242');
    expect(notice).toContain('250 users');
    expect(notice).toContain('admin@customer.example');
    expect(licenseNotices(t, '424242')).toHaveLength(1);

    // The delivered file is a real .gitlab-license: decrypt it with the development public key.
    const file = (upload.bytes as Buffer).toString('utf8');
    expect(upload.channelId).toMatch(/^D/);
    expect(upload.filename).toMatch(/\.gitlab-license$/);
    const publicKey = createPublicKey(readFileSync(join(t.dataDir, 'dev-license-key.pub.pem')));
    const attributes = decodeLicenseFile(file, publicKey) as Record<string, any>;
    expect(attributes.restrictions).toMatchObject({ active_user_count: 250, plan: 'ultimate', trial: true });
    expect(attributes.licensee.Email).toBe('admin@customer.example');
    const days = DateTime.fromISO(attributes.expires_at).diff(DateTime.fromISO(attributes.issued_at), 'days').days;
    expect(days).toBe(10);

    // The username is remembered for the next form.
    const next = await openForm('');
    const username = (next.blocks as JsonObject[]).find((b) => b.block_id === 'username') as JsonObject;
    expect(username.element.initial_value).toBe('jdoe');
  });

  it('shows field errors and generates nothing for invalid input', async () => {
    const view = await openForm();
    const ack = applySubmissionAck(
      t.fake,
      view,
      await t.submit(
        view,
        form({
          user_count: '12.5',
          email: 'x@y.z',
          screenshots: ['dashboard'],
          expiration_date: daysAgo(-400),
          username: '-bad name',
        }),
      ),
    );
    expect(ack.kind).toBe('errors');
    expect(Object.keys(ack.errors ?? {}).sort()).toEqual([
      'email',
      'expiration_date',
      'screenshots',
      'user_count',
      'username',
    ]);
    await t.fake.expectNoCall('chat.postMessage', 150);
  });

  it('out of scope: refusal with the reason, a refusal notice, and no adapter call', async () => {
    const view = await openForm();
    const ack = applySubmissionAck(
      t.fake,
      view,
      await t.submit(view, form({ ticket: '500', expiration_date: daysAgo(30) })),
    );
    expect(ack.kind).toBe('update');
    const shown = textOf(ack.view as JsonObject);
    expect(shown).toContain('Out of scope');
    expect(shown).toMatch(/more than 3 days before today/);
    expect(shown).not.toContain('Manager override');
    const post = await t.fake.waitForCall('chat.postMessage', (c) => c.args.channel === LICENSING_CHANNEL);
    expect(textOf(post.args.blocks)).toContain('Refused');
    await new Promise((r) => setTimeout(r, 200));
    expect(t.fake.uploads).toHaveLength(0);
    const records = await t.bot.services.store.requests.findByTicket(
      'https://gitlab.zendesk.com/agent/tickets/500',
      10,
    );
    expect(records.map((r) => r.status)).toEqual(['refused']);
  });

  it('override by a manager: license generated and the notice flags the override', async () => {
    const view = await openForm('501', 'U0MANAGER');
    const refusal = applySubmissionAck(
      t.fake,
      view,
      await t.submit(view, form({ ticket: '501', expiration_date: daysAgo(20) }), 'U0MANAGER'),
    );
    expect(textOf(refusal.view as JsonObject)).toContain('Manager override');
    const ok = applySubmissionAck(
      t.fake,
      refusal.view as JsonObject,
      await t.submit(
        refusal.view as JsonObject,
        { justification: 'Production down for 2,000 users; L&R lead approved <!channel>' },
        'U0MANAGER',
      ),
    );
    expect(ok.kind).toBe('update');
    await t.fake.waitForUpload(() => true, 5000);
    await eventually(
      () => {
        const all = licenseNotices(t)
          .concat(t.fake.callsTo('chat.update'))
          .map((c) => textOf(c.args.blocks))
          .join('\n');
        expect(all).toContain('Scope check overridden');
        expect(all).toContain('&lt;!channel&gt;');
        expect(all).not.toContain('<!channel>');
      },
      { timeoutMs: 10_000 },
    );
  });

  it('a double submission (Slack redelivery) produces one license and one notice', async () => {
    const view = await openForm('600');
    const values = form({ ticket: '600', user_count: '42' });
    const [a, b] = await Promise.all([t.submit(view, values), t.submit(view, values)]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    await t.fake.waitForUpload(() => true, 5000);
    await new Promise((r) => setTimeout(r, 300)); // a second license, if one were made, has had its moment
    await eventually(async () => {
      const records = await t.bot.services.store.requests.findByTicket(
        'https://gitlab.zendesk.com/agent/tickets/600',
        10,
      );
      expect(records).toHaveLength(1);
      expect(t.fake.uploads).toHaveLength(1);
      expect(licenseNotices(t, '600')).toHaveLength(1);
    });
  });

  it('a second request for the same ticket, email and user count asks before re-issuing', async () => {
    const first = await openForm('700');
    applySubmissionAck(t.fake, first, await t.submit(first, form({ ticket: '700' })));
    await t.fake.waitForUpload(() => true, 5000);
    const second = await openForm('700');
    const ack = applySubmissionAck(t.fake, second, await t.submit(second, form({ ticket: '700' })));
    expect(textOf(ack.view as JsonObject)).toContain('already requested');
    expect(
      await t.bot.services.store.requests.findByTicket('https://gitlab.zendesk.com/agent/tickets/700', 10),
    ).toHaveLength(1);
  });

  it('the same ticket with another user count still asks before a second license', async () => {
    const first = await openForm('710');
    applySubmissionAck(t.fake, first, await t.submit(first, form({ ticket: '710', user_count: '250' })));
    await t.fake.waitForUpload(() => true, 5000);
    const second = await openForm('710');
    const ack = applySubmissionAck(
      t.fake,
      second,
      await t.submit(second, form({ ticket: '710', user_count: '251', email: 'someone.else@customer.example' })),
    );
    expect(textOf(ack.view as JsonObject)).toContain('already requested');
    expect(textOf(ack.view as JsonObject)).toContain('250 users');
  });

  it('Retry on an old failed request is refused once the customer is outside the 3-day window', async () => {
    const store = t.bot.services.store;
    const created = await store.requests.createRequest(
      {
        ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/720',
        email: 'old@customer.example',
        userCount: 10,
        requestedBySlackId: 'U0ENGINEER',
        requestedByUsername: 'jdoe',
        licenseExpiresOn: daysAgo(25),
        scopeSummary: 'In scope: grace period ended 1 day ago',
        adapter: 'local',
        idempotencyKey: 'old-failed-720',
      },
      new Date(),
    );
    if (created.outcome !== 'created') throw new Error(`fixture not created: ${created.outcome}`);
    const { record } = created;
    await store.requests.updateRequest(record.id, { status: 'failed', failureReason: 'GitLab was down' }, new Date());
    const message = {
      ts: '1700000000.000100',
      blocks: [
        {
          type: 'actions',
          block_id: 'license_actions',
          elements: [
            {
              type: 'button',
              action_id: 'retry_license',
              value: record.id,
              text: { type: 'plain_text', text: 'Retry' },
            },
          ],
        },
      ],
    };
    const responseId = 'retry-720';
    await t.send(
      'interaction',
      messageBlockActions({
        message,
        channelId: LICENSING_CHANNEL,
        actionId: 'retry_license',
        responseUrl: t.fake.responseUrl(responseId),
        user: { id: 'U0ENGINEER', username: 'e', name: 'e', team_id: 'T0FAKETEAM' } as never,
      }),
    );
    const answer = await t.fake.waitForResponse(responseId);
    expect(String(answer.body.text)).toMatch(
      /Not retried: the grace period ended .* outside this workflow's window \(grace period ended within the last 3 days, UTC\)/,
    );
    expect((await store.requests.getRequest(record.id))?.status).toBe('failed');
  });

  it('refuses people outside the requester groups with an ephemeral explanation', async () => {
    const res = await t.command('/emergency-license', '1', 'U0OUTSIDER');
    expect(res.status).toBe(200);
    expect(res.json().response_type).toBe('ephemeral');
    expect(res.json().text).toMatch(/may request emergency licenses/);
    await t.fake.expectNoCall('views.open', 150);
  });

  it('when the file cannot be sent in Slack, the status modal shows the license itself', async () => {
    t.fake.fail('files.getUploadURLExternal', { error: 'not_allowed_token_type', times: 5 });
    const view = await openForm('900');
    applySubmissionAck(t.fake, view, await t.submit(view, form({ ticket: '900' })));
    const update = await t.fake.waitForCall(
      'views.update',
      (c) => textOf(c.args.view).includes('could not be sent'),
      5000,
    );
    expect(textOf(update.args.view)).toContain('BEGIN GITLAB LICENSE');
    const [record] = await t.bot.services.store.requests.findByTicket(
      'https://gitlab.zendesk.com/agent/tickets/900',
      1,
    );
    if (record.status !== 'generated') throw new Error(`expected generated, got ${record.status}`);
    // Not delivered yet, and retried (the durable delivery step), with Slack's answer kept.
    expect(record.delivery.status).toBe('pending');
    expect(record.delivery.error).toBe('not_allowed_token_type');
  });

  it('/license-status lists the requests for a ticket and for an email', async () => {
    const view = await openForm('800');
    applySubmissionAck(t.fake, view, await t.submit(view, form({ ticket: '800', email: 'it@acme.example' })));
    await t.fake.waitForUpload(() => true, 5000);
    await eventually(async () => {
      const byTicket = await t.command('/license-status', '800');
      expect(textOf(byTicket.json().blocks)).toContain('generated');
    });
    const byEmail = await t.command('/license-status', 'IT@acme.example');
    expect(byEmail.json().response_type).toBe('ephemeral');
    expect(textOf(byEmail.json().blocks)).toContain('Send me the license file');
  });
});
