/**
 * Issue 20's fault tests for the ticket writes, with the bot as child processes (as an orchestrator
 * runs it) and the loopback fakes of Slack and Zendesk in this process:
 * - SIGKILL between the upload of the license file and the ticket update (the update held by the
 *   fake; once never applied, once applied with its answer lost), then a restart on the same
 *   DATA_DIR: exactly one license comment on the ticket;
 * - two replicas on one PostgreSQL, the events spread over both and both polling for due writes while
 *   each write is in flight: exactly one note per event.
 * Each test prints its figures ([zendesk-faults] lines).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, PostgresStore, type Store } from '../../src/store';
import { type BotUnderTest, signedSender } from '../../testkit/bot-under-test';
import { type ChildBot, childEnv, childLogs, killAllChildBots, spawnBot } from '../../testkit/child-bot';
import { eventually } from '../../testkit/eventually';
import { FakeSlack } from '../../testkit/fake-slack';
import type { FakeZendesk } from '../../testkit/fake-zendesk';
import { freePort, requestLicense, starCheckVerdict, ticketUrl } from '../../testkit/bot-steps';
import { usePostgres } from '../support/postgres';
import { newFakeZendesk, zendeskEnv } from '../zendesk/support/zendesk-under-test';

const report = (line: string) => process.stdout.write(`[zendesk-faults] ${line}\n`);
const postgres = usePostgres();

describe('Zendesk ticket writes under faults', () => {
  let fake: FakeSlack;
  let zd: FakeZendesk;
  const dirs: string[] = [];

  beforeAll(async () => {
    fake = new FakeSlack({ logErrors: false });
    await fake.start();
    zd = newFakeZendesk();
    await zd.start();
  });
  afterEach(async () => {
    await killAllChildBots();
    zd.clearFaults();
  });
  afterAll(async () => {
    await killAllChildBots();
    await fake.stop();
    await zd.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const newDataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'lr-zendesk-faults-'));
    dirs.push(dir);
    return dir;
  };

  async function start(
    dataDir: string,
    extra: Record<string, string> = {},
  ): Promise<{ bot: ChildBot; t: BotUnderTest }> {
    const port = await freePort();
    const bot = await spawnBot(
      childEnv(
        { apiUrl: fake.apiUrl, port, dataDir },
        {
          ...zendeskEnv(zd),
          OUTBOX_POLL_INTERVAL_MS: '100',
          OUTBOX_MIN_BACKOFF_MS: '100',
          OUTBOX_MAX_BACKOFF_MS: '1000',
          SHUTDOWN_TIMEOUT_MS: '3000',
          ...extra,
        },
      ),
      30_000,
    );
    return { bot, t: { baseUrl: bot.baseUrl, fake, send: signedSender(bot.baseUrl) } as unknown as BotUnderTest };
  }

  const withStore = <T>(dataDir: string, read: (store: Store) => Promise<T>): Promise<T> => {
    const store = openStore(dataDir);
    return read(store).finally(() => store.close());
  };
  const licenseComments = (ticket: number, fileName: string) =>
    zd.updates.filter((u) => u.ticketId === ticket && u.comment.attachments.some((a) => a.file_name === fileName));
  const uploadsOf = (fileName: string) =>
    zd.requests.filter((r) => r.path.endsWith('/uploads') && r.query.get('filename') === fileName);

  it.each([
    ['never applied', false],
    ['applied, its answer lost', true],
  ])(
    'SIGKILL between the upload and the ticket update (%s) → after the restart exactly one license comment',
    async (what, applied) => {
      const dataDir = newDataDir();
      const ticket = zd.addTicket({}).id;
      // The ticket update hangs: the bot is killed while it waits for Zendesk's answer.
      zd.fail({ method: 'PUT', path: new RegExp(`/tickets/${ticket}$`), hang: true, applyFirst: applied, times: 1 });
      const first = await start(dataDir);
      await requestLicense(first.t, ticket, { email: `admin+${ticket}@customer.example` });
      const id = await eventually(
        () =>
          withStore(dataDir, async (store) => {
            const [record] = await store.requests.findByTicket(ticketUrl(ticket), 1);
            expect(record).toBeDefined();
            return record.id;
          }),
        { timeoutMs: 8000 },
      );
      const fileName = `${id}.gitlab-license`;
      await eventually(
        () =>
          expect(zd.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(`/tickets/${ticket}`))).toHaveLength(
            1,
          ),
        { timeoutMs: 8000 },
      );
      expect(uploadsOf(fileName)).toHaveLength(1);
      const killed = await first.bot.kill('SIGKILL');
      expect(killed.signal).toBe('SIGKILL');
      expect(licenseComments(ticket, fileName)).toHaveLength(applied ? 1 : 0);
      expect(await withStore(dataDir, (store) => store.ticketWrites.get(`req-${id}-license`))).toMatchObject({
        state: 'pending',
      });

      const second = await start(dataDir);
      const write = await eventually(
        () =>
          withStore(dataDir, async (store) => {
            const found = await store.ticketWrites.get(`req-${id}-license`);
            expect(found?.state).toBe('done');
            return found!;
          }),
        { timeoutMs: 10_000 },
      );
      expect(write.written).toBe(applied ? 'already' : 'now');
      expect(licenseComments(ticket, fileName)).toHaveLength(1);
      // The note of the outcome is on the ticket once too.
      await eventually(() =>
        expect(
          zd.updates.filter((u) => u.ticketId === ticket && u.comment.body.endsWith(`lr-bot/req-${id}-generated`)),
        ).toHaveLength(1),
      );
      const updated = childLogs(second.bot).filter((l) => l.msg === 'ticket updated');
      report(
        `SIGKILL (${what}): uploads ${uploadsOf(fileName).length}, ` +
          `license comments ${licenseComments(ticket, fileName).length}, ` +
          `write ${write.written} after ${write.attempts} recorded failed attempts, ticket comments ` +
          `${zd.updates.filter((u) => u.ticketId === ticket).length}, writes by the restarted bot ${updated.length}`,
      );
    },
    60_000,
  );

  it('two replicas on one PostgreSQL, events spread over both, both polling: one note per event', async () => {
    const url = await postgres().createDatabase();
    const replicas = await Promise.all(
      [0, 1].map(() =>
        start(newDataDir(), {
          DATABASE_URL: url,
          DATABASE_POOL_MAX: '5',
          LOG_LEVEL: 'info',
          REQUEST_LEASE_MS: '2000',
          SLACK_API_TIMEOUT_MS: '1000',
        }),
      ),
    );
    // Slow ticket updates: each write is in flight while the other replica polls.
    zd.fail({ method: 'PUT', delayMs: 200, times: Infinity });
    const tickets = [0, 1, 2, 3].map(() => zd.addTicket({}).id);
    const viewIds: string[] = [];
    for (const [i, ticket] of tickets.entries()) {
      // A STAR verdict on one replica, and a license request on the other.
      viewIds.push((await starCheckVerdict(replicas[i % 2].t, ticket)).viewId);
      await requestLicense(replicas[(i + 1) % 2].t, ticket, { email: `admin+${ticket}@customer.example` });
    }
    const store = await PostgresStore.open({ connectionString: url, max: 2 });
    try {
      const ids = await Promise.all(
        tickets.map(async (ticket) => (await store.requests.findByTicket(ticketUrl(ticket), 1))[0].id),
      );
      const keys = [
        ...viewIds.map((v) => `star-${v}`),
        ...ids.flatMap((id) => [`req-${id}-license`, `req-${id}-generated`]),
      ];
      await eventually(
        async () => {
          for (const key of keys) expect((await store.ticketWrites.get(key))?.state).toBe('done');
        },
        { timeoutMs: 20_000 },
      );
      // Both replicas look for due writes all along: give them a few more polls to write twice if they would.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const marks = (key: string) =>
        zd.updates.filter((u) => u.comment.body.split('\n').includes(`Ref: lr-bot/${key}`));
      for (const key of keys.filter((k) => !k.endsWith('-license'))) expect(marks(key)).toHaveLength(1);
      for (const id of ids)
        expect(
          zd.updates.filter((u) => u.comment.attachments.some((a) => a.file_name === `${id}.gitlab-license`)),
        ).toHaveLength(1);
      const perTicket = tickets.map((ticket) => zd.updates.filter((u) => u.ticketId === ticket).length);
      expect(perTicket).toEqual([3, 3, 3, 3]);
      const written = () => replicas.map(({ bot }) => childLogs(bot).filter((l) => l.msg === 'ticket updated').length);
      // Each write logged once, by the one replica that made it (the log lines come through a pipe).
      const byReplica = await eventually(() => {
        const counts = written();
        expect(counts.reduce((a, b) => a + b, 0)).toBe(keys.length);
        return counts;
      });
      report(
        `two replicas: ${keys.length} writes for ${tickets.length} tickets, ` +
          `comments per ticket ${perTicket.join('/')}, ` +
          `written by replica A ${byReplica[0]} / B ${byReplica[1]}`,
      );
    } finally {
      await store.close();
    }
  }, 90_000);
});
