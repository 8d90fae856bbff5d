/**
 * Child processes (the benchmark's fake Slack, bot and baseline; the tests' child bots), /proc
 * readings, temp dirs, free ports and the cleanup that runs on exit, on error and on SIGINT/SIGTERM.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { hr } from './signed-request';

const children = new Set<Child>();
const tempDirs = new Set<string>();

export class Child {
  readonly output: string[] = [];
  private outputSize = 0;
  readonly exited: Promise<number | null>;
  exitCode: number | null | undefined;
  readonly spawnedAt: number;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    this.spawnedAt = hr();
    children.add(this);
    const keep = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.output.push(text);
      this.outputSize += text.length;
      // Bounded: keep the last ~64 KB for diagnostics.
      while (this.outputSize > 64 * 1024 && this.output.length > 1) this.outputSize -= this.output.shift()!.length;
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        children.delete(this);
        resolve(code);
      });
    });
  }

  get pid(): number {
    if (this.proc.pid === undefined) throw new Error(`${this.name}: not running`);
    return this.proc.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  tail(chars = 2000): string {
    return this.output.join('').slice(-chars);
  }

  /** SIGTERM (or `signal`), then SIGKILL after `graceMs`. Resolves when the process is gone. */
  async stop(graceMs = 3000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.proc.kill(signal);
    const timer = setTimeout(() => this.running && this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export function spawnNode(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  opts: { nodeArgs?: string[]; cwd?: string } = {},
): Child {
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), script], {
    env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Child(name, proc);
}

export function forkNode(name: string, script: string, env: NodeJS.ProcessEnv): Child {
  const proc = fork(script, [], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  return new Child(name, proc);
}

/** The benchmark writes only inside the bot's data folder (DATA_DIR, default ./data), under bench/. */
export function benchRoot(): string {
  const root = resolve(process.env.DATA_DIR || './data', 'bench');
  mkdirSync(root, { recursive: true });
  return root;
}

export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(benchRoot(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Kills every child still running and deletes the temp dirs (synchronous parts only on 'exit'). */
export async function cleanupAll(): Promise<void> {
  await Promise.all([...children].map((c) => c.stop(2000)));
  for (const dir of [...tempDirs]) removeTempDir(dir);
}

let handlersInstalled = false;
export function installCleanupHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', () => {
    for (const c of children) if (c.running) c.proc.kill('SIGKILL');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping children and removing temp dirs...\n`);
      const hardStop = setTimeout(() => process.exit(130), 5000);
      hardStop.unref();
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A port that is free now, picked at random OUTSIDE the kernel's ephemeral range: other processes on
 * this machine that listen on port 0 (e.g. test suites) can never be handed it between our check and
 * the child's bind. Checked on loopback only (the benchmark binds nothing else); `waitHealthy` then
 * confirms through /proc that the process answering is really the child.
 */
export async function freePort(): Promise<number> {
  let low = 32768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // keep the default
  }
  const from = 20_000;
  const to = Math.max(from + 1000, Math.min(low, 32_768));
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from));
    if (await canListen(port, '127.0.0.1')) return port;
  }
  throw new Error('no free port found in 50 attempts');
}

/** Whether `pid` owns a listening TCP socket on `port` (/proc/net/tcp{,6} + /proc/<pid>/fd). */
export function listensOn(pid: number, port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      if (cols[1].endsWith(`:${hexPort}`) && cols[3] === '0A') inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return false;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const m = target.match(/^socket:\[(\d+)\]$/);
        if (m && inodes.has(m[1])) return true;
      } catch {
        // fd closed meanwhile
      }
    }
  } catch {
    return false;
  }
  return false;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export { sleep };

function httpGetStatus(port: number, path: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Polls GET /healthz every `intervalMs` until 200; returns ms since spawn. Bounded by `timeoutMs`. */
export async function waitHealthy(child: Child, port: number, timeoutMs = 20_000, intervalMs = 5): Promise<number> {
  const deadline = hr() + timeoutMs;
  for (let i = 0; i < 1_000_000 && hr() < deadline; i++) {
    if (!child.running)
      throw new Error(`${child.name} exited (code ${child.exitCode}) before it was ready:\n${child.tail()}`);
    if ((await httpGetStatus(port, '/healthz', 500)) === 200) {
      const at = hr() - child.spawnedAt;
      // Make sure it is OUR child answering, not some other process that grabbed the port.
      if (listensOn(child.pid, port)) return at;
      if (!child.running) continue;
      throw new Error(`${child.name}: another process answers on port ${port}`);
    }
    await sleep(intervalMs);
  }
  throw new Error(`${child.name} not healthy within ${timeoutMs} ms:\n${child.tail()}`);
}

/** Waits for a line of stdout matching `pattern`; returns the match and ms since spawn. */
export function waitForLine(
  child: Child,
  pattern: RegExp,
  timeoutMs = 20_000,
): Promise<{ match: RegExpMatchArray; ms: number }> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      const t = hr();
      buffer += chunk.toString('utf8');
      const match = buffer.match(pattern);
      if (match) {
        done();
        resolve({ match, ms: t - child.spawnedAt });
      }
    };
    const onExit = () => {
      done();
      reject(new Error(`${child.name} exited (code ${child.exitCode}) before it was ready:\n${child.tail()}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${child.name}: no ready line within ${timeoutMs} ms:\n${child.tail()}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      child.proc.stdout?.off('data', onData);
      child.proc.off('exit', onExit);
    };
    child.proc.stdout?.on('data', onData);
    child.proc.once('exit', onExit);
  });
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a process in ms (from /proc/<pid>/stat). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / ticksPerSecond();
}

/** Peak (VmHWM) and current (VmRSS) resident set size in MB. */
export function rssMb(pid: number): { peak: number; current: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
  return { peak: kb('VmHWM') / 1024, current: kb('VmRSS') / 1024 };
}

/** CPU time (ms) the whole machine spent busy (all CPUs; /proc/stat, excluding idle and iowait). */
export function systemBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq + (steal || 0)) * 1000) / ticksPerSecond();
}
