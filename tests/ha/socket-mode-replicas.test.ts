/**
 * HA in Socket Mode (issue 11): two bots started in process, each with its own WebSocket to one
 * fake Socket Mode server, on one throwaway PostgreSQL. Slack spreads envelopes over an app's
 * connections and may deliver one again to another connection; both must end in one license
 * request, one generated license and one channel notice per ticket. Prints its figures ([ha] line).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { type RunningBot, startBot } from '../../src/bot';
import { loadConfig } from '../../src/config';
import { PostgresStore } from '../../src/store';
import { LICENSING_CHANNEL } from '../../testkit/bot-under-test';
import { emergencyForm, freePort, postsForTicket, sleep, ticketUrl } from '../../testkit/bot-steps';
import { DEFAULT_CHANNEL, DEFAULT_USER } from '../../testkit/constants';
import { eventually } from '../../testkit/eventually';
import { FakeSlack, type JsonObject } from '../../testkit/fake-slack';
import { newTriggerId, slashCommand, textOf, viewSubmission } from '../../testkit/payloads';
import { usePostgres } from '../support/postgres';

const report = (line: string) => process.stdout.write(`[ha] ${line}\n`);
const postgres = usePostgres();

/** One connection a bot opened to the fake Socket Mode server, and what the bot sent back on it. */
interface Link {
  ws: WebSocket;
  /** Acks (`{ envelope_id, payload? }`) received on this socket, in order. */
  acks: JsonObject[];
}

/** Envelopes this test sent: which socket, and the ack expected on it. */
interface Sent {
  envelopeId: string;
  link: Link;
}

