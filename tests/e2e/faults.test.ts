/**
 * Fault injection end to end: the real bot against a fake Slack (and a fake GitLab) that fails in
 * the ways Slack does. Every test asserts what the engineer and the licensing channel see, and that
 * the store holds exactly one record per request.
 */
import { type BotUnderTest, LICENSING_CHANNEL, SIGNING_SECRET, startBotUnderTest } from '../../testkit/bot-under-test';
import { type JsonObject, type RecordedCall } from '../../testkit/fake-slack';
import { eventually } from '../../testkit/eventually';
import {
  appHomeOpened,
  blockActions,
  messageBlockActions,
  newTriggerId,
  slashCommand,
  textOf,
} from '../../testkit/payloads';
import { postEvent, postInteraction, postSlashCommand } from '../../testkit/signed-request';
import {
  acceptedChannelPosts,
  emergencyForm,
  parsedLogs,
  postCountsByTicket,
  postsForTicket,
  requestLicense,
  runCommand,
  sleep,
  starCheckVerdict,
  submitView,
  ticketUrl,
} from '../../testkit/bot-steps';
import { FakeGitLab } from '../licenses/support/fake-gitlab';

/** Small outbox timings so that a retry after a fault happens within a test. */
const FAST_OUTBOX = { OUTBOX_POLL_INTERVAL_MS: '100', OUTBOX_MIN_BACKOFF_MS: '100', OUTBOX_MAX_BACKOFF_MS: '800' };

const report = (line: string) => process.stdout.write(`[faults] ${line}\n`);

/** The store holds exactly one STAR decision for the ticket. */
async function expectOneDecision(t: BotUnderTest, ticket: number): Promise<void> {
  const decisions = await t.bot.services.store.decisions.listDecisions(new Date(Date.now() - 120_000));
  expect(decisions.filter((d) => d.ticketUrl === ticketUrl(ticket))).toHaveLength(1);
}

async function allDelivered(t: BotUnderTest, timeoutMs: number): Promise<void> {
  await eventually(async () => expect(await t.bot.services.store.outbox.backlog()).toBe(0), {
    timeoutMs,
    intervalMs: 50,
  });
}

