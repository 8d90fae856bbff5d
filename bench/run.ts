/**
 * `npm run bench`: the L&R on-call bot against a bare Bolt baseline (testkit/baseline-app.ts), both as
 * child processes talking to a loopback fake Slack (testkit/fake-slack.ts run by bench/fake-slack.ts, its own child
 * process).
 *
 *   node dist/bench/run.js [--quick] [--json] [--cpu-prof]
 *
 *  1. start-up: spawn → ready (bot: GET /healthz 200; baseline: its ready line)
 *  2. load: signed /star-check at concurrency 1, 10, 50 to both apps at the same time (autocannon)
 *  3. whole conversations on the bot: /star-check to the audit message; /emergency-license to the
 *     uploaded license file (local adapter)
 *  4. store scale: 100,000 requests + 1,000,000 outbox rows; hot operations and start-up with it
 *  5. report (table or --json) and PASS/MISS per target. Exit 0 unless something crashed.
 *
 * --cpu-prof runs both apps under `node --cpu-prof` (kept in a temp dir that is printed) and adds a
 * summary of what dominates their CPU; the load numbers of such a run include profiler overhead.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { type FakeCounts, FakeSlackClient } from './fake-client';
import { runEmergencyFlows, runStarCheckFlows, type EmergencyFlowResult, type StarFlowResult } from './flows';
import { runLoadOnce, type LoadRunResult, type LoadTarget } from './load';
import {
  benchRoot,
  cleanupAll,
  cpuMs,
  installCleanupHandlers,
  makeTempDir,
  rssMb,
  systemBusyMs,
} from '../testkit/processes';
import {
  BASELINE_TOKEN,
  BOT_TOKEN,
  LICENSING_CHANNEL,
  SIGNING_SECRET_BASELINE,
  SIGNING_SECRET_BOT,
  botEnv,
  distDir,
  startBaseline,
  startBot,
} from './apps';
import { renderBurst, runBurst, type BurstResult } from './burst';
import {
  findProfiles,
  renderProfileComparison,
  renderStartupProfile,
  summarizeProfile,
  type ProfileSummary,
} from './profile';
import { hr } from '../testkit/signed-request';
import { median, type Summary } from './stats';
import { runStoreBench, type StoreBenchResult } from './store-bench';
import { renderHaSection, runHaSection, type HaSectionResult } from './ha-section';

// ------------------------------------------------------------------------------------------------
// Settings

interface Settings {
  mode: 'full' | 'quick';
  concurrencies: number[];
  reps: number;
  durationSec: number;
  warmupSec: number;
  starFlows: number;
  emergencyFlows: number;
  store: { requests: number; outbox: number; undelivered: number; samples: number; opBudgetMs: number };
}

const FULL: Settings = {
  mode: 'full',
  concurrencies: [1, 10, 50],
  reps: 3,
  durationSec: 5,
  warmupSec: 2,
  starFlows: 50,
  emergencyFlows: 20,
  store: { requests: 100_000, outbox: 1_000_000, undelivered: 2_000, samples: 2_000, opBudgetMs: 10_000 },
};

const QUICK: Settings = {
  ...FULL,
  mode: 'quick',
  reps: 1,
  durationSec: 3,
  warmupSec: 1,
  starFlows: 10,
  emergencyFlows: 5,
  // A tenth of the full store (the full fill alone takes ~25 s): the store targets are checked, but on a smaller store.
  store: { requests: 10_000, outbox: 100_000, undelivered: 200, samples: 500, opBudgetMs: 3_000 },
};

const TARGETS = {
  cpuRatio: 1.25,
  openP50DeltaMs: 5,
  rssRatio: 1.25,
  readyMs: 1500,
  storeP99Ms: 5,
  storeStartupMs: 2000,
  lateMs: 3000,
};

const args = new Set(process.argv.slice(2));
const settings = args.has('--quick') ? QUICK : FULL;
const jsonOutput = args.has('--json');
const cpuProf = args.has('--cpu-prof');
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

// ------------------------------------------------------------------------------------------------
// Aggregation

interface LoadScenario {
  connections: number;
  reps: number;
  durationSec: number;
  bot: LoadAggregate;
  baseline: LoadAggregate;
}

interface LoadAggregate {
  throughput: number;
  ackP50: number;
  ackP95: number;
  ackP99: number;
  ackMax: number;
  openP50: number;
  openP99: number;
  openMax: number;
  cpuPerCommandMs: number;
  peakRssMb: number;
  commands: number;
  handled: number;
  acksOver3s: number;
  acksOver3sFirstOnConnection: number;
  opensOver3s: number;
  opensOver3sFirstOnConnection: number;
  opensMissing: number;
  errors: number;
  /** Web API calls per handled command, by method (all reps). */
  apiCallsPerCommand: Record<string, number>;
  runs: LoadRunResult[];
}

