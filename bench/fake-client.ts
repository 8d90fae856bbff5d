/**
 * The benchmark's handle on the fake Slack child process (bench/fake-slack.ts): IPC requests and
 * a buffer of the events it reports while recording.
 */
import { join } from 'node:path';
import type { FakeEvent } from './fake-slack';
import { type Child, forkNode } from '../testkit/processes';
import { hr } from '../testkit/signed-request';

const MAX_BUFFERED = 10_000;

export interface FakeCounts {
  total: Record<string, number>;
  /** By bot token, then Web API method. */
  byToken: Record<string, Record<string, number>>;
}

export class FakeSlackClient {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  private readonly buffer: FakeEvent[] = [];
  private readonly waiters = new Set<{ match: (e: FakeEvent) => boolean; resolve: (e: FakeEvent) => void }>();

  private constructor(
    readonly child: Child,
    readonly port: number,
  ) {
    child.proc.on('message', (message: { id?: number; result?: unknown; error?: string; event?: FakeEvent }) => {
      if (message.event) return this.onEvent(message.event);
      if (message.id === undefined) return;
      const p = this.pending.get(message.id);
      if (!p) return;
      this.pending.delete(message.id);
      clearTimeout(p.timer);
      if (message.error) p.reject(new Error(message.error));
      else p.resolve(message.result);
    });
  }

  static async start(distDir: string): Promise<FakeSlackClient> {
    const child = forkNode('fake-slack', join(distDir, 'bench', 'fake-slack.js'), {
      ...process.env,
      NODE_ENV: 'production',
    });
    const ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`fake Slack did not start within 10 s:\n${child.tail()}`)),
        10_000,
      );
      child.proc.on('message', (m: { ready?: boolean; port?: number }) => {
        if (m.ready && m.port) {
          clearTimeout(timer);
          resolve(m.port);
        }
      });
      child.proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`fake Slack exited (${code}):\n${child.tail()}`));
      });
    });
    return new FakeSlackClient(child, await ready);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  private call<T>(cmd: string, extra: object = {}, timeoutMs = 10_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`fake Slack: no answer to ${cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.proc.send({ id, cmd, ...extra });
    });
  }

  /** Arrival times of views.open by trigger_id since the last drain (and forgets them). */
  async drainOpens(): Promise<Map<string, number>> {
    return new Map(await this.call<[string, number][]>('drainOpens', {}, 30_000));
  }

  async record(on: boolean): Promise<void> {
    await this.call('record', { on });
    if (!on) this.buffer.length = 0;
  }

  counts(): Promise<FakeCounts> {
    return this.call('counts');
  }

  reset(): Promise<void> {
    return this.call('reset');
  }

  async stop(): Promise<void> {
    if (!this.child.running) return;
    await this.call('stop', {}, 3000).catch(() => undefined);
    await this.child.stop(2000);
  }

  private onEvent(event: FakeEvent): void {
    for (const w of this.waiters) {
      if (w.match(event)) {
        this.waiters.delete(w);
        w.resolve(event);
        return;
      }
    }
    this.buffer.push(event);
    if (this.buffer.length > MAX_BUFFERED) this.buffer.shift();
  }

  /** The first recorded event matching `match` (already buffered or still to come); consumes it. */
  waitFor(match: (e: FakeEvent) => boolean, timeoutMs: number, what: string): Promise<FakeEvent> {
    const index = this.buffer.findIndex(match);
    if (index >= 0) return Promise.resolve(this.buffer.splice(index, 1)[0]);
    return new Promise((resolve, reject) => {
      const started = hr();
      const waiter = {
        match,
        resolve: (e: FakeEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`fake Slack: ${what} did not arrive within ${Math.round(hr() - started)} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}