describe('chat.postMessage answers HTTP 500 for ~3 s while verdicts and licenses are produced', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest(FAST_OUTBOX);
  });
  afterAll(async () => {
    await t.stop();
  });

  it('delivers every audit message exactly once and the backlog returns to 0', async () => {
    const verdictTickets = Array.from({ length: 20 }, (_, i) => 1001 + i);
    const licenseTickets = Array.from({ length: 5 }, (_, i) => 2001 + i);
    const outageMs = 3000;
    t.fake.fail('chat.postMessage', { status: 500, times: Infinity });
    const outageStart = performance.now();

    // 20 verdicts (4 engineers at a time) and 5 license requests, all while Slack answers 500.
    const verdicts: { ticket: number; viewId: string; verdict: JsonObject }[] = [];
    const producing = (async () => {
      for (let i = 0; i < verdictTickets.length; i += 4) {
        const batch = await Promise.all(
          verdictTickets.slice(i, i + 4).map(async (ticket) => ({ ticket, ...(await starCheckVerdict(t, ticket)) })),
        );
        verdicts.push(...batch);
      }
    })();
    const licenses = await Promise.all(
      licenseTickets.map((ticket, i) => requestLicense(t, ticket, { email: `it${i}@acme.example` })),
    );
    await producing;
    const producedMs = performance.now() - outageStart;

    // What the engineers saw did not depend on Slack accepting the audit post.
    for (const { verdict } of verdicts) expect(textOf(verdict)).toContain('Deflect with the docs');
    for (const { ack } of licenses) {
      expect(ack.kind).toBe('update');
      expect(textOf(ack.view as JsonObject)).toMatch(/Generating|License generated/);
    }
    expect(await t.bot.services.store.outbox.backlog()).toBeGreaterThan(0);

    // The outage lasts at least outageMs and until everything was produced: production slowed by a loaded
    // machine must not find Slack up again.
    await sleep(outageMs - (performance.now() - outageStart));
    t.fake.clearFaults();
    const outageEnd = performance.now();
    await allDelivered(t, 20_000);
    const drainedMs = performance.now() - outageEnd;
    await t.fake.waitForCalls('files.completeUploadExternal', 5, 10_000);

    const failed = t.fake.callsTo('chat.postMessage').filter((c) => c.status === 500).length;
    const counts = postCountsByTicket(t.fake, [...verdictTickets, ...licenseTickets]);
    const lost = Object.values(counts).filter((n) => n === 0).length;
    const duplicated = Object.values(counts).filter((n) => n > 1).length;
    report(
      `${verdicts.length} verdicts + ${licenses.length} licenses produced in ${Math.round(producedMs)} ms ` +
        `during ${outageMs} ms of HTTP 500 ` +
        (`(${failed} postMessage calls answered 500) → ${lost} lost, ${duplicated} duplicated; backlog 0 ` +
          `${Math.round(drainedMs)} ms after Slack recovered`),
    );
    expect(counts).toEqual(
      Object.fromEntries([...verdictTickets, ...licenseTickets].map((ticket) => [String(ticket), 1])),
    );
    expect(acceptedChannelPosts(t.fake)).toHaveLength(25);
    expect(failed).toBeGreaterThan(0);

    // Each license notice ends up showing the generated license (updated in place, never reposted).
    for (const ticket of licenseTickets) {
      const [post] = postsForTicket(t.fake, ticket);
      await eventually(
        () =>
          expect(textOf(t.fake.getMessage(LICENSING_CHANNEL, post.response.ts)?.blocks ?? [])).toContain('Generated'),
        { timeoutMs: 10_000 },
      );
    }

    // The store: one decision per verdict, one license request per ticket, every outbox entry delivered with its ts.
    const decisions = await t.bot.services.store.decisions.listDecisions(new Date(Date.now() - 120_000));
    for (const ticket of verdictTickets)
      expect(decisions.filter((d) => d.ticketUrl === ticketUrl(ticket))).toHaveLength(1);
    for (const ticket of licenseTickets) {
      const records = await t.bot.services.store.requests.findByTicket(ticketUrl(ticket), 10);
      expect(records.map((r) => r.status)).toEqual(['generated']);
    }
    for (const { viewId, ticket } of verdicts) {
      const entry = await t.bot.services.store.outbox.get(`star:${viewId}`);
      expect(entry?.ts).toBe(postsForTicket(t.fake, ticket)[0].response.ts);
      expect(entry?.deliveredVersion).toBe(entry?.version);
    }
    expect(t.fake.uploads.filter((u) => u.completed)).toHaveLength(5);
  }, 45_000);
});

