/** The two apps the bench compares, started as child processes against the fake Slack. */
import { join, resolve } from 'node:path';
import type { FakeSlackClient } from './fake-client';
import { type Child, freePort, spawnNode, waitForLine, waitHealthy } from '../testkit/processes';

export const SIGNING_SECRET_BOT = 'bench-signing-secret-bot-0123456789';
export const SIGNING_SECRET_BASELINE = 'bench-signing-secret-baseline-0123456789';
export const LICENSING_CHANNEL = 'C0BENCH01';
export const BOT_TOKEN = 'xoxb-bench';
export const BASELINE_TOKEN = 'xoxb-baseline';

export const distDir = resolve(__dirname, '..');
const baseEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' });

export function botEnv(fake: FakeSlackClient, port: number, dataDir: string): NodeJS.ProcessEnv {
  return {
    ...baseEnv(),
    SLACK_MODE: 'http',
    PORT: String(port),
    METRICS_PORT: '0',
    SLACK_API_URL: fake.apiUrl,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET_BOT,
    LICENSING_CHANNEL,
    AUTHORIZATION_MODE: 'open',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    SHUTDOWN_TIMEOUT_MS: '3000',
  };
}

export interface App {
  child: Child;
  port: number;
  readyMs: number;
}

export async function startBot(fake: FakeSlackClient, dataDir: string, cwd: string, profileDir?: string): Promise<App> {
  const port = await freePort();
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-name=bot.cpuprofile'] : [];
  const child = spawnNode('bot', join(distDir, 'src', 'main.js'), botEnv(fake, port, dataDir), { cwd, nodeArgs });
  const readyMs = await waitHealthy(child, port);
  return { child, port, readyMs };
}

export async function startBaseline(fake: FakeSlackClient, cwd: string, profileDir?: string): Promise<App> {
  const nodeArgs = profileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-name=baseline.cpuprofile']
    : [];
  const env = {
    ...baseEnv(),
    PORT: '0',
    SLACK_SIGNING_SECRET: SIGNING_SECRET_BASELINE,
    SLACK_BOT_TOKEN: BASELINE_TOKEN,
    SLACK_API_URL: fake.apiUrl,
  };
  const child = spawnNode('baseline', join(distDir, 'testkit', 'baseline-app.js'), env, { cwd, nodeArgs });
  const { match, ms } = await waitForLine(child, /"msg":"baseline app listening","port":(\d+)/);
  return { child, port: Number(match[1]), readyMs: ms };
}
