/**
 * The bot as a real child process (`node -r ./testkit/ts-register.js src/main.ts`), configured
 * only through environment variables, so that tests can SIGKILL or SIGTERM it like an orchestrator.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { BOT_TOKEN, LICENSING_CHANNEL, SIGNING_SECRET } from './bot-under-test';
import { TS_REGISTER } from './constants';

export const PROJECT_ROOT = resolve(__dirname, '..');

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the process exited. */
  at: number;
}

export interface ChildBot {
  proc: ChildProcess;
  port: number;
  baseUrl: string;
  /** stdout + stderr lines, as written. */
  lines: string[];
  exited: Promise<ChildExit>;
  /** Resolves with the first log line matching, now or later. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends the signal (if still running) and waits for the exit. */
  kill(signal: NodeJS.Signals, timeoutMs?: number): Promise<ChildExit>;
}

const running = new Set<ChildProcess>();

/** Base environment of a child bot talking to the fake Slack at `apiUrl`. */
export function childEnv(
  options: { apiUrl: string; port: number; dataDir: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'test',
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_MODE: 'http',
    PORT: String(options.port),
    SLACK_API_URL: options.apiUrl,
    LICENSING_CHANNEL,
    DATA_DIR: options.dataDir,
    LOG_LEVEL: 'debug',
    AUTHORIZATION_MODE: 'open',
    // Any free port (the ready line names it: childMetricsPort).
    METRICS_PORT: '0',
    ...extra,
  };
}

export async function spawnBot(
  env: Record<string, string>,
  readyTimeoutMs = 20_000,
  preload: string[] = [],
): Promise<ChildBot> {
  const proc = spawn(process.execPath, ['-r', TS_REGISTER, ...preload.flatMap((p) => ['-r', p]), 'src/main.ts'], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const onData = (prefix: string) => {
    let partial = '';
    return (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        const entry = prefix + line;
        lines.push(entry);
        for (const listener of [...listeners]) listener(entry);
      }
    };
  };
  proc.stdout?.on('data', onData(''));
  proc.stderr?.on('data', onData('[stderr] '));
  const exited = new Promise<ChildExit>((resolveExit) => {
    proc.once('exit', (code, signal) => {
      running.delete(proc);
      resolveExit({ code, signal, at: performance.now() });
    });
  });

  const waitForLine = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<string>((resolveLine, reject) => {
      const found = lines.find((l) => pattern.test(l));
      if (found) return resolveLine(found);
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(
          new Error(
            `child bot: no log line matching ${pattern} within ${timeoutMs} ms; last lines:\n` +
              `${lines.slice(-15).join('\n')}`,
          ),
        );
      }, timeoutMs);
      const listener = (line: string) => {
        if (!pattern.test(line)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolveLine(line);
      };
      listeners.add(listener);
      void exited.then(() => {
        if (!listeners.has(listener)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        reject(new Error(`child bot exited before logging ${pattern}; last lines:\n${lines.slice(-15).join('\n')}`));
      });
    });

  const kill = async (signal: NodeJS.Signals, timeoutMs = 15_000) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`child bot did not exit within ${timeoutMs} ms of ${signal}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const port = Number(env.PORT);
  const bot: ChildBot = { proc, port, baseUrl: `http://127.0.0.1:${port}`, lines, exited, waitForLine, kill };
  try {
    await waitForLine(/L&R on-call bot ready/, readyTimeoutMs);
  } catch (error) {
    await kill('SIGKILL').catch(() => undefined);
    throw error;
  }
  return bot;
}

/** SIGKILLs every child bot still running (for afterAll/afterEach). */
export async function killAllChildBots(): Promise<void> {
  await Promise.all(
    [...running].map(
      (proc) =>
        new Promise<void>((resolveKill) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return resolveKill();
          proc.once('exit', () => resolveKill());
          proc.kill('SIGKILL');
        }),
    ),
  );
}

/** The pino JSON lines of the child's stdout, parsed. */
export function childLogs(bot: ChildBot): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of bot.lines) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // partial or non-JSON line
    }
  }
  return out;
}

/** The METRICS_PORT a child bot bound (from its ready line). */
export function childMetricsPort(bot: ChildBot): number {
  const ready = childLogs(bot).find((l) => l.msg === 'L&R on-call bot ready');
  if (typeof ready?.metricsPort !== 'number') throw new Error('the bot has not said which METRICS_PORT it bound');
  return ready.metricsPort;
}