describe('HTTP 429 with Retry-After on chat.postMessage', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest(FAST_OUTBOX);
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => t.fake.reset());

  it('posts the verdict only after waiting at least Retry-After, exactly once', async () => {
    t.fake.fail('chat.postMessage', { retryAfterSeconds: 2, times: 1 });
    const { verdict } = await starCheckVerdict(t, 3101);
    expect(textOf(verdict)).toContain('Deflect with the docs');
    await allDelivered(t, 10_000);
    const calls = t.fake.callsTo('chat.postMessage');
    const limited = calls.find((c) => c.status === 429) as RecordedCall;
    const accepted = postsForTicket(t.fake, 3101);
    expect(accepted).toHaveLength(1);
    const waitedMs = accepted[0].receivedAt - limited.receivedAt;
    report(`429 Retry-After: 2 → delivered ${Math.round(waitedMs)} ms after the 429, 1 post`);
    expect(waitedMs).toBeGreaterThanOrEqual(2000 - 20);
    await expectOneDecision(t, 3101);
  }, 15_000);

  it('keeps honouring Retry-After when Slack rate-limits more times than the client retries', async () => {
    t.fake.fail('chat.postMessage', { retryAfterSeconds: 1, times: 3 });
    await starCheckVerdict(t, 3102);
    await allDelivered(t, 10_000);
    const calls = t.fake.callsTo('chat.postMessage');
    const gaps = calls.slice(1).map((c, i) => Math.round(c.receivedAt - calls[i].receivedAt));
    report(
      `429 ×3 with Retry-After: 1 → ${calls.length} calls, gaps ${gaps.join('/')} ms, ` +
        `${postsForTicket(t.fake, 3102).length} post`,
    );
    expect(calls.filter((c) => c.status === 429)).toHaveLength(3);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1000 - 20);
    expect(postsForTicket(t.fake, 3102)).toHaveLength(1);
    await expectOneDecision(t, 3102);
  }, 15_000);

  it('a 429 on chat.postMessage does not hold up other engineers: their /star-check is acked and the modal opens', async () => {
    // Slack rate limits per method: a 429 on chat.postMessage says nothing about views.open.
    t.fake.fail('chat.postMessage', { retryAfterSeconds: 3, times: 1 });
    const first = starCheckVerdict(t, 3103);
    const limited = await t.fake.waitForCall('chat.postMessage', (c) => c.status === 429, 5000);
    const triggerId = newTriggerId();
    const res = await postSlashCommand(
      t.baseUrl,
      SIGNING_SECRET,
      slashCommand({
        command: '/star-check',
        text: '3104',
        userId: 'U0OTHER01',
        responseUrl: t.fake.responseUrl('other'),
        triggerId,
      }),
    );
    const answeredAt = performance.now();
    const open = await t.fake
      .waitForCall('views.open', (c) => c.args.trigger_id === triggerId, 10_000)
      .catch(() => undefined);
    const delayMs = open ? Math.round(open.receivedAt - limited.receivedAt) : undefined;
    report(
      `/star-check during a 3 s Retry-After on chat.postMessage: command answered HTTP ${res.status} after ` +
        `${Math.round(res.elapsedMs)} ms; ` +
        (`views.open ` +
          `${
            open
              ? `reached Slack ${delayMs} ms after the 429 (` + `${open.response.ok ? 'opened' : open.response.error})`
              : 'never called'
          }` +
          `; `) +
        `auth.test calls so far: ${t.fake.callCount('auth.test')}`,
    );
    await first;
    await allDelivered(t, 10_000);
    const [delivered] = postsForTicket(t.fake, 3103);
    expect(res.status).toBe(200);
    expect(open?.response.ok).toBe(true);
    // Both while chat.postMessage was still rate-limited (before its retry, 3 s after the 429): an
    // order of events, which a loaded machine does not flip as it would a bound in ms.
    expect(answeredAt).toBeLessThan(delivered.receivedAt);
    expect(open!.receivedAt).toBeLessThan(delivered.receivedAt);
  }, 20_000);
});

describe('what every incoming request costs', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('no Web API call (auth.test) stands between a request and its ack', async () => {
    // The token was verified once at start; re-verifying it per request adds a Slack round trip before
    // every ack and stalls every ack whenever the shared client is paused by a rate limit.
    t.fake.reset();
    for (let i = 0; i < 5; i += 1) await runCommand(t, '/star-check', String(3200 + i));
    report(`5 slash commands → ${t.fake.callCount('auth.test')} auth.test calls`);
    expect(t.fake.callCount('auth.test')).toBe(0);
  });
});

describe('chat.postMessage slower than SLACK_API_TIMEOUT_MS', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    // Short, yet long enough for the calls the verdict itself makes (views.open...) on a loaded machine.
    t = await startBotUnderTest({ ...FAST_OUTBOX, SLACK_API_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => t.fake.reset());

  async function slowThenFast(ticket: number) {
    t.fake.fail('chat.postMessage', { delayMs: 3000, times: 3 });
    const { viewId } = await starCheckVerdict(t, ticket);
    await allDelivered(t, 15_000);
    const calls = t.fake.callsTo('chat.postMessage');
    const slow = calls.filter((c) => c.fault?.delayMs);
    const fast = calls.filter((c) => !c.fault);
    const entry = await t.bot.services.store.outbox.get(`star:${viewId}`);
    return { calls, slow, fast, entry };
  }

  it('waits for a slow audit post instead of abandoning it: the channel shows the verdict once', async () => {
    // Slack posts a message as soon as it gets chat.postMessage; a client-side timeout would not
    // undo it, and re-posting would duplicate it. Audit posts therefore get a generous timeout of
    // their own, apart from SLACK_API_TIMEOUT_MS, which keeps the calls users wait on short.
    const { calls, slow, entry } = await slowThenFast(4101);
    report(
      `postMessage delayed 3000 ms with SLACK_API_TIMEOUT_MS 1000 → ${calls.length} call(s); the channel shows ` +
        `${postsForTicket(t.fake, 4101).length} copy`,
    );
    expect(slow).toHaveLength(1);
    expect(calls).toHaveLength(1);
    expect(postsForTicket(t.fake, 4101)).toHaveLength(1);
    expect(entry?.ts).toBe(slow[0].response.ts);
    expect(entry?.deliveredVersion).toBe(entry?.version);
    await expectOneDecision(t, 4101);
    t.fake.clearFaults();
  }, 15_000);
});

