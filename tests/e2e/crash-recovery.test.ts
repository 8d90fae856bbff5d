/**
 * The bot as a child process, killed the way an orchestrator kills it: SIGKILL in the middle of a
 * license request (then restarted on the same DATA_DIR), and SIGTERM for a graceful stop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store';
import { FakeGitLab } from '../licenses/support/fake-gitlab';
import { type BotUnderTest, signedSender } from '../../testkit/bot-under-test';
import { LICENSING_CHANNEL, SIGNING_SECRET } from '../../testkit/bot-under-test';
import { type ChildBot, childEnv, childLogs, killAllChildBots, spawnBot } from '../../testkit/child-bot';
import { encodeInteraction, FORM_CONTENT_TYPE, postSigned } from '../../testkit/signed-request';
import { eventually } from '../../testkit/eventually';
import { FakeSlack, type JsonObject } from '../../testkit/fake-slack';
import { textOf } from '../../testkit/payloads';
import {
  freePort,
  postsForTicket,
  requestLicense,
  sendMeTheLicenseClick,
  sleep,
  starCheckVerdict,
  ticketUrl,
} from '../../testkit/bot-steps';
import { DEFAULT_USER } from '../../testkit/constants';

const report = (line: string) => process.stdout.write(`[crash-recovery] ${line}\n`);

/** Reads the bot's database from the test process (WAL: safe next to the running bot). */
function withStore<T>(dataDir: string, read: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore(dataDir);
  return read(store).finally(() => store.close());
}