function perCommand(runs: LoadRunResult[]): Record<string, number> {
  const commands = runs.reduce((acc, r) => acc + r.handled, 0);
  const calls: Record<string, number> = {};
  for (const r of runs) for (const [method, n] of Object.entries(r.apiCalls)) calls[method] = (calls[method] ?? 0) + n;
  return Object.fromEntries(Object.entries(calls).map(([method, n]) => [method, commands > 0 ? n / commands : NaN]));
}

const describeCalls = (calls: Record<string, number>) =>
  Object.entries(calls)
    .sort((a, b) => b[1] - a[1])
    .filter(([, n]) => n >= 0.005)
    .map(([method, n]) => `${method} ${n.toFixed(2)}`)
    .join(', ') || 'none';

function aggregate(runs: LoadRunResult[]): LoadAggregate {
  const m = (f: (r: LoadRunResult) => number) => median(runs.map(f));
  const sum = (f: (r: LoadRunResult) => number) => runs.reduce((acc, r) => acc + f(r), 0);
  return {
    throughput: m((r) => r.throughput),
    ackP50: m((r) => r.ack.p50),
    ackP95: m((r) => r.ack.p95),
    ackP99: m((r) => r.ack.p99),
    ackMax: Math.max(...runs.map((r) => r.ack.max)),
    openP50: m((r) => r.open.p50),
    openP99: m((r) => r.open.p99),
    openMax: Math.max(...runs.map((r) => r.open.max)),
    cpuPerCommandMs: m((r) => r.cpuPerCommandMs),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    commands: sum((r) => r.commands),
    handled: sum((r) => r.handled),
    acksOver3s: sum((r) => r.acksOver3s),
    acksOver3sFirstOnConnection: sum((r) => r.acksOver3sFirstOnConnection),
    opensOver3s: sum((r) => r.opensOver3s),
    opensOver3sFirstOnConnection: sum((r) => r.opensOver3sFirstOnConnection),
    opensMissing: sum((r) => r.opensMissing),
    errors: sum((r) => r.errors),
    apiCallsPerCommand: perCommand(runs),
    runs,
  };
}

// ------------------------------------------------------------------------------------------------
// Report

interface Check {
  target: string;
  value: string;
  pass: boolean;
}

interface Report {
  meta: Record<string, unknown>;
  startup: { botReadyMs: number; baselineReadyMs: number; botRestartReadyMs?: number; botReadyFilledStoreMs?: number };
  load: LoadScenario[];
  overall: { botPeakRssMb: number; baselinePeakRssMb: number };
  burst: BurstResult;
  flows: { starCheck?: StarFlowResult; emergencyLicense?: EmergencyFlowResult };
  store?: StoreBenchResult;
  /** PostgreSQL store figures and two-replica load (issue 11). */
  ha?: HaSectionResult;
  profiles: {
    bot?: ProfileSummary;
    baseline?: ProfileSummary;
    botStartup?: ProfileSummary;
    botCommands?: number;
    baselineCommands?: number;
    dir?: string;
  };
  fakeCounts: FakeCounts;
  checks: Check[];
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const f3 = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : 'n/a');
const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? a / b : NaN);

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('   '), ...rows.map(line)].join('\n');
}

