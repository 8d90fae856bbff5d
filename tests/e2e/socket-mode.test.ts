import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { type RunningBot, startBot } from '../../src/bot';
import { loadConfig } from '../../src/config';
import { FakeSlack } from '../../testkit/fake-slack';
import { slashCommand } from '../../testkit/payloads';

/** A port the OS just handed out and released (Socket Mode's health server cannot report the one it bound). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Socket Mode, the default when SLACK_APP_TOKEN is set: the bot opens a WebSocket from the URL
 * `apps.connections.open` gives it, and Slack sends envelopes that the bot acks on the socket.
 */
describe('Socket Mode', () => {
  let fake: FakeSlack;
  let wss: WebSocketServer;
  let socket: WebSocket | undefined;
  let bot: RunningBot;
  let dataDir: string;
  const acks: { envelope_id: string; payload?: unknown }[] = [];
  let healthPort = 0;

  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    const wsUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/link`;
    const connected = new Promise<void>((resolve) => {
      wss.on('connection', (ws) => {
        socket = ws;
        ws.on('message', (data: Buffer) => acks.push(JSON.parse(data.toString())));
        ws.send(
          JSON.stringify({
            type: 'hello',
            num_connections: 1,
            connection_info: { app_id: 'A0FAKEAPP1' },
            debug_info: { host: 'fake' },
          }),
        );
        resolve();
      });
    });
    fake = new FakeSlack({ logErrors: false });
    fake.setHandler('apps.connections.open', () => ({ ok: true, url: wsUrl }));
    await fake.start();
    healthPort = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), 'lr-bot-socket-'));
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-socket-test',
      SLACK_APP_TOKEN: 'xapp-socket-test',
      HEALTH_PORT: String(healthPort),
      METRICS_PORT: '0',
      SLACK_API_URL: fake.apiUrl,
      LICENSING_CHANNEL: 'C0LICENSING',
      DATA_DIR: dataDir,
      AUTHORIZATION_MODE: 'open',
    });
    expect(config.slack.mode).toBe('socket');
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    bot = await startBot(config, pino({ level: 'info' }, quiet));
    await connected;
  });

  afterAll(async () => {
    // Close from the server side first, as Slack does when it recycles a connection; otherwise the
    // client waits up to 30 s for the peer's half of the close handshake.
    socket?.close(1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await bot.stop();
    await new Promise((resolve) => wss.close(resolve));
    await fake.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('acks a slash command envelope on the socket and opens the modal', async () => {
    const payload = slashCommand({ command: '/star-check', text: '4242', responseUrl: fake.responseUrl() });
    socket?.send(
      JSON.stringify({ envelope_id: 'env-1', type: 'slash_commands', accepts_response_payload: true, payload }),
    );
    const open = await fake.waitForCall('views.open');
    expect(open.args.view.callback_id).toBe('star_check');
    expect(acks.some((a) => a.envelope_id === 'env-1')).toBe(true);
  });

  it('HEALTH_PORT: status only (GET, HEAD); the details and /metrics on METRICS_PORT', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await fetch(`http://127.0.0.1:${healthPort}/healthz`, { method });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
    }
    expect((await fetch(`http://127.0.0.1:${healthPort}/metrics`)).status).toBe(404);
    const details = await fetch(`http://127.0.0.1:${bot.metricsPort}/healthz`);
    expect(await details.json()).toMatchObject({ status: 'ok', slackAuth: true, storeWritable: true });
    const metrics = await fetch(`http://127.0.0.1:${bot.metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('lr_bot_');
  });
});