describe('the bot as a child process', () => {
  let fake: FakeSlack;
  let gitlab: FakeGitLab;
  const dataDirs: string[] = [];

  beforeAll(async () => {
    fake = new FakeSlack({ logErrors: false });
    await fake.start();
    gitlab = new FakeGitLab();
    await gitlab.start();
  });
  afterEach(async () => {
    await killAllChildBots();
  });
  afterAll(async () => {
    await killAllChildBots();
    await fake.stop();
    await gitlab.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => fake.reset());

  const newDataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'lr-bot-crash-'));
    dataDirs.push(dir);
    return dir;
  };

  async function start(
    dataDir: string,
    extra: Record<string, string> = {},
    preload: string[] = [],
  ): Promise<{ bot: ChildBot; t: BotUnderTest }> {
    const port = await freePort();
    const bot = await spawnBot(
      childEnv(
        { apiUrl: fake.apiUrl, port, dataDir },
        {
          ...gitlab.botEnv(),
          OUTBOX_POLL_INTERVAL_MS: '100',
          OUTBOX_MIN_BACKOFF_MS: '100',
          OUTBOX_MAX_BACKOFF_MS: '1000',
          SHUTDOWN_TIMEOUT_MS: '3000',
          ...extra,
        },
      ),
      20_000,
      preload,
    );
    // The e2e helpers only need the app's base URL and the fake Slack.
    return { bot, t: { baseUrl: bot.baseUrl, fake, send: signedSender(bot.baseUrl) } as unknown as BotUnderTest };
  }

  const issuesFor = (ticket: number) =>
    gitlab
      .requestsTo({ method: 'POST', path: /\/issues$/ })
      .filter((r) => String((r.body as { description?: string }).description).includes(`/tickets/${ticket}\n`));

  it(
    'SIGKILL while the GitLab issue is open → restart resumes it: notice updated in place, no second issue, ' +
      'one record',
    async () => {
      const dataDir = newDataDir();
      const ticket = 9501;
      const first = await start(dataDir);
      const { ack } = await requestLicense(first.t, ticket);
      expect(ack.kind).toBe('update');
      expect(textOf(ack.view as JsonObject)).toMatch(/Generating|Request sent/);

      // Pending: the issue exists and the notice in the channel links it.
      const notice = await eventually(
        () => {
          const posts = postsForTicket(fake, ticket);
          expect(posts).toHaveLength(1);
          const shown = fake.getMessage(LICENSING_CHANNEL, posts[0].response.ts) as JsonObject;
          expect(textOf(shown.blocks)).toMatch(/Pending[\s\S]*\/-\/issues\/\d+/);
          return shown;
        },
        { timeoutMs: 8000, intervalMs: 50 },
      );
      expect(issuesFor(ticket)).toHaveLength(1);
      const issue = [...gitlab.issues.values()].find((i) => i.description.includes(`/tickets/${ticket}\n`));
      if (!issue) throw new Error('no GitLab issue for the request');
      expect(issue.state).toBe('opened');

      const killed = await first.bot.kill('SIGKILL');
      expect(killed.signal).toBe('SIGKILL');
      const afterKill = await withStore(dataDir, (store) => store.requests.findByTicket(ticketUrl(ticket), 10));
      expect(afterKill.map((r) => [r.status, r.status === 'refused' ? undefined : r.issueUrl])).toEqual([
        ['pending', issue.web_url],
      ]);

      // Mechanizer finishes while the bot is down.
      gitlab.updateIssue(issue.iid, {
        note: `Created a license under admin@customer.example for 250 users.`,
        titlePrefix: '[Success] ',
        state: 'closed',
      });
      const updatesBefore = fake.callsTo('chat.update').length;
      const restartedAt = performance.now();
      const second = await start(dataDir);
      const ready = childLogs(second.bot).find((l) => l.msg === 'L&R on-call bot ready');
      expect(ready?.resumed).toBe(1);

      const shown = await eventually(
        () => {
          const current = fake.getMessage(LICENSING_CHANNEL, notice.ts) as JsonObject;
          expect(textOf(current.blocks)).toContain('Generated');
          return current;
        },
        { timeoutMs: 8000, intervalMs: 50 },
      );
      report(
        `restart → notice ${notice.ts} updated to Generated ${Math.round(performance.now() - restartedAt)} ms ` +
          `after the restart began (incl. process start)`,
      );
      expect(textOf(shown.blocks)).toContain(issue.web_url);
      const updates = fake.callsTo('chat.update').slice(updatesBefore);
      expect(updates.length).toBeGreaterThan(0);
      expect(updates.every((c) => c.args.ts === notice.ts && c.args.channel === LICENSING_CHANNEL)).toBe(true);
      expect(postsForTicket(fake, ticket)).toHaveLength(1);
      expect(issuesFor(ticket)).toHaveLength(1);
      const dm = await fake.waitForCall(
        'chat.postMessage',
        (c) => String(c.args.channel).startsWith('D') && String(c.args.text).includes(issue.web_url),
        5000,
      );
      expect(dm.args.text).toContain(ticketUrl(ticket));

      const stopped = await second.bot.kill('SIGTERM');
      expect(stopped.code).toBe(0);
      const records = await withStore(dataDir, (store) => store.requests.findByTicket(ticketUrl(ticket), 10));
      expect(records.map((r) => [r.status, r.status === 'refused' ? undefined : r.issueUrl])).toEqual([
        ['generated', issue.web_url],
      ]);
    },
    40_000,
  );

  it(
    'SIGKILL between generating the license and handing it over → the restart delivers it exactly once; until ' +
      'then the notice says "not delivered yet"',
    async () => {
      const dataDir = newDataDir();
      const ticket = 9551;
      const first = await start(dataDir, { LICENSE_ADAPTER: 'local' });
      // The DM channel takes 5 s to open: the license is generated and stored, the hand-over is not done.
      fake.fail('conversations.open', { delayMs: 5000, times: 1 });
      const { ack } = await requestLicense(first.t, ticket);
      expect(ack.kind).toBe('update');
      await fake.waitForCall('conversations.open', () => true, 5000);
      await eventually(
        () => {
          const [post] = postsForTicket(fake, ticket);
          const shown = fake.getMessage(LICENSING_CHANNEL, post.response.ts) as JsonObject;
          expect(textOf(shown.blocks)).toMatch(/Generated, not delivered yet/);
        },
        { timeoutMs: 5000, intervalMs: 25 },
      );
      const stored = await withStore(dataDir, (store) => store.requests.findByTicket(ticketUrl(ticket), 10));
      expect(stored.map((r) => [r.status, r.status === 'generated' ? r.delivery.status : undefined])).toEqual([
        ['generated', 'pending'],
      ]);
      await first.bot.kill('SIGKILL');

      const uploadsFor = () =>
        fake
          .callsTo('files.completeUploadExternal')
          .filter((c) => String(c.args.initial_comment ?? '').includes(ticketUrl(ticket)));
      expect(uploadsFor()).toHaveLength(0);
      const restartedAt = performance.now();
      const second = await start(dataDir, { LICENSE_ADAPTER: 'local' });
      await eventually(() => expect(uploadsFor()).toHaveLength(1), { timeoutMs: 8000, intervalMs: 25 });
      const deliveredMs = Math.round(performance.now() - restartedAt);
      await eventually(
        () => {
          const [post] = postsForTicket(fake, ticket);
          const shown = fake.getMessage(LICENSING_CHANNEL, post.response.ts) as JsonObject;
          expect(textOf(shown.blocks)).toMatch(/Delivered to/);
        },
        { timeoutMs: 5000, intervalMs: 25 },
      );
      // Nothing more arrives later (poll interval 100 ms here).
      await sleep(700);
      expect(uploadsFor()).toHaveLength(1);
      await second.bot.kill('SIGTERM');
      const records = await withStore(dataDir, (store) => store.requests.findByTicket(ticketUrl(ticket), 10));
      expect(records.map((r) => [r.status, r.status === 'generated' ? r.delivery.status : undefined])).toEqual([
        ['generated', 'delivered'],
      ]);
      report(
        `kill between generation and delivery → restart delivered the license ${uploadsFor().length} time(s), ` +
          `${deliveredMs} ms after the restart began (incl. process start)`,
      );
    },
    40_000,
  );

  it(
    'SIGKILL while Slack completes the license upload (the DM is there, its answer is not) → the restart sends ' +
      'one more copy, and it says it replaces the first',
    async () => {
      const dataDir = newDataDir();
      const ticket = 9571;
      const uploadsFor = () =>
        fake
          .callsTo('files.completeUploadExternal')
          .filter((c) => String(c.args.initial_comment ?? '').includes(ticketUrl(ticket)));
      const first = await start(dataDir, { LICENSE_ADAPTER: 'local' });
      // Slack shares the file in the DM at once but answers after 5 s: the bot is killed meanwhile.
      fake.fail('files.completeUploadExternal', { delayMs: 5000, times: 1 });
      await requestLicense(first.t, ticket);
      await eventually(() => expect(uploadsFor()).toHaveLength(1), { timeoutMs: 8000, intervalMs: 10 });
      await first.bot.kill('SIGKILL');

      const second = await start(dataDir, { LICENSE_ADAPTER: 'local' });
      await eventually(() => expect(uploadsFor()).toHaveLength(2), { timeoutMs: 8000, intervalMs: 25 });
      // Nothing more arrives later (poll interval 100 ms here).
      await sleep(1000);
      const copies = uploadsFor();
      expect(copies).toHaveLength(2);
      expect(String(copies[0].args.initial_comment)).not.toMatch(/replaces an earlier one/);
      expect(String(copies[1].args.initial_comment)).toMatch(/This copy replaces an earlier one/);
      const records = await withStore(dataDir, (store) => store.requests.findByTicket(ticketUrl(ticket), 10));
      expect(records.map((r) => [r.status, r.status === 'generated' ? r.delivery.status : undefined])).toEqual([
        ['generated', 'delivered'],
      ]);
      expect(second.bot.proc.exitCode).toBeNull();
      report(
        `kill during the upload → 1 attempt killed, 1 restart; licenses 1 (records ${records.length}), notices ` +
          `${postsForTicket(fake, ticket).length}, DMs ` +
          `${copies.length} (the second marked as replacing the first), process alive ` +
          `${second.bot.proc.exitCode === null}`,
      );
      await second.bot.kill('SIGTERM');
    },
    40_000,
  );

  it(
    'SIGKILL while Slack completes the upload of a "Send me the license" copy → the restart sends one more ' +
      'copy, marked as replacing the first; the first delivery is untouched',
    async () => {
      const dataDir = newDataDir();
      const ticket = 9581;
      const asker = 'U0COPYASKER';
      const dmsTo = (user: string) =>
        fake
          .callsTo('files.completeUploadExternal')
          .filter(
            (c) =>
              c.args.channel_id === fake.dmChannelFor(user) &&
              String(c.args.initial_comment ?? '').includes(ticketUrl(ticket)),
          );
      const first = await start(dataDir, { LICENSE_ADAPTER: 'local' });
      await requestLicense(first.t, ticket);
      const [record] = await eventually(
        async () => {
          const found = await withStore(dataDir, (store) => store.requests.findByTicket(ticketUrl(ticket), 10));
          expect(found.map((r) => (r.status === 'generated' ? r.delivery.status : r.status))).toEqual(['delivered']);
          return found;
        },
        { timeoutMs: 8000, intervalMs: 50 },
      );
      // Slack shares the copy in the DM at once but answers after 5 s: the bot is killed meanwhile.
      fake.fail('files.completeUploadExternal', { delayMs: 5000, times: 1 });
      await postSigned(
        first.bot.baseUrl,
        SIGNING_SECRET,
        encodeInteraction(sendMeTheLicenseClick(fake, record.id, asker, 'kill-copy')),
        FORM_CONTENT_TYPE,
      );
      expect(String((await fake.waitForResponse('kill-copy', () => true, 5000)).body.text)).toMatch(/on its way/);
      await eventually(() => expect(dmsTo(asker)).toHaveLength(1), { timeoutMs: 8000, intervalMs: 10 });
      await first.bot.kill('SIGKILL');

      const second = await start(dataDir, { LICENSE_ADAPTER: 'local' });
      await eventually(() => expect(dmsTo(asker)).toHaveLength(2), { timeoutMs: 8000, intervalMs: 25 });
      // Nothing more arrives later (poll interval 100 ms here).
      await sleep(1000);
      const copies = dmsTo(asker);
      expect(copies).toHaveLength(2);
      expect(String(copies[0].args.initial_comment)).not.toMatch(/replaces an earlier one/);
      expect(String(copies[1].args.initial_comment)).toMatch(/This copy replaces an earlier one/);
      expect(dmsTo(DEFAULT_USER.id)).toHaveLength(1);
      const threadLines = await eventually(
        () => {
          const lines = fake
            .callsTo('chat.postMessage')
            .filter((c) => /copy of this license was sent/.test(String(c.args.text)) && c.response.ok === true);
          expect(lines).toHaveLength(1);
          return lines;
        },
        { timeoutMs: 5000, intervalMs: 25 },
      );
      expect(String(threadLines[0].args.text)).toContain(asker);
      expect(second.bot.proc.exitCode).toBeNull();
      report(
        `kill during a copy's upload → 1 click, 1 restart; copies ${copies.length} (the second marked as ` +
          `replacing the first), first deliveries ${dmsTo(DEFAULT_USER.id).length}, thread lines ` +
          `${threadLines.length}, process alive ${second.bot.proc.exitCode === null}`,
      );
      await second.bot.kill('SIGTERM');
    },
    40_000,
  );

  it(
    'SIGKILL between giving up a hand-over and queuing its thread line → the restart posts the line once, and ' +
      'the next start does not post it again',
    async () => {
      const dataDir = newDataDir();
      const ticket = 9591;
      // 12 attempts within about two seconds.
      const fast = { LICENSE_ADAPTER: 'local', OUTBOX_POLL_INTERVAL_MS: '50', OUTBOX_MIN_BACKOFF_MS: '50' };
      const env = { ...fast, OUTBOX_MAX_BACKOFF_MS: '200' };
      const first = await start(dataDir, { ...env, KILL_BEFORE_QUEUING: ':given-up$' }, [
        './tests/e2e/support/sigkill-before-queuing.js',
      ]);
      fake.fail('conversations.open', { error: 'internal_error', times: Infinity });
      await requestLicense(first.t, ticket);
      const died = await first.bot.exited;
      expect(died.signal).toBe('SIGKILL');
      fake.clearFaults();
      const [record] = await withStore(dataDir, (store) => store.requests.findByTicket(ticketUrl(ticket), 10));
      expect(record.status === 'generated' ? record.delivery : undefined).toMatchObject({
        status: 'failed',
        attempts: 12,
      });
      expect(await withStore(dataDir, (store) => store.outbox.get(`license:${record.id}:given-up`))).toBeUndefined();

      const notice = () => postsForTicket(fake, ticket).find((c) => !c.args.thread_ts)!;
      const givenUpLines = () =>
        fake
          .callsTo('chat.postMessage')
          .filter((c) => c.response.ok === true && c.args.thread_ts === notice().response.ts)
          .filter((c) => /\*Not delivered\* to <@[A-Z0-9]+>: gave up after 12 attempts/.test(String(c.args.text)));
      const second = await start(dataDir, env);
      const [line] = await eventually(
        () => {
          expect(givenUpLines()).toHaveLength(1);
          return givenUpLines();
        },
        { timeoutMs: 8000, intervalMs: 25 },
      );
      expect(String(line.args.text)).toContain(`<@${DEFAULT_USER.id}>`);
      await second.bot.kill('SIGTERM');

      // The next start's repair finds the line and the notice as they should be: nothing is sent.
      const callsBefore = fake.callsTo('chat.postMessage').length + fake.callsTo('chat.update').length;
      const third = await start(dataDir, env);
      await sleep(700); // its repair pass runs at start
      expect(fake.callsTo('chat.postMessage').length + fake.callsTo('chat.update').length).toBe(callsBefore);
      expect(givenUpLines()).toHaveLength(1);
      report(
        `kill between the give-up and its thread line → restart posted ${givenUpLines().length} line; a later ` +
          `start sent nothing more`,
      );
      await third.bot.kill('SIGTERM');
    },
    40_000,
  );

  it(
    'SIGKILL after Slack recorded an audit post but before the bot saw the answer → the second copy says it ' +
      'supersedes the first and names the same outbox key',
    async () => {
      const dataDir = newDataDir();
      const ticket = 9561;
      const first = await start(dataDir, { LICENSE_ADAPTER: 'local' });
      // Slack stores the post at once but answers after 5 s.
      fake.fail('chat.postMessage', { delayMs: 5000, times: 1 });
      await starCheckVerdict(first.t, ticket);
      const stuck = await fake.waitForCall('chat.postMessage', (c) => c.args.channel === LICENSING_CHANNEL, 5000);
      await first.bot.kill('SIGKILL');
      await start(dataDir, { LICENSE_ADAPTER: 'local' });
      const copies = await eventually(
        () => {
          const posts = postsForTicket(fake, ticket);
          expect(posts).toHaveLength(2);
          return posts;
        },
        { timeoutMs: 8000, intervalMs: 25 },
      );
      expect(copies[0].response.ts).toBe(stuck.response.ts);
      const second = copies[1];
      expect((second.args.blocks as JsonObject[]).some((b) => b.block_id === 'supersedes')).toBe(true);
      expect(textOf(second.args.blocks)).toMatch(/replaces it and is the one kept up to date/);
      expect(second.args.metadata?.event_payload?.key).toMatch(/^star:/);
      expect(second.args.metadata?.event_payload?.key).toBe(stuck.args.metadata?.event_payload?.key);
      report(
        `crash after Slack recorded the audit post → ${copies.length} copies (at-least-once window, no history ` +
          `scope), the second marked as superseding the first`,
      );
    },
    40_000,
  );

  it(
    'a signed payload=null / JSON null does not end the process: 400, logged, /healthz answers; an unhandled ' +
      'rejection is logged with a reference and the bot keeps serving',
    async () => {
      const dataDir = newDataDir();
      const { bot } = await start(dataDir, { LICENSE_ADAPTER: 'local' }, ['./tests/e2e/support/reject-on-sigusr2.js']);
      const formNull = await postSigned(
        bot.baseUrl,
        SIGNING_SECRET,
        'payload=null',
        'application/x-www-form-urlencoded',
      );
      const jsonNull = await postSigned(bot.baseUrl, SIGNING_SECRET, 'null', 'application/json');
      expect([formNull.status, jsonNull.status]).toEqual([400, 400]);
      await bot.waitForLine(/not a JSON object/, 10_000);
      bot.proc.kill('SIGUSR2');
      const logged = JSON.parse(await bot.waitForLine(/unhandled promise rejection/, 5000)) as { reference?: string };
      expect(logged.reference).toMatch(/^[0-9A-F]{8}$/);
      await sleep(300);
      expect(bot.proc.exitCode).toBeNull();
      const health = await fetch(`${bot.baseUrl}/healthz`);
      expect(health.status).toBe(200);
      report(
        `payload=null → ${formNull.status}, JSON null → ${jsonNull.status}, unhandled rejection → logged with ` +
          `reference ${logged.reference}; process alive, /healthz ${health.status}`,
      );
    },
    30_000,
  );

  it(
    'SIGTERM → exits 0 within SHUTDOWN_TIMEOUT_MS + margin ' + 'and flushes the audit message Slack refused earlier',
    async () => {
      const dataDir = newDataDir();
      // No periodic outbox pass during the test: only the shutdown pass can deliver what failed.
      const { bot, t } = await start(dataDir, { OUTBOX_POLL_INTERVAL_MS: '600000', OUTBOX_MIN_BACKOFF_MS: '100' });
      // A license request still being followed (the issue stays open) keeps work in flight.
      await requestLicense(t, 9601);
      await eventually(() => expect(issuesFor(9601)).toHaveLength(1), { timeoutMs: 5000 });

      // One failed delivery (the audit client does not retry by itself: the outbox does), then Slack is up again.
      fake.fail('chat.postMessage', { status: 500, times: 1 });
      await starCheckVerdict(t, 9602);
      await bot.waitForLine(/audit message not delivered yet/, 5000);
      await sleep(200);
      expect(postsForTicket(fake, 9602)).toHaveLength(0);

      const sentAt = performance.now();
      const exit = await bot.kill('SIGTERM', 10_000);
      const tookMs = exit.at - sentAt;
      report(
        `SIGTERM with a GitLab follow in flight and 1 undelivered audit message → exit code ${exit.code} after ` +
          `${Math.round(tookMs)} ms (SHUTDOWN_TIMEOUT_MS 3000)`,
      );
      // 0, not 1: the graceful stop finished before the bot's own hard stop (SHUTDOWN_TIMEOUT_MS + 2 s) would
      // have ended it, a bound measured by the bot and not by this busy test process.
      expect(exit.code).toBe(0);
      expect(postsForTicket(fake, 9602)).toHaveLength(1);
      expect(await withStore(dataDir, (store) => store.outbox.backlog())).toBe(0);
      // The interrupted request stays pending with its issue, for the next start to resume.
      const records = await withStore(dataDir, (store) => store.requests.findByTicket(ticketUrl(9601), 10));
      expect(records.map((r) => r.status)).toEqual(['pending']);
      expect(records[0].status === 'refused' ? undefined : records[0].issueUrl).toMatch(/\/-\/issues\/\d+$/);
    },
    30_000,
  );

  it('SIGTERM after an outage: an audit message still in backoff is flushed too, since Slack is up', async () => {
    const dataDir = newDataDir();
    const { bot, t } = await start(dataDir, {
      LICENSE_ADAPTER: 'local',
      OUTBOX_POLL_INTERVAL_MS: '600000',
      OUTBOX_MIN_BACKOFF_MS: '60000',
    });
    fake.fail('chat.postMessage', { status: 500, times: 1 });
    await starCheckVerdict(t, 9701);
    await bot.waitForLine(/audit message not delivered yet/, 5000);
    // Slack is up again (the fault is used up), but the message waits out a 60 s backoff.
    const exit = await bot.kill('SIGTERM', 10_000);
    expect(exit.code).toBe(0);
    const delivered = postsForTicket(fake, 9701).length;
    const backlog = await withStore(dataDir, (store) => store.outbox.backlog());
    report(
      `SIGTERM with 1 audit message in a 60 s backoff, Slack up → ${delivered} delivered at shutdown, backlog ` +
        `left ${backlog}`,
    );
    expect(delivered).toBe(1);
    expect(backlog).toBe(0);
  }, 30_000);
});