function checks(r: Report): Check[] {
  const out: Check[] = [];
  for (const s of r.load) {
    const q = ratio(s.bot.cpuPerCommandMs, s.baseline.cpuPerCommandMs);
    out.push({
      target: `CPU per command at c=${s.connections} within ${TARGETS.cpuRatio}x of baseline`,
      value: `${f3(s.bot.cpuPerCommandMs)} vs ${f3(s.baseline.cpuPerCommandMs)} ms = ${f2(q)}x`,
      pass: q <= TARGETS.cpuRatio,
    });
  }
  const c1 = r.load.find((s) => s.connections === 1);
  if (c1) {
    const delta = c1.bot.openP50 - c1.baseline.openP50;
    out.push({
      target: `c=1 command -> views.open p50 within ${TARGETS.openP50DeltaMs} ms of baseline`,
      value: `${f2(c1.bot.openP50)} vs ${f2(c1.baseline.openP50)} ms (+${f2(delta)} ms)`,
      pass: delta <= TARGETS.openP50DeltaMs,
    });
  }
  const c50 = r.load.find((s) => s.connections === 50);
  if (c50) {
    out.push({
      target: 'c=50 no ack over 3 s (bot)',
      value:
        `${c50.bot.acksOver3s} of ${f0(c50.bot.commands)}, ${c50.bot.acksOver3sFirstOnConnection} of them ` +
        `first on a new connection (baseline ${c50.baseline.acksOver3s})`,
      pass: c50.bot.acksOver3s === 0,
    });
    const late = c50.bot.opensOver3s + c50.bot.opensMissing;
    out.push({
      target: 'c=50 no views.open after 3 s (bot)',
      value:
        `${c50.bot.opensOver3s} late (${c50.bot.opensOver3sFirstOnConnection} first on a new connection) + ` +
        `${c50.bot.opensMissing} missing (baseline ${c50.baseline.opensOver3s} + ${c50.baseline.opensMissing}` +
        `)`,
      pass: late === 0,
    });
  }
  const rq = ratio(r.overall.botPeakRssMb, r.overall.baselinePeakRssMb);
  out.push({
    target: `peak RSS within ${TARGETS.rssRatio}x of baseline`,
    value: `${f1(r.overall.botPeakRssMb)} vs ${f1(r.overall.baselinePeakRssMb)} MB = ${f2(rq)}x`,
    pass: rq <= TARGETS.rssRatio,
  });
  const bq = ratio(r.burst.bot.treePeakMb, r.burst.baseline.treePeakMb);
  out.push({
    target: `peak RSS of one burst (process tree) within ${TARGETS.rssRatio}x of baseline`,
    value: `${f1(r.burst.bot.treePeakMb)} vs ${f1(r.burst.baseline.treePeakMb)} MB = ${f2(bq)}x`,
    pass: bq <= TARGETS.rssRatio,
  });
  out.push({
    target: `bot ready < ${TARGETS.readyMs} ms`,
    value: `${f0(r.startup.botReadyMs)} ms`,
    pass: r.startup.botReadyMs < TARGETS.readyMs,
  });
  if (r.store) {
    for (const [op, s] of Object.entries(r.store.ops)) {
      out.push({
        target: `filled store ${op} p99 < ${TARGETS.storeP99Ms} ms`,
        value: `${f3(s.p99)} ms`,
        pass: s.p99 < TARGETS.storeP99Ms,
      });
    }
    out.push({
      target: `filled store reopen < ${TARGETS.storeStartupMs} ms`,
      value: `${f1(r.store.reopenMs)} ms`,
      pass: r.store.reopenMs < TARGETS.storeStartupMs,
    });
    const filledReady = r.startup.botReadyFilledStoreMs ?? NaN;
    out.push({
      target: `bot ready with filled store < ${TARGETS.storeStartupMs} ms`,
      value: `${f0(filledReady)} ms`,
      pass: filledReady < TARGETS.storeStartupMs,
    });
  }
  return out;
}