describe('channel_not_found / not_in_channel on chat.postMessage', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest({
      OUTBOX_POLL_INTERVAL_MS: '50',
      OUTBOX_MIN_BACKOFF_MS: '200',
      OUTBOX_MAX_BACKOFF_MS: '2000',
    });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('retries with backoff, logs each failure, delivers once the fault clears; the verdict modal is unaffected', async () => {
    t.fake.fail('chat.postMessage', { error: 'channel_not_found', times: 1 });
    t.fake.fail('chat.postMessage', { error: 'not_in_channel', times: 1 });
    const { verdict, viewId } = await starCheckVerdict(t, 5101);
    expect(verdict.callback_id).toBe('star_check_verdict');
    expect(textOf(verdict)).toContain('Deflect with the docs');
    await allDelivered(t, 10_000);

    const calls = t.fake.callsTo('chat.postMessage');
    expect(calls.map((c) => (c.response.ok ? 'ok' : c.response.error))).toEqual([
      'channel_not_found',
      'not_in_channel',
      'ok',
    ]);
    const gaps = calls.slice(1).map((c, i) => c.receivedAt - calls[i].receivedAt);
    report(
      `channel_not_found, not_in_channel, ok → retry gaps ${gaps.map(Math.round).join('/')} ms (min backoff 200 ` +
        `ms, doubling)`,
    );
    expect(gaps[0]).toBeGreaterThanOrEqual(200 - 20);
    expect(gaps[1]).toBeGreaterThanOrEqual(400 - 20);
    expect(postsForTicket(t.fake, 5101)).toHaveLength(1);
    await expectOneDecision(t, 5101);

    const warnings = parsedLogs(t.logs).filter(
      (l) => l.key === `star:${viewId}` && l.msg === 'audit message not delivered yet; will retry',
    );
    expect(warnings.map((w) => w.error)).toEqual(['channel_not_found', 'not_in_channel']);
  }, 15_000);
});

describe('expired_trigger_id on views.open', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest();
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => t.fake.reset());

  it.each(['/star-check', '/emergency-license'])(
    '%s: the engineer is told through response_url to run the command again',
    async (command) => {
      t.fake.fail('views.open', { error: 'expired_trigger_id' });
      const opened = await runCommand(t, command, '123456');
      expect(opened.res.status).toBe(200);
      expect(opened.view).toBeUndefined();
      const response = await t.fake.waitForResponse(opened.responseId, () => true, 10_000);
      expect(response.body.response_type).toBe('ephemeral');
      expect(response.body.text).toMatch(/run the command again/i);
      expect(t.fake.callsTo('views.open')).toHaveLength(1);
      expect(await t.bot.services.store.requests.findByTicket(ticketUrl(123456), 10)).toHaveLength(0);
    },
  );
});

describe('100 deliveries of the same emergency license submission', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('produce 1 license, 1 upload and 1 notice', async () => {
    const opened = await runCommand(t, '/emergency-license', '6101');
    const view = opened.view as JsonObject;
    const values = emergencyForm({ ticket: '6101', user_count: '77' });
    const statuses: number[] = [];
    const started = performance.now();
    for (let batch = 0; batch < 5; batch += 1) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => submitView(t, view, values)));
      statuses.push(...answers.map((a) => a.status));
    }
    const elapsed = performance.now() - started;
    expect(statuses).toEqual(Array(100).fill(200));
    await t.fake.waitForUpload(() => true, 5000);
    await allDelivered(t, 10_000);
    await sleep(300);
    const records = await t.bot.services.store.requests.findByTicket(ticketUrl(6101), 10);
    report(
      `100 submissions of view ${view.id} in 5 batches of 20 (${Math.round(elapsed)} ms) → ${records.length} ` +
        `record, ${t.fake.uploads.length} upload, ${postsForTicket(t.fake, 6101).length} notice`,
    );
    expect(records).toHaveLength(1);
    expect(records[0].status).toBe('generated');
    expect(t.fake.uploads).toHaveLength(1);
    expect(postsForTicket(t.fake, 6101)).toHaveLength(1);
  }, 20_000);
});

