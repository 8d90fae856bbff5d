/**
 * The memory a container limit sees: a fresh bot and a fresh bare Bolt app, each given one burst of
 * `/star-check` on its own (1,000 at c=50 by default), while the resident memory of its whole
 * process tree (the process and any descendants; worker threads are in the process) is sampled every
 * 10 ms. Reported per app: the highest sampled sum of VmRSS, and the process's own VmHWM (the
 * kernel's high-water mark, which no sampling can miss). The long load section's peak comes after
 * 45 s of load at three concurrencies, which also grows the baseline's heap; this is the
 * independent-run view: start, one burst, the highest reading.
 *
 *   node dist/bench/burst.js [--amount 1000] [--connections 50]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { FakeSlackClient } from './fake-client';
import { runLoadOnce, type LoadTarget } from './load';
import {
  BASELINE_TOKEN,
  BOT_TOKEN,
  SIGNING_SECRET_BASELINE,
  SIGNING_SECRET_BOT,
  distDir,
  startBaseline,
  startBot,
  type App,
} from './apps';
import { cleanupAll, installCleanupHandlers, makeTempDir, rssMb, sleep } from '../testkit/processes';

export interface BurstApp {
  /** Highest sum of VmRSS over the process tree, sampled every 10 ms during the burst (MB). */
  treePeakMb: number;
  /** The process's own VmHWM after the burst (MB). */
  hwmMb: number;
  /** VmRSS when ready, before the burst (MB). */
  readyMb: number;
  processes: number;
  commands: number;
}

export interface BurstResult {
  amount: number;
  connections: number;
  bot: BurstApp;
  baseline: BurstApp;
}

const readKb = (pid: number, key: string): number => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0);
  } catch {
    return 0; // exited between listing and reading
  }
};

/** `pid` and its descendants (/proc/<pid>/task/<tid>/children). */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const tid of readdirSync(`/proc/${out[i]}/task`)) {
        const kids = readFileSync(`/proc/${out[i]}/task/${tid}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(' ').map(Number));
      }
    } catch {
      // exited
    }
  }
  return out;
}

const treeRssKb = (pid: number) => processTree(pid).reduce((sum, p) => sum + readKb(p, 'VmRSS'), 0);

async function burstOne(
  app: App,
  target: Omit<LoadTarget, 'port' | 'pid'>,
  fake: FakeSlackClient,
  amount: number,
  connections: number,
): Promise<BurstApp> {
  const pid = app.child.pid;
  const readyMb = treeRssKb(pid) / 1024;
  let peakKb = 0;
  let processes = 1;
  const sample = () => {
    const tree = processTree(pid);
    processes = Math.max(processes, tree.length);
    peakKb = Math.max(
      peakKb,
      tree.reduce((sum, p) => sum + readKb(p, 'VmRSS'), 0),
    );
  };
  const timer = setInterval(sample, 10);
  const [run] = await runLoadOnce([{ ...target, port: app.port, pid }], fake, connections, { amount });
  clearInterval(timer);
  sample();
  return { treePeakMb: peakKb / 1024, hwmMb: rssMb(pid).peak, readyMb, processes, commands: run.commands };
}

/** Starts its own apps (stopped afterwards); `fake` is shared with the caller. */
export async function runBurst(
  fake: FakeSlackClient,
  workDir: string,
  amount = 1000,
  connections = 50,
): Promise<BurstResult> {
  const bot = await startBot(fake, `${workDir}/burst-bot-data`, workDir);
  const baseline = await startBaseline(fake, workDir);
  try {
    await sleep(500);
    const botTarget = { name: 'bot', tag: 'X', signingSecret: SIGNING_SECRET_BOT, token: BOT_TOKEN };
    const baseTarget = { name: 'baseline', tag: 'Y', signingSecret: SIGNING_SECRET_BASELINE, token: BASELINE_TOKEN };
    return {
      amount,
      connections,
      bot: await burstOne(bot, botTarget, fake, amount, connections),
      baseline: await burstOne(baseline, baseTarget, fake, amount, connections),
    };
  } finally {
    await Promise.all([bot.child.stop(5000), baseline.child.stop(5000)]);
  }
}

export function renderBurst(r: BurstResult): string {
  const line = (name: string, a: BurstApp) =>
    `  ${name.padEnd(9)} process tree peak ${a.treePeakMb.toFixed(1)} MB (${a.processes} process` +
    `${a.processes > 1 ? 'es' : ''}), VmHWM ${a.hwmMb.toFixed(1)} MB, ready ${a.readyMb.toFixed(1)} MB, ` +
    `${a.commands} commands`;
  return [
    `Peak RSS of one burst (fresh apps, ${r.amount} /star-check at c=${r.connections} each, sampled every 10 ms):`,
    line('bot', r.bot),
    line('baseline', r.baseline),
    `  ratio     ${(r.bot.treePeakMb / r.baseline.treePeakMb).toFixed(2)}x (tree peak), ` +
      `${(r.bot.hwmMb / r.baseline.hwmMb).toFixed(2)}x (VmHWM)`,
  ].join('\n');
}

if (require.main === module) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  installCleanupHandlers();
  (async () => {
    const fake = await FakeSlackClient.start(distDir);
    try {
      const r = await runBurst(fake, makeTempDir('lr-burst-'), arg('--amount', 1000), arg('--connections', 50));
      console.log(renderBurst(r));
    } finally {
      await fake.stop();
      await cleanupAll();
    }
  })().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