function render(r: Report): string {
  const parts: string[] = [];
  parts.push(
    (
      `L&R on-call bot benchmark (${settings.mode}: ${settings.reps} x ${settings.durationSec} s per concurrency, ` +
      `medians) - node ${process.version}, ${cpus().length} CPU(s) ${cpus()[0]?.model ?? ''}`
    ).trim(),
  );
  const noise = r.meta.noiseDuringLoad as { otherProcessesCores: number; harnessCores: number; loadavg1: number };
  parts.push(
    `CPU during the load phase: load generator + fake Slack used ${f2(noise.harnessCores)} cores; unrelated ` +
      `processes ${f2(noise.otherProcessesCores)} of ${cpus().length} cores (load average ` +
      `${f1(noise.loadavg1)})`,
  );
  parts.push(
    `Start-up (spawn -> ready): bot ${f0(r.startup.botReadyMs)} ms (GET /healthz 200; fresh data dir, so it ` +
      `generates its dev signing key), ` +
      (`baseline ${f0(r.startup.baselineReadyMs)} ms (ready line); bot restart on the same data dir ` +
        `${f0(r.startup.botRestartReadyMs ?? NaN)} ms`),
  );
  for (const s of r.load) {
    const b = s.bot;
    const z = s.baseline;
    const row = (name: string, x: number, y: number, fmt: (n: number) => string, withRatio = false) => [
      name,
      fmt(x),
      fmt(y),
      withRatio ? `${f2(ratio(x, y))}x` : '',
    ];
    parts.push(
      `\n/star-check load, c=${s.connections} (${s.reps} x ${s.durationSec} s, bot and baseline loaded at the ` +
        `same time)\n` +
        table(
          ['metric', 'bot', 'baseline', 'bot/baseline'],
          [
            row('throughput (req/s)', b.throughput, z.throughput, f0),
            row('ack p50 (ms)', b.ackP50, z.ackP50, f2),
            row('ack p95 (ms)', b.ackP95, z.ackP95, f2),
            row('ack p99 (ms)', b.ackP99, z.ackP99, f2),
            row('ack max, all reps (ms)', b.ackMax, z.ackMax, f0),
            row('command -> views.open p50 (ms)', b.openP50, z.openP50, f2),
            row('command -> views.open p99 (ms)', b.openP99, z.openP99, f2),
            row('command -> views.open max, all reps (ms)', b.openMax, z.openMax, f0),
            row('CPU per command (ms)', b.cpuPerCommandMs, z.cpuPerCommandMs, f3, true),
            row('peak RSS (MB)', b.peakRssMb, z.peakRssMb, f1, true),
            ['commands acked (all reps)', f0(b.commands), f0(z.commands), ''],
            [
              'acks over 3 s (first on a connection)',
              `${b.acksOver3s} (${b.acksOver3sFirstOnConnection})`,
              `${z.acksOver3s} (${z.acksOver3sFirstOnConnection})`,
              '',
            ],
            [
              'views.open after 3 s (first on conn.) / missing',
              `${b.opensOver3s} (${b.opensOver3sFirstOnConnection}) / ${b.opensMissing}`,
              `${z.opensOver3s} (${z.opensOver3sFirstOnConnection}) / ${z.opensMissing}`,
              '',
            ],
            ['errors (non-200, timeouts)', String(b.errors), String(z.errors), ''],
          ],
        ) +
        (`\nWeb API calls per handled command: bot ${describeCalls(b.apiCallsPerCommand)}; baseline ` +
          `${describeCalls(z.apiCallsPerCommand)}`),
    );
  }
  const stepRows = (steps: [string, Summary][]) =>
    steps.map(([name, s]) => [name, String(s.n), f2(s.p50), f2(s.p99), f2(s.max)]);
  if (r.flows.starCheck) {
    const x = r.flows.starCheck;
    parts.push(
      `\n/star-check conversation on the bot (${x.n} runs, one at a time)\n` +
        table(
          ['step', 'n', 'p50 (ms)', 'p99 (ms)', 'max (ms)'],
          stepRows([
            ['command ack', x.commandAck],
            ['command -> views.open', x.commandToOpen],
            ['submission 1 ack (modal grows)', x.growAck],
            ['submission 2 ack (verdict)', x.verdictAck],
            ['verdict submit -> audit postMessage', x.verdictToAudit],
            ['command -> audit postMessage', x.total],
          ]),
        ) +
        (x.failures.length ? `\nFAILURES:\n  ${x.failures.join('\n  ')}` : ''),
    );
  }
  if (r.flows.emergencyLicense) {
    const x = r.flows.emergencyLicense;
    parts.push(
      `\n/emergency-license flow on the bot, local adapter (${x.n} runs; expiration ${x.expirationDate}, grace ` +
        `ended 1 day ago)\n` +
        table(
          ['step', 'n', 'p50 (ms)', 'p99 (ms)', 'max (ms)'],
          stepRows([
            ['command ack', x.commandAck],
            ['command -> views.open', x.commandToOpen],
            ['form submit -> status-view ack', x.statusAck],
            ['form submit -> channel notice posted', x.submitToNotice],
            ['form submit -> file upload completed', x.submitToUpload],
          ]),
        ) +
        (x.failures.length ? `\nFAILURES:\n  ${x.failures.join('\n  ')}` : ''),
    );
  }
  if (r.store) {
    const s = r.store;
    parts.push(
      `\nStore scale (${f0(s.requests)} requests + ${f0(s.outbox)} outbox rows, ${f0(s.undelivered)} ` +
        `undelivered; file ${f0(s.fileMb)} MB, filled in ${f1(s.fillMs / 1000)} s)\n` +
        table(
          ['operation', 'n', 'p50 (ms)', 'p95 (ms)', 'p99 (ms)', 'max (ms)', 'rows'],
          (Object.entries(s.ops) as [keyof typeof s.ops, Summary][]).map(([op, x]) => [
            op,
            String(x.n),
            f3(x.p50),
            f3(x.p95),
            f3(x.p99),
            f3(x.max),
            op === 'createRequest' ? '' : f1(s.rowsPerLookup[op]),
          ]),
        ) +
        (`\nreopen the filled store: ${f1(s.reopenMs)} ms (first query after: ${f2(s.firstQueryAfterReopenMs)} ` +
          `ms); bot spawn -> ready with it: ${f0(r.startup.botReadyFilledStoreMs ?? NaN)} ms`),
    );
  }
  parts.push(`\n${renderBurst(r.burst)}`);
  if (r.ha) parts.push(renderHaSection(r.ha, r.store?.fillMs));
  const p = r.profiles;
  if (p.bot && p.baseline && p.botCommands && p.baselineCommands)
    parts.push(`\n${renderProfileComparison(p.bot, p.botCommands, p.baseline, p.baselineCommands)}`);
  if (p.botStartup) parts.push(`\n${renderStartupProfile(p.botStartup)}`);
  parts.push(`\nTargets\n${r.checks.map((c) => `  ${c.pass ? 'PASS' : 'MISS'}  ${c.target}: ${c.value}`).join('\n')}`);
  const missed = r.checks.filter((c) => !c.pass).length;
  parts.push(
    `\n${missed === 0 ? 'All targets met.' : `${missed} of ${r.checks.length} targets missed.`}` +
      `${cpuProf ? ' (profiled run: load numbers include --cpu-prof overhead)' : ''}`,
  );
  return parts.join('\n');
}

