/**
 * Issue 18: the request lease is a fence. Two replicas on one real PostgreSQL; replica A reaches
 * it through a loopback TCP proxy. While A's upload of a license to Slack is held by the fake
 * Slack, the proxy cuts A off the database for longer than the lease (3 s): replica B takes the
 * delivery over once A's lease has run out, and A, which cannot prove it still holds the lease,
 * sends nothing. The bar: exactly one DM per request, in every round; the same for a copy of the
 * license ("Send me the license file") clicked on A. Prints its figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresStore } from '../../src/store';
import type { BotUnderTest } from '../../testkit/bot-under-test';
import { applySubmissionAck, SIGNING_SECRET, signedSender } from '../../testkit/bot-under-test';
import { type ChildBot, childEnv, childLogs, killAllChildBots, spawnBot } from '../../testkit/child-bot';
import { eventually } from '../../testkit/eventually';
import { FakeSlack, UPLOAD_URL } from '../../testkit/fake-slack';
import {
  emergencyForm,
  freePort,
  postsForTicket,
  runCommand,
  sendMeTheLicenseClick,
  sleep,
  submitView,
  ticketUrl,
} from '../../testkit/bot-steps';
import { postInteraction } from '../../testkit/signed-request';
import { usePostgres } from '../support/postgres';
import { TcpProxy } from '../support/tcp-proxy';

const report = (line: string) => process.stdout.write(`[partition] ${line}\n`);
const postgres = usePostgres();

// The upload is held for UPLOAD_HOLD_MS: the cut must come within it, and the hold must end well within
// SLACK_API_TIMEOUT_MS; both margins are a second, which a loaded machine leaves intact. The lease must
// outlast the Slack timeout by a second (config), and the cut outlast the lease.
const UPLOAD_HOLD_MS = 1000;
const SLACK_API_TIMEOUT_MS = 2000;
const LEASE_MS = 3000;
const CUT_MS = 5500;
const ROUNDS = 3;

describe('a replica cut off its database for longer than the lease while its upload is in flight', () => {
  let fake: FakeSlack;
  let proxy: TcpProxy;
  let url: string;
  let a: { bot: ChildBot; t: BotUnderTest };
  let b: { bot: ChildBot; t: BotUnderTest };
  const dirs: string[] = [];

  async function startReplica(id: string, databaseUrl: string) {
    const dataDir = mkdtempSync(join(tmpdir(), 'lr-partition-'));
    dirs.push(dataDir);
    const port = await freePort();
    const bot = await spawnBot(
      childEnv(
        { apiUrl: fake.apiUrl, port, dataDir },
        {
          DATABASE_URL: databaseUrl,
          DATABASE_POOL_MAX: '4',
          DATABASE_CONNECT_TIMEOUT_MS: '500',
          DATABASE_STATEMENT_TIMEOUT_MS: '1000',
          REPLICA_ID: id,
          LICENSE_ADAPTER: 'local',
          LOG_LEVEL: 'info',
          OUTBOX_POLL_INTERVAL_MS: '100',
          OUTBOX_MIN_BACKOFF_MS: '100',
          OUTBOX_MAX_BACKOFF_MS: '1000',
          SHUTDOWN_TIMEOUT_MS: '3000',
          REQUEST_LEASE_MS: String(LEASE_MS),
          SLACK_API_TIMEOUT_MS: String(SLACK_API_TIMEOUT_MS),
        },
      ),
      30_000,
    );
    return { bot, t: { baseUrl: bot.baseUrl, fake, send: signedSender(bot.baseUrl) } as unknown as BotUnderTest };
  }

  beforeAll(async () => {
    fake = new FakeSlack({ logErrors: false });
    await fake.start();
    url = await postgres().createDatabase();
    const target = new URL(url);
    proxy = new TcpProxy(target.hostname, Number(target.port));
    await proxy.start();
    const viaProxy = new URL(url);
    viaProxy.port = String(proxy.port);
    // B first: it runs the migrations, so A's start does not race it through the proxy.
    b = await startReplica('B', url);
    a = await startReplica('A', viaProxy.toString());
  }, 90_000);
  afterAll(async () => {
    await killAllChildBots();
    await proxy?.stop();
    await fake.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const uploadsFor = (ticket: number) =>
    fake
      .callsTo('files.completeUploadExternal')
      .filter((c) => String(c.args.initial_comment ?? '').includes(ticketUrl(ticket)));

  it(`${ROUNDS} rounds: one DM per request (B's), none from A; A logs a loss at most once; both alive`, async () => {
    const figures: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const ticket = 9801 + round;
      const linesBefore = a.bot.lines.length;
      // The fake Slack holds the upload of the file's bytes (under the client timeout).
      fake.fail(UPLOAD_URL, { delayMs: UPLOAD_HOLD_MS, times: 1 });
      const opened = await runCommand(a.t, '/emergency-license', String(ticket));
      const res = await submitView(
        a.t,
        opened.view!,
        emergencyForm({ ticket: String(ticket), email: `admin${ticket}@customer.example` }),
      );
      expect(applySubmissionAck(fake, opened.view!, res).kind).toBe('update');
      await fake.waitForUpload(() => true, 8000, false);
      const cutAt = performance.now();
      proxy.cut();
      await sleep(CUT_MS);
      proxy.restore();

      const delivered = await eventually(
        async () => {
          const store = await PostgresStore.open({ connectionString: url, max: 1 });
          try {
            const [record] = await store.requests.findByTicket(ticketUrl(ticket), 10);
            expect(record?.status === 'generated' && record.delivery.status).toBe('delivered');
            return record;
          } finally {
            await store.close();
          }
        },
        { timeoutMs: 15_000, intervalMs: 200 },
      );
      // Anything late (A's held work, a retry) would arrive by now.
      await sleep(2000);
      const dms = uploadsFor(ticket);
      const logs = childLogs(a.bot).slice(0);
      const aLines = a.bot.lines.slice(linesBefore).join('\n');
      const lostLines = aLines.split('\n').filter((l) => /lost the lease/.test(l)).length;
      const aSent = aLines.split('\n').filter((l) => /license handed to the engineer/.test(l)).length;
      figures.push(
        `round ${round + 1}: cut ${CUT_MS} ms (lease ${LEASE_MS} ms) ${Math.round(performance.now() - cutAt)} ms ` +
          `ago → DMs ${dms.length} (from A ${aSent}), ` +
          `licenses ${new Set(dms.map((c) => JSON.stringify(c.args.files))).size}, ` +
          `notices ${postsForTicket(fake, ticket).length}, records 1 (${delivered?.status}), A "lost the lease" ` +
          `lines ${lostLines}, processes alive A ` +
          `${a.bot.proc.exitCode === null} B ${b.bot.proc.exitCode === null}`,
      );
      expect(dms).toHaveLength(1);
      expect(aSent).toBe(0);
      expect(lostLines).toBeLessThanOrEqual(1);
      expect(String(dms[0].args.initial_comment)).not.toMatch(/replaces an earlier one/);
      expect(logs.length).toBeGreaterThan(0);
      expect(a.bot.proc.exitCode).toBeNull();
      expect(b.bot.proc.exitCode).toBeNull();
    }
    figures.forEach(report);
    // A answers again once the database is back.
    expect((await fetch(`${a.bot.baseUrl}/livez`)).status).toBe(200);
  }, 120_000);

  const copyRounds = `${ROUNDS} rounds of "Send me the license file" clicked on A, A cut off during the copy's upload`;
  it(`${copyRounds}: one copy (B's), none from A`, async () => {
    const figures: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const ticket = 9811 + round;
      const asker = `U0PARTCOPY${round}`;
      // The license itself is generated and delivered by B, which keeps its database.
      const opened = await runCommand(b.t, '/emergency-license', String(ticket));
      await submitView(
        b.t,
        opened.view!,
        emergencyForm({ ticket: String(ticket), email: `copy${ticket}@customer.example` }),
      );
      const record = await eventually(
        async () => {
          const store = await PostgresStore.open({ connectionString: url, max: 1 });
          try {
            const [found] = await store.requests.findByTicket(ticketUrl(ticket), 10);
            expect(found?.status === 'generated' && found.delivery.status).toBe('delivered');
            return found;
          } finally {
            await store.close();
          }
        },
        { timeoutMs: 15_000, intervalMs: 200 },
      );
      const dmsTo = () =>
        fake
          .callsTo('files.completeUploadExternal')
          .filter(
            (c) =>
              c.args.channel_id === fake.dmChannelFor(asker) &&
              String(c.args.initial_comment ?? '').includes(ticketUrl(ticket)),
          );
      const linesBefore = a.bot.lines.length;
      const uploadsBefore = fake.uploads.length;
      fake.fail(UPLOAD_URL, { delayMs: UPLOAD_HOLD_MS, times: 1 });
      const responseId = `partition-copy-${round}`;
      await postInteraction(a.bot.baseUrl, SIGNING_SECRET, sendMeTheLicenseClick(fake, record.id, asker, responseId));
      expect(String((await fake.waitForResponse(responseId, () => true, 5000)).body.text)).toMatch(/on its way/);
      await fake.waitForUpload((u) => fake.uploads.indexOf(u) >= uploadsBefore, 8000, false);
      const cutAt = performance.now();
      proxy.cut();
      await sleep(CUT_MS);
      proxy.restore();
      await eventually(() => expect(dmsTo()).toHaveLength(1), { timeoutMs: 15_000, intervalMs: 100 });
      // Anything late (A's held work, a retry) would arrive by now.
      await sleep(2000);
      const dms = dmsTo();
      const aLines = a.bot.lines.slice(linesBefore).join('\n');
      const aSent = aLines.split('\n').filter((l) => /license handed to the engineer/.test(l)).length;
      const aStopped = aLines.split('\n').filter((l) => /license hand-over stopped/.test(l)).length;
      figures.push(
        `copy round ${round + 1}: click on A, cut ${CUT_MS} ms (lease ${LEASE_MS} ms) during the copy's upload, ` +
          `${Math.round(performance.now() - cutAt)} ms ago → copies in the DM ${dms.length} (from A ${aSent}, A ` +
          `stopped at its fence ${aStopped}), ` +
          `processes alive A ${a.bot.proc.exitCode === null} B ${b.bot.proc.exitCode === null}`,
      );
      expect(dms).toHaveLength(1);
      expect(aSent).toBe(0);
      expect(aStopped).toBe(1);
      expect(String(dms[0].args.initial_comment)).not.toMatch(/replaces an earlier one/);
      expect(a.bot.proc.exitCode).toBeNull();
      expect(b.bot.proc.exitCode).toBeNull();
    }
    figures.forEach(report);
  }, 120_000);
});