describe('Socket Mode: two replicas on one PostgreSQL', () => {
  let fake: FakeSlack;
  let wss: WebSocketServer;
  const links: Link[] = [];
  const bots: RunningBot[] = [];
  const dirs: string[] = [];
  /** warn/error lines the bots logged (pino JSON), for the failure message and the report. */
  const problems: string[] = [];
  let url: string;
  let envelopeSeq = 0;

  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    const wsUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/link`;
    wss.on('connection', (ws) => {
      const link: Link = { ws, acks: [] };
      links.push(link);
      ws.on('message', (data: Buffer) => link.acks.push(JSON.parse(data.toString('utf8')) as JsonObject));
      // Slack finishes the handshake with `hello`; the client reports itself connected only then.
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 2,
          connection_info: { app_id: 'A0FAKEAPP1' },
          debug_info: { host: 'fake' },
        }),
      );
    });
    fake = new FakeSlack({ logErrors: false });
    // Every replica asks for a connection with the same app token and gets one of its own.
    fake.setHandler('apps.connections.open', () => ({ ok: true, url: wsUrl }));
    await fake.start();
    url = await postgres().createDatabase();

    const sink = new Writable({
      write: (chunk, _encoding, done) => {
        for (const line of String(chunk).split('\n')) if (/"level":(40|50|60)/.test(line)) problems.push(line);
        done();
      },
    });
    // Started together: their migrations race for the advisory lock, as replicas of a deploy do.
    const started = await Promise.all(
      ['socket-a', 'socket-b'].map(async (replica) => {
        const dataDir = mkdtempSync(join(tmpdir(), 'lr-ha-socket-'));
        dirs.push(dataDir);
        const config = loadConfig({
          SLACK_BOT_TOKEN: 'xoxb-socket-ha',
          SLACK_APP_TOKEN: 'xapp-socket-ha',
          HEALTH_PORT: String(await freePort()),
          SLACK_API_URL: fake.apiUrl,
          LICENSING_CHANNEL,
          DATA_DIR: dataDir,
          DATABASE_URL: url,
          DATABASE_POOL_MAX: '5',
          // Both bots live in this one process: the default lease owner (host:pid) would be the same.
          REPLICA_ID: replica,
          LICENSE_ADAPTER: 'local',
          AUTHORIZATION_MODE: 'open',
          OUTBOX_POLL_INTERVAL_MS: '100',
          OUTBOX_MIN_BACKOFF_MS: '100',
          OUTBOX_MAX_BACKOFF_MS: '1000',
          SHUTDOWN_TIMEOUT_MS: '3000',
          REQUEST_LEASE_MS: '2000',
          SLACK_API_TIMEOUT_MS: '1000',
          METRICS_PORT: '0',
        });
        expect(config.slack.mode).toBe('socket');
        return startBot(config, pino({ level: 'info', base: { replica } }, sink));
      }),
    );
    bots.push(...started);
    await eventually(() => expect(links).toHaveLength(2), { timeoutMs: 5000, intervalMs: 20 });
  }, 30_000);

  afterAll(async () => {
    // Close from the server side first, as Slack does when it recycles a connection; otherwise each
    // client waits up to 30 s for the peer's half of the close handshake.
    for (const link of links) link.ws.close(1000);
    await sleep(50);
    await Promise.all(bots.map((bot) => bot.stop()));
    await new Promise((resolve) => wss?.close(resolve));
    await fake?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }, 20_000);

  function send(
    link: Link,
    type: 'slash_commands' | 'interactive',
    payload: JsonObject,
    envelopeId = `env-${++envelopeSeq}`,
  ): Sent {
    link.ws.send(JSON.stringify({ envelope_id: envelopeId, type, accepts_response_payload: true, payload }));
    return { envelopeId, link };
  }

  const ackOf = (sent: Sent) => sent.link.acks.find((a) => a.envelope_id === sent.envelopeId);

  /** /emergency-license <ticket> over one socket → the modal Slack shows (as views.open returned it). */
  async function openForm(link: Link, ticket: number): Promise<{ view: JsonObject; sent: Sent }> {
    const triggerId = newTriggerId();
    const payload = slashCommand({
      command: '/emergency-license',
      text: String(ticket),
      userId: DEFAULT_USER.id,
      channelId: DEFAULT_CHANNEL.id,
      responseUrl: fake.responseUrl(`r-${ticket}`),
      triggerId,
    });
    const sent = send(link, 'slash_commands', payload);
    const call = await fake.waitForCall('views.open', (c) => c.args.trigger_id === triggerId, 5000);
    if (!call.response?.ok) throw new Error(`views.open failed for ${ticket}: ${JSON.stringify(call.response)}`);
    return { view: call.response.view as JsonObject, sent };
  }

  const submission = (view: JsonObject, ticket: number) =>
    viewSubmission({
      view,
      values: emergencyForm({ ticket: String(ticket), email: `admin${ticket}@customer.example` }),
      user: { id: DEFAULT_USER.id, username: 'engineer', name: 'engineer' },
    });

  async function withStore<T>(read: (store: PostgresStore) => Promise<T>): Promise<T> {
    const store = await PostgresStore.open({ connectionString: url, max: 2 });
    try {
      return await read(store);
    } finally {
      await store.close();
    }
  }

  /** Completed file uploads (the license handed over in a DM) for this ticket. */
  const licenseFilesFor = (ticket: number) =>
    fake.uploads.filter((u) => u.completed && String(u.initialComment ?? '').includes(ticketUrl(ticket)));
  const noticeText = (ticket: number) => {
    const [post] = postsForTicket(fake, ticket);
    return post ? textOf((fake.getMessage(post.args.channel as string, post.response.ts) as JsonObject).blocks) : '';
  };
  const updatesOf = (ticket: number) => {
    const [post] = postsForTicket(fake, ticket);
    return post
      ? fake
          .callsTo('chat.update')
          .filter(
            (c) =>
              c.args.channel === post.response.channel && c.args.ts === post.response.ts && c.response?.ok === true,
          ).length
      : 0;
  };

  it('envelopes spread over both connections and duplicated to both → one request, one license and one notice per ticket; every envelope acked on its socket', async () => {
    expect(links).toHaveLength(2);
    const [a, b] = links as [Link, Link];
    const spread = Array.from({ length: 8 }, (_, i) => 9001 + i);
    const duplicated = Array.from({ length: 4 }, (_, i) => 9101 + i);
    const sent: Sent[] = [];
    const submissions: Sent[] = [];
    const started = performance.now();

    await Promise.all([
      // (a) Distinct submissions spread over the connections; each form was opened through the other one.
      ...spread.map(async (ticket, i) => {
        const [openOn, submitOn] = i % 2 === 0 ? [a, b] : [b, a];
        const { view, sent: command } = await openForm(openOn, ticket);
        const submitted = send(submitOn, 'interactive', submission(view, ticket));
        sent.push(command, submitted);
        submissions.push(submitted);
      }),
      // (b) One submission delivered to both connections at once: the same envelope, the same view id.
      ...duplicated.map(async (ticket, i) => {
        const { view, sent: command } = await openForm(i % 2 === 0 ? a : b, ticket);
        const payload = submission(view, ticket);
        const envelopeId = `env-dup-${ticket}`;
        const both = [send(a, 'interactive', payload, envelopeId), send(b, 'interactive', payload, envelopeId)];
        sent.push(command, ...both);
        submissions.push(...both);
      }),
    ]);

    // Every envelope acked on the socket it came in on. In time for Slack: a listener past the bot's ack
    // deadline is answered by its guard ("not reachable", refused below), so the wait here may be long.
    await eventually(() => expect(sent.filter((s) => !ackOf(s)).map((s) => s.envelopeId)).toEqual([]), {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    const ackMs = Math.round(performance.now() - started);
    const submissionAcks = submissions.map((s) => ackOf(s)!.payload as JsonObject | undefined);
    expect(submissionAcks.map((p) => p?.response_action)).toEqual(submissions.map(() => 'update'));
    expect(
      submissionAcks.filter((p) => textOf(p!.view as JsonObject).match(/went wrong|not reachable|error/i)),
    ).toEqual([]);

    const tickets = [...spread, ...duplicated];
    const records = await eventually(
      async () => {
        const all = await withStore(async (store) =>
          (await Promise.all(tickets.map((t) => store.requests.findByTicket(ticketUrl(t), 10)))).flat(),
        );
        expect(all.filter((r) => r.status === 'generated' && r.delivery.status === 'delivered')).toHaveLength(
          tickets.length,
        );
        expect(await withStore((store) => store.outbox.backlog())).toBe(0);
        for (const ticket of tickets) expect(noticeText(ticket)).toMatch(/Delivered to/);
        return all;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    const elapsedMs = Math.round(performance.now() - started);
    await sleep(500); // nothing more arrives afterwards (a late duplicate post or upload would show now)

    const perTicket = tickets.map((ticket) => ({
      ticket,
      records: records.filter((r) => r.ticketUrl === ticketUrl(ticket)).length,
      notices: postsForTicket(fake, ticket).length,
      licenses: licenseFilesFor(ticket).length,
    }));
    expect(perTicket).toEqual(tickets.map((ticket) => ({ ticket, records: 1, notices: 1, licenses: 1 })));
    // A later state of a request edits its one notice in place (the outbox keeps one message per
    // request; when the license was ready before the first post, that post already says so): every
    // accepted chat.update in the channel edits one of the posted notices.
    const noticeTs = new Set(tickets.flatMap((t) => postsForTicket(fake, t).map((p) => String(p.response.ts))));
    const strayUpdates = fake
      .callsTo('chat.update')
      .filter(
        (c) => c.args.channel === LICENSING_CHANNEL && c.response?.ok === true && !noticeTs.has(String(c.args.ts)),
      );
    expect(strayUpdates).toEqual([]);
    // The license went to the engineer who asked, in a DM.
    expect(tickets.flatMap(licenseFilesFor).every((u) => String(u.channelId).startsWith('D'))).toBe(true);
    // Both replicas took part: each received envelopes and acked them.
    expect(links.map((l) => l.acks.length > 0)).toEqual([true, true]);
    expect(problems.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);

    const licenses = perTicket.reduce((n, c) => n + c.licenses, 0);
    const notices = perTicket.reduce((n, c) => n + c.notices, 0);
    const lost = perTicket.filter((c) => c.records === 0 || c.licenses === 0 || c.notices === 0).length;
    const duplicates = perTicket.reduce(
      (n, c) => n + Math.max(0, c.records - 1) + Math.max(0, c.licenses - 1) + Math.max(0, c.notices - 1),
      0,
    );
    report(
      `socket mode: ${sent.length} envelopes over 2 connections (${tickets.length} commands, ` +
        `${spread.length} submissions spread, ${duplicated.length} delivered to both) → ` +
        `${licenses} licenses, ${notices} notices ` +
        `(${tickets.reduce((n, t) => n + updatesOf(t), 0)} in-place updates), ` +
        `${lost} lost, ${duplicates} duplicated; all acked ${ackMs} ms, ` +
        `all delivered ${elapsedMs} ms after the first command; ${problems.length} warnings logged`,
    );
  }, 25_000);
});
