/**
 * /star-check load against two replicas of the bot sharing one PostgreSQL (HTTP mode, each on its
 * own port, as behind a load balancer): the same signed commands as the single-bot load, at
 * concurrency c split evenly over the two replicas, run at the same time.
 */
import { join } from 'node:path';
import type { FakeSlackClient } from './fake-client';
import { runLoadOnce, type LoadRunResult } from './load';
import { freePort, spawnNode, waitHealthy, type Child } from '../testkit/processes';
import { type Summary } from './stats';

export interface HaLoadResult {
  connections: number;
  durationSec: number;
  /** Commands per second, both replicas together. */
  throughput: number;
  ack: Summary;
  open: Summary;
  errors: number;
  acksOver3s: number;
  perReplica: { commands: number; throughput: number; ackP99: number }[];
}

export interface HaReplicas {
  children: Child[];
  ports: number[];
  readyMs: number[];
}

export async function startReplicas(
  distDir: string,
  env: (port: number, dataDir: string) => NodeJS.ProcessEnv,
  databaseUrl: string,
  workDir: string,
): Promise<HaReplicas> {
  const started = await Promise.all(
    [1, 2].map(async (n) => {
      const port = await freePort();
      const base = env(port, join(workDir, `replica-${n}-data`));
      // A token per replica, so the fake Slack's per-token call counts tell the replicas apart.
      const child = spawnNode(
        `replica-${n}`,
        join(distDir, 'src', 'main.js'),
        { ...base, SLACK_BOT_TOKEN: `${base.SLACK_BOT_TOKEN}-r${n}`, DATABASE_URL: databaseUrl },
        { cwd: workDir },
      );
      return { child, port, readyMs: await waitHealthy(child, port, 30_000) };
    }),
  );
  return {
    children: started.map((s) => s.child),
    ports: started.map((s) => s.port),
    readyMs: started.map((s) => s.readyMs),
  };
}

export async function runHaLoad(
  replicas: HaReplicas,
  fake: FakeSlackClient,
  credentials: { signingSecret: string; token: string },
  connections: number,
  durationSec: number,
): Promise<HaLoadResult> {
  const targets = replicas.ports.map((port, i) => ({
    name: `replica-${i + 1}`,
    tag: `R${i + 1}`,
    port,
    pid: replicas.children[i].pid,
    signingSecret: credentials.signingSecret,
    token: `${credentials.token}-r${i + 1}`,
  }));
  const runs: LoadRunResult[] = await runLoadOnce(targets, fake, Math.max(1, Math.floor(connections / 2)), durationSec);
  // Merged percentiles need the samples; the per-run summaries are close enough when both runs have
  // similar counts, so take the worse of the two per percentile (an upper bound).
  const worse = (pick: (r: LoadRunResult) => Summary, key: keyof Summary) => Math.max(...runs.map((r) => pick(r)[key]));
  const merged = (pick: (r: LoadRunResult) => Summary): Summary => ({
    n: runs.reduce((n, r) => n + pick(r).n, 0),
    p50: worse(pick, 'p50'),
    p95: worse(pick, 'p95'),
    p99: worse(pick, 'p99'),
    max: worse(pick, 'max'),
  });
  return {
    connections,
    durationSec,
    throughput: runs.reduce((n, r) => n + r.throughput, 0),
    ack: merged((r) => r.ack),
    open: merged((r) => r.open),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    acksOver3s: runs.reduce((n, r) => n + r.acksOver3s, 0),
    perReplica: runs.map((r) => ({ commands: r.commands, throughput: r.throughput, ackP99: r.ack.p99 })),
  };
}
