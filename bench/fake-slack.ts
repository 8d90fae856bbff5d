/**
 * A compact loopback fake of the Slack Web API for the benchmark (the full-featured one used by the
 * e2e tests lives under tests/ and is not compiled into dist/).
 *
 * It answers what the bot and the baseline call: auth.test, views.open/update/push, chat.postMessage/
 * update/postEphemeral, users.info, usergroups.users.list, conversations.open and the files upload v2
 * flow (files.getUploadURLExternal → POST bytes to upload_url → files.completeUploadExternal), plus
 * POSTs to response_urls. It records the arrival time of every views.open by trigger_id on the
 * monotonic clock (`hr()`, CLOCK_MONOTONIC, so comparable with the load generator's clock even from
 * another process).
 *
 * Cheap on purpose: during load runs it does not parse the views it is sent. With `record` on, it
 * parses them and reports every call as a `FakeEvent` (used by the conversation flows).
 *
 * Run as a child process (`fork(dist/bench/fake-slack.js)`): it sends `{ ready, port }` over IPC, then
 * answers `{ id, cmd }` requests (`drainOpens`, `record`, `counts`, `reset`) with `{ id, result }` and
 * pushes `{ event }` while recording.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hr } from './sign';

export interface FakeEvent {
  method: string;
  /** Monotonic ms at which the request body was complete. */
  t: number;
  triggerId?: string;
  viewId?: string;
  callbackId?: string;
  channel?: string;
  text?: string;
  /** Parsed view (views.open/update/push) when recording. */
  view?: Record<string, unknown>;
  fileId?: string;
  ok: boolean;
}

const MAX_OPENS = 1_000_000;
const MAX_BODY = 5 * 1024 * 1024;

export class BenchFakeSlack {
  private server?: Server;
  port = 0;
  /** trigger_id → arrival (monotonic ms) of its first views.open. */
  readonly opens = new Map<string, number>();
  readonly counts: Record<string, number> = {};
  /** Web API calls per bot token (the bot and the baseline use different tokens), by method. */
  readonly countsByToken: Record<string, Record<string, number>> = {};
  record = false;
  onEvent?: (event: FakeEvent) => void;
  private seq = 0;
  private tsSeq = 0;