// ------------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  installCleanupHandlers();
  const started = Date.now();
  const workDir = makeTempDir('lr-bench-');
  const profileDir = cpuProf ? mkdtempSync(join(benchRoot(), 'profiles-')) : undefined;
  log(`${settings.mode} run; temp dir ${workDir}${profileDir ? `, profiles in ${profileDir}` : ''}`);

  const fake = await FakeSlackClient.start(distDir);
  log(`fake Slack on ${fake.baseUrl}`);

  const bot = await startBot(fake, join(workDir, 'bot-data'), workDir, profileDir);
  log(`bot ready in ${Math.round(bot.readyMs)} ms on port ${bot.port}`);
  const baseline = await startBaseline(fake, workDir, profileDir);
  log(`baseline ready in ${Math.round(baseline.readyMs)} ms on port ${baseline.port}`);

  const targets: LoadTarget[] = [
    { name: 'bot', tag: 'B', port: bot.port, pid: bot.child.pid, signingSecret: SIGNING_SECRET_BOT, token: BOT_TOKEN },
    {
      name: 'baseline',
      tag: 'Z',
      port: baseline.port,
      pid: baseline.child.pid,
      signingSecret: SIGNING_SECRET_BASELINE,
      token: BASELINE_TOKEN,
    },
  ];

  // How busy the rest of the machine is during the load (other processes share these CPUs).
  const ourPids = [process.pid, fake.child.pid, bot.child.pid, baseline.child.pid];
  const ourCpu = () => ourPids.reduce((acc, pid) => acc + cpuMs(pid), 0);
  const harnessCpu = () => cpuMs(process.pid) + cpuMs(fake.child.pid);
  const noiseStart = { busy: systemBusyMs(), ours: ourCpu(), harness: harnessCpu(), at: Date.now() };

  log(`warm-up: c=10 for ${settings.warmupSec} s`);
  await runLoadOnce(targets, fake, 10, settings.warmupSec);

  const load: LoadScenario[] = [];
  const loadWindow = { fromMs: hr(), toMs: 0 };
  for (const c of settings.concurrencies) {
    const botRuns: LoadRunResult[] = [];
    const baseRuns: LoadRunResult[] = [];
    for (let rep = 0; rep < settings.reps; rep++) {
      if (!bot.child.running || !baseline.child.running)
        throw new Error(`an app died during the load:\n${bot.child.tail()}\n${baseline.child.tail()}`);
      const [b, z] = await runLoadOnce(targets, fake, c, settings.durationSec);
      botRuns.push(b);
      baseRuns.push(z);
      log(
        `c=${c} rep ${rep + 1}/${settings.reps}: bot ${Math.round(b.throughput)} req/s, ` +
          `${b.cpuPerCommandMs.toFixed(3)} ms CPU/cmd; baseline ${Math.round(z.throughput)} req/s, ` +
          `${z.cpuPerCommandMs.toFixed(3)} ms CPU/cmd`,
      );
    }
    load.push({
      connections: c,
      reps: settings.reps,
      durationSec: settings.durationSec,
      bot: aggregate(botRuns),
      baseline: aggregate(baseRuns),
    });
  }
  loadWindow.toMs = hr();
  const overall = { botPeakRssMb: rssMb(bot.child.pid).peak, baselinePeakRssMb: rssMb(baseline.child.pid).peak };
  const noise = {
    otherProcessesCores:
      (systemBusyMs() - noiseStart.busy - (ourCpu() - noiseStart.ours)) / (Date.now() - noiseStart.at),
    harnessCores: (harnessCpu() - noiseStart.harness) / (Date.now() - noiseStart.at),
    loadavg1: loadavg()[0],
  };
  log(`other processes used ${noise.otherProcessesCores.toFixed(2)} CPU cores on average during the load`);

  const flowTarget = { port: bot.port, signingSecret: SIGNING_SECRET_BOT, licensingChannel: LICENSING_CHANNEL };
  log(`/star-check conversation x ${settings.starFlows}`);
  const starCheck = await runStarCheckFlows(flowTarget, fake, settings.starFlows, 60_000);
  log(`/emergency-license flow x ${settings.emergencyFlows}`);
  const emergencyLicense = await runEmergencyFlows(flowTarget, fake, settings.emergencyFlows, 60_000);

  // Graceful stop (SIGINT), so a --cpu-prof profile gets written.
  await Promise.all([bot.child.stop(8000, 'SIGINT'), baseline.child.stop(8000, 'SIGINT')]);
  const profiles: Report['profiles'] = {};
  if (profileDir) {
    profiles.dir = profileDir;
    const commands = (who: 'bot' | 'baseline') => load.reduce((acc, sc) => acc + sc[who].handled, 0);
    profiles.botCommands = commands('bot');
    profiles.baselineCommands = commands('baseline');
    for (const file of findProfiles(profileDir)) {
      if (file.endsWith('bot.cpuprofile')) {
        profiles.bot = summarizeProfile(file, loadWindow);
        profiles.botStartup = summarizeProfile(file, {
          fromMs: bot.child.spawnedAt,
          toMs: bot.child.spawnedAt + bot.readyMs,
        });
      } else if (file.endsWith('baseline.cpuprofile')) profiles.baseline = summarizeProfile(file, loadWindow);
    }
  }

  // Restart on the same data dir (dev signing key and SQLite file exist now): what a redeploy pays.
  const restarted = await startBot(fake, join(workDir, 'bot-data'), workDir);
  log(`bot restarted (existing data dir) in ${Math.round(restarted.readyMs)} ms`);
  await restarted.child.stop(5000);
  log('one burst of /star-check to a fresh bot and a fresh baseline, process-tree RSS sampled');
  const burst = await runBurst(fake, workDir);

  log(
    `store: filling ${settings.store.requests.toLocaleString('en-US')} requests + ` +
      `${settings.store.outbox.toLocaleString('en-US')} outbox rows`,
  );
  const storeDir = join(workDir, 'store-data');
  const store = await runStoreBench(storeDir, settings.store, log);
  const filled = await startBot(fake, storeDir, workDir);
  log(`bot ready with the filled store in ${Math.round(filled.readyMs)} ms`);
  await filled.child.stop(5000);

  const ha = await runHaSection(
    {
      store: settings.store,
      concurrencies: settings.concurrencies.filter((c) => c >= 10),
      durationSec: settings.durationSec,
    },
    {
      distDir,
      workDir,
      fake,
      botEnv: (port, dataDir) => botEnv(fake, port, dataDir),
      credentials: { signingSecret: SIGNING_SECRET_BOT, token: BOT_TOKEN },
      log,
      sqliteStoreDir: storeDir,
      sqliteOps: store.ops,
    },
  );

  const report: Report = {
    meta: {
      mode: settings.mode,
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      settings,
      targets: TARGETS,
      wallSec: 0,
      noiseDuringLoad: noise,
    },
    startup: {
      botReadyMs: bot.readyMs,
      baselineReadyMs: baseline.readyMs,
      botRestartReadyMs: restarted.readyMs,
      botReadyFilledStoreMs: filled.readyMs,
    },
    load,
    overall,
    burst,
    flows: { starCheck, emergencyLicense },
    store,
    ha,
    profiles,
    fakeCounts: await fake.counts(),
    checks: [],
  };
  report.checks = checks(report);
  await fake.stop();
  report.meta.wallSec = (Date.now() - started) / 1000;

  if (jsonOutput) {
    // Per-rep details stay in the JSON; drop nothing.
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`${render(report)}\n`);
    if (profileDir)
      process.stdout.write(`CPU profiles kept in ${profileDir} (open in Chrome DevTools > Performance).\n`);
  }
  log(`done in ${(report.meta.wallSec as number).toFixed(0)} s`);
}

main()
  .then(async () => {
    await cleanupAll();
    process.exit(0);
  })
  .catch(async (error: unknown) => {
    process.stderr.write(`bench crashed: ${(error as Error)?.stack ?? String(error)}\n`);
    await cleanupAll().catch(() => undefined);
    process.exit(1);
  });