describe('gitlab-issue adapter against a fake GitLab (Mechanizer)', () => {
  let t: BotUnderTest;
  let gitlab: FakeGitLab;
  beforeAll(async () => {
    gitlab = new FakeGitLab();
    await gitlab.start();
    t = await startBotUnderTest({
      ...FAST_OUTBOX,
      ...gitlab.botEnv(),
      // The shortest timeout the configuration accepts (a positive whole number of minutes).
      GITLAB_TIMEOUT_MINUTES: '1',
    });
  });
  afterAll(async () => {
    await t.stop();
    await gitlab.stop();
  });
  beforeEach(() => t.fake.reset());

  const issuesCreated = () => gitlab.requestsTo({ method: 'POST', path: /\/issues$/ });

  async function finalNotice(
    ticket: number,
    status: RegExp,
    timeoutMs = 6000,
  ): Promise<{ post: RecordedCall; shown: JsonObject }> {
    return eventually(
      () => {
        const posts = postsForTicket(t.fake, ticket);
        expect(posts).toHaveLength(1);
        const shown = t.fake.getMessage(LICENSING_CHANNEL, posts[0].response.ts) as JsonObject;
        expect(textOf(shown.blocks)).toMatch(status);
        return { post: posts[0], shown };
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  it('issue closed with [Success] → the notice is updated to generated and the engineer is told where the license is', async () => {
    gitlab.scriptNextIssue(
      FakeGitLab.mechanizerSuccess({ email: 'admin@customer.example', userCount: 250, afterPolls: 2 }),
    );
    const { ack } = await requestLicense(t, 7101);
    expect(ack.kind).toBe('update');
    const { shown } = await finalNotice(7101, /Generated/);
    expect(
      issuesCreated().filter((r) => String((r.body as { description?: string }).description).includes('tickets/7101')),
    ).toHaveLength(1);
    const issue = [...gitlab.issues.values()].find((i) => i.description.includes('tickets/7101')) as {
      web_url: string;
    };
    expect(textOf(shown.blocks)).toContain(issue.web_url);
    expect(t.fake.callsTo('chat.update').every((c) => c.args.ts === shown.ts)).toBe(true);
    const dm = await t.fake.waitForCall('chat.postMessage', (c) => String(c.args.channel).startsWith('D'), 10_000);
    expect(dm.args.text).toContain(issue.web_url);
    const records = await t.bot.services.store.requests.findByTicket(ticketUrl(7101), 10);
    expect(records.map((r) => [r.status, r.status === 'refused' ? undefined : r.issueUrl])).toEqual([
      ['generated', issue.web_url],
    ]);
  }, 15_000);

  it('issue closed with [Failure] → notice failed with the reason and a Retry button; two Retry clicks → one new attempt', async () => {
    const issuesBefore = issuesCreated().length;
    gitlab.scriptNextIssue(
      FakeGitLab.mechanizerFailure({ reason: 'CustomersDot rejected the email address', afterPolls: 1 }),
    );
    await requestLicense(t, 7201, { email: 'ops@retry.example', user_count: '30' });
    const { post, shown } = await finalNotice(7201, /Failed/);
    expect(textOf(shown.blocks)).toContain('CustomersDot rejected the email address');
    const retryButton = (shown.blocks as JsonObject[])
      .flatMap((b) => (b.type === 'actions' ? b.elements : []))
      .find((e: JsonObject) => e.action_id === 'retry_license');
    expect(retryButton?.text.text).toBe('Retry');
    const [record] = await t.bot.services.store.requests.findByTicket(ticketUrl(7201), 10);
    expect(record.status).toBe('failed');
    expect(issuesCreated()).toHaveLength(issuesBefore + 1);

    // Mechanizer succeeds on the next issue; two people click Retry at the same moment.
    gitlab.scriptNextIssue(FakeGitLab.mechanizerSuccess({ email: 'ops@retry.example', userCount: 30, afterPolls: 1 }));
    const click = (id: string) =>
      postInteraction(
        t.baseUrl,
        SIGNING_SECRET,
        messageBlockActions({
          message: shown,
          channelId: LICENSING_CHANNEL,
          actionId: 'retry_license',
          responseUrl: t.fake.responseUrl(id),
        }),
      );
    const [a, b] = await Promise.all([click('retry-a'), click('retry-b')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const answers = await Promise.all([
      t.fake.waitForResponse('retry-a', () => true, 6000),
      t.fake.waitForResponse('retry-b', () => true, 6000),
    ]);
    const texts = answers.map((r) => String(r.body.text)).sort();
    report(
      `two Retry clicks → GitLab issues created for the request: ${issuesCreated().length - issuesBefore}; ` +
        `answers: ${JSON.stringify(texts)}`,
    );
    // Exactly one click started something, and what it started is a new Mechanizer attempt (a new issue).
    expect(texts.filter((x) => /not failed any more/.test(x))).toHaveLength(1);
    expect(issuesCreated()).toHaveLength(issuesBefore + 2);
    expect(texts.filter((x) => /Retry finished: the request is now \*generated\*/.test(x))).toHaveLength(1);
    const { shown: after } = await finalNotice(7201, /Generated/);
    expect(after.ts).toBe(post.response.ts);
    expect(textOf(after.blocks)).toContain('(retry 1)');
    const records = await t.bot.services.store.requests.findByTicket(ticketUrl(7201), 10);
    expect(records.map((r) => [r.status, r.attempts])).toEqual([['generated', 1]]);
  }, 15_000);
});

describe('a listener error', () => {
  let t: BotUnderTest;
  beforeAll(async () => {
    t = await startBotUnderTest();
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => t.fake.reset());

  const referencesLogged = () =>
    parsedLogs(t.logs)
      .filter((l) => l.msg === 'listener failed')
      .map((l) => String(l.reference));
  const told = (calls: RecordedCall[], reference: string) =>
    calls.filter((c) => String(c.args.text).includes(reference));

  it('block action: views.update fails → the engineer gets a message with a reference ID that is in the log', async () => {
    const opened = await runCommand(t, '/star-check', '8101');
    t.fake.fail('views.update', { error: 'internal_error' });
    const before = referencesLogged().length;
    const res = await postInteraction(
      t.baseUrl,
      SIGNING_SECRET,
      blockActions({ view: opened.view as JsonObject, actionId: 'star_q_kind', value: 'plan_license' }),
    );
    expect(res.status).toBe(200);
    const reference = await eventually(() => {
      const refs = referencesLogged().slice(before);
      expect(refs).toHaveLength(1);
      return refs[0];
    });
    expect(reference).toMatch(/^[0-9A-F]{8}$/);
    const message = await t.fake.waitForCall('chat.postMessage', (c) => String(c.args.text).includes(reference));
    expect(message.args.channel).toBe('U0ENGINEER');
    expect(message.args.text).toMatch(/something went wrong/i);
  });

  it('app_home_opened: views.publish answers HTTP 500 → the engineer gets a message with the reference ID that is in the log', async () => {
    t.fake.fail('views.publish', { status: 500, times: 3 });
    const before = referencesLogged().length;
    const res = await postEvent(t.baseUrl, SIGNING_SECRET, appHomeOpened({ user: 'U0HOMEUSER' }));
    expect(res.status).toBe(200);
    const reference = await eventually(
      () => {
        const refs = referencesLogged().slice(before);
        expect(refs).toHaveLength(1);
        return refs[0];
      },
      { timeoutMs: 10_000 },
    );
    const tellings = () =>
      told([...t.fake.callsTo('chat.postMessage'), ...t.fake.callsTo('chat.postEphemeral')], reference);
    await eventually(() => expect(tellings().length).toBeGreaterThan(0));
    await sleep(300); // a second message, if one were sent, has had its moment
    const messages = tellings();
    report(
      `app_home_opened with views.publish failing: reference ${reference} logged, ${messages.length} message(s) ` +
        `to the user`,
    );
    expect(messages).toHaveLength(1);
    expect(messages[0].args.channel === 'U0HOMEUSER' || messages[0].args.user === 'U0HOMEUSER').toBe(true);
  }, 20_000);
});