  async start(): Promise<void> {
    const server = createServer((req, res) => this.onRequest(req, res));
    server.keepAliveTimeout = 30_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  drainOpens(): [string, number][] {
    const entries = [...this.opens.entries()];
    this.opens.clear();
    return entries;
  }

  reset(): void {
    this.opens.clear();
    for (const k of Object.keys(this.counts)) delete this.counts[k];
    for (const k of Object.keys(this.countsByToken)) delete this.countsByToken[k];
  }

  private nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}0B${this.seq.toString(36).toUpperCase().padStart(7, '0')}`;
  }

  private nextTs(): string {
    this.tsSeq += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.tsSeq % 1_000_000).padStart(6, '0')}`;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const t = hr();
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0];
      try {
        if (path.startsWith('/api/')) return this.onApi(path.slice(5), req, raw, t, res);
        if (path.startsWith('/upload/')) {
          this.count('upload');
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end(`OK - ${raw.length}`);
          return;
        }
        if (path.startsWith('/response/')) {
          this.count('response_url');
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end('ok');
          return;
        }
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not found');
      } catch (error) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(String((error as Error).message));
      }
    });
  }

  private count(key: string): void {
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }

  private onApi(method: string, req: IncomingMessage, raw: string, t: number, res: ServerResponse): void {
    this.count(method);
    const type = String(req.headers['content-type'] ?? '');
    let args: Record<string, string>;
    if (type.startsWith('application/json')) {
      const parsed = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      args = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    } else {
      args = Object.fromEntries(new URLSearchParams(raw));
    }
    const token = String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') || args.token || 'none';
    const perToken = (this.countsByToken[token] ??= {});
    perToken[method] = (perToken[method] ?? 0) + 1;
    const body = this.answer(method, args, t);
    const json = JSON.stringify(body);
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
    res.end(json);
  }

  private emit(event: FakeEvent): void {
    if (this.record && this.onEvent) this.onEvent(event);
  }

  private parseView(raw: string | undefined): Record<string, unknown> | undefined {
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }

  private answer(method: string, args: Record<string, string>, t: number): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, url: `${this.baseUrl}/`, team: 'Bench', user: 'lr-oncall-bot', team_id: 'T0BENCH001', user_id: 'U0BENCHBOT', bot_id: 'B0BENCHBOT', is_enterprise_install: false };
      case 'views.open':
      case 'views.push': {
        const trigger = args.trigger_id;
        if (!trigger) return { ok: false, error: 'invalid_arguments' };
        if (method === 'views.open' && !this.opens.has(trigger) && this.opens.size < MAX_OPENS) this.opens.set(trigger, t);
        const id = this.nextId('V');
        const hash = `${Math.floor(Date.now() / 1000)}.${id}`;
        if (!this.record) return { ok: true, view: { id, hash, type: 'modal' } };
        const view: Record<string, unknown> = { ...(this.parseView(args.view) ?? {}), id, hash, team_id: 'T0BENCH001', app_id: 'A0BENCH001', bot_id: 'B0BENCHBOT', state: { values: {} } };
        this.emit({ method, t, ok: true, triggerId: trigger, viewId: id, callbackId: view.callback_id as string | undefined, view });
        return { ok: true, view };
      }
      case 'views.update': {
        const id = args.view_id || this.nextId('V');
        if (!this.record) return { ok: true, view: { id, hash: `${Date.now()}`, type: 'modal' } };
        const view: Record<string, unknown> = { ...(this.parseView(args.view) ?? {}), id, hash: `${Date.now()}` };
        this.emit({ method, t, ok: true, viewId: id, callbackId: view.callback_id as string | undefined, view });
        return { ok: true, view };
      }
      case 'chat.postMessage': {
        if (!args.channel) return { ok: false, error: 'channel_not_found' };
        const ts = this.nextTs();
        this.emit({ method, t, ok: true, channel: args.channel, text: args.text });
        return { ok: true, channel: args.channel, ts, message: { type: 'message', text: args.text ?? '', ts, bot_id: 'B0BENCHBOT' } };
      }
      case 'chat.update':
        this.emit({ method, t, ok: true, channel: args.channel, text: args.text });
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text ?? '' };
      case 'chat.postEphemeral':
        this.emit({ method, t, ok: true, channel: args.channel, text: args.text });
        return { ok: true, message_ts: this.nextTs() };
      case 'users.info': {
        const user = args.user || 'U0UNKNOWN';
        return { ok: true, user: { id: user, name: user.toLowerCase(), real_name: user, tz: 'Europe/Berlin', tz_label: 'Central European Time', tz_offset: 3600, is_bot: false, deleted: false } };
      }
      case 'usergroups.users.list':
        return { ok: true, users: Array.from({ length: 10 }, (_, i) => `U0BENCH${String(i).padStart(3, '0')}`) };
      case 'conversations.open': {
        const user = (args.users ?? '').split(',')[0]?.trim();
        if (!user && !args.channel) return { ok: false, error: 'users_list_not_supplied' };
        return { ok: true, channel: { id: args.channel || `D${user.slice(1, 11)}` } };
      }
      case 'files.getUploadURLExternal': {
        if (!args.filename || !args.length) return { ok: false, error: 'invalid_arguments' };
        const fileId = this.nextId('F');
        return { ok: true, upload_url: `${this.baseUrl}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        let files: { id?: string; title?: string }[] = [];
        try {
          files = JSON.parse(args.files ?? '[]') as { id?: string; title?: string }[];
        } catch {
          return { ok: false, error: 'invalid_arguments' };
        }
        if (files.length === 0) return { ok: false, error: 'invalid_arguments' };
        this.emit({ method, t, ok: true, channel: args.channel_id, text: args.initial_comment, fileId: files[0]?.id });
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? '', name: f.title ?? '' })) };
      }
      default:
        this.emit({ method, t, ok: false });
        return { ok: false, error: 'unknown_method' };
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Child-process entry: IPC protocol for bench/run.ts.

interface IpcRequest {
  id: number;
  cmd: 'drainOpens' | 'record' | 'counts' | 'reset' | 'stop';
  on?: boolean;
}

if (require.main === module) {
  if (!process.send) {
    console.error('fake-slack: run me with child_process.fork (IPC is required)');
    process.exit(2);
  }
  const send = (message: unknown) => process.send?.(message);
  const fake = new BenchFakeSlack();
  fake.onEvent = (event) => send({ event });
  // Exit with the parent: never outlive the benchmark.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: IpcRequest) => {
    switch (message.cmd) {
      case 'drainOpens':
        send({ id: message.id, result: fake.drainOpens() });
        break;
      case 'record':
        fake.record = Boolean(message.on);
        send({ id: message.id, result: fake.record });
        break;
      case 'counts':
        send({ id: message.id, result: { total: { ...fake.counts }, byToken: JSON.parse(JSON.stringify(fake.countsByToken)) } });
        break;
      case 'reset':
        fake.reset();
        send({ id: message.id, result: true });
        break;
      case 'stop':
        void fake.stop().then(() => {
          send({ id: message.id, result: true });
          process.exit(0);
        });
        break;
      default:
        send({ id: (message as IpcRequest).id, error: 'unknown command' });
    }
  });
  fake.start().then(
    () => send({ ready: true, port: fake.port }),
    (error: unknown) => {
      console.error('fake-slack failed to start:', error);
      process.exit(1);
    },
  );
}
