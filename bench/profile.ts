/**
 * Summaries of V8 `.cpuprofile`s (from `node --cpu-prof`): self time by package and by function, and
 * inclusive time of the project's own functions (dist/src/...), within a time window.
 *
 * V8 profile timestamps are microseconds of the monotonic clock, the same clock as `hr()` on Linux,
 * so a window measured by the benchmark (e.g. the load runs, or spawn → ready) selects exactly the
 * samples taken during it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileRow {
  name: string;
  ms: number;
}

export interface ProfileSummary {
  file: string;
  /** Sampled time in the window, idle excluded (ms). */
  busyMs: number;
  windowMs: number;
  byPackage: ProfileRow[];
  bySelf: ProfileRow[];
  ownInclusive: ProfileRow[];
  /** Inclusive time of module top-level code (i.e. require/loading), by package; nested packages count in both. */
  moduleLoad: ProfileRow[];
}

const IDLE = new Set(['(idle)']);

function packageOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native/builtin)';
  if (url.startsWith('node:')) return url.startsWith('node:internal/') ? 'node:internal' : 'node:lib';
  const nm = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (nm) return nm[1];
  const own = url.match(/\/dist\/(src|bench)\/(.*?)(?:\.js)?$/);
  if (own)
    return `${own[1]}/${own[2]
      .split('/')
      .slice(0, own[1] === 'src' ? 2 : 1)
      .join('/')}`;
  return url.replace(/^file:\/\//, '');
}

const shortUrl = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/dist\//, 'dist/');

/** `window` in monotonic ms (`hr()`); the whole profile when omitted. */
export function summarizeProfile(file: string, window?: { fromMs: number; toMs: number }, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const fromUs = window ? window.fromMs * 1000 : -Infinity;
  const toUs = window ? window.toMs * 1000 : Infinity;
  const self = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < fromUs || t > toUs) continue;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt / 1000);
  }
  const pkg = new Map<string, number>();
  const fn = new Map<string, number>();
  const ownIncl = new Map<string, number>();
  const modLoad = new Map<string, number>();
  let busy = 0;
  const key = (n: ProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  for (const [id, ms] of self) {
    const n = byId.get(id);
    if (!n || IDLE.has(n.callFrame.functionName)) continue;
    busy += ms;
    const p = packageOf(n.callFrame.url, n.callFrame.functionName);
    pkg.set(p, (pkg.get(p) ?? 0) + ms);
    const k = key(n);
    fn.set(k, (fn.get(k) ?? 0) + ms);
    // Inclusive: every distinct project function on this sample's stack.
    const seen = new Set<string>();
    const seenModules = new Set<string>();
    for (
      let cur: number | undefined = id, depth = 0;
      cur !== undefined && depth < 500;
      cur = parent.get(cur), depth++
    ) {
      const node = byId.get(cur);
      if (
        node &&
        node.callFrame.functionName === '' &&
        node.callFrame.lineNumber === 0 &&
        node.callFrame.url &&
        !node.callFrame.url.startsWith('node:')
      ) {
        const m = packageOf(node.callFrame.url, '');
        if (!seenModules.has(m)) {
          seenModules.add(m);
          modLoad.set(m, (modLoad.get(m) ?? 0) + ms);
        }
      }
      if (!node || !/\/dist\/src\//.test(node.callFrame.url) || node.callFrame.url.includes('/node_modules/')) continue;
      const nk = key(node);
      if (seen.has(nk)) continue;
      seen.add(nk);
      ownIncl.set(nk, (ownIncl.get(nk) ?? 0) + ms);
    }
  }
  const rows = (m: Map<string, number>, n = top) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms }));
  const windowMs = (Math.min(toUs, profile.endTime) - Math.max(fromUs, profile.startTime)) / 1000;
  return {
    file,
    busyMs: busy,
    windowMs,
    byPackage: rows(pkg, 1000),
    bySelf: rows(fn),
    ownInclusive: rows(ownIncl),
    moduleLoad: rows(modLoad),
  };
}

export function findProfiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

const us = (ms: number, per: number) => ((1000 * ms) / per).toFixed(0);

/** Side by side, per command (µs of sampled main-thread CPU): where does the bot's extra CPU go? */
export function renderProfileComparison(
  bot: ProfileSummary,
  botCommands: number,
  baseline: ProfileSummary,
  baselineCommands: number,
  top = 12,
): string {
  const names = new Set([...bot.byPackage.map((r) => r.name), ...baseline.byPackage.map((r) => r.name)]);
  const get = (s: ProfileSummary, name: string) => s.byPackage.find((r) => r.name === name)?.ms ?? 0;
  const rows = [...names]
    .map((name) => ({
      name,
      b: (1000 * get(bot, name)) / botCommands,
      z: (1000 * get(baseline, name)) / baselineCommands,
    }))
    .sort((x, y) => y.b - y.z - (x.b - x.z))
    .slice(0, top);
  const lines = [
    `CPU profile during the load runs, µs of main-thread CPU per command (sampled; bot ` +
      `${us(bot.busyMs, botCommands)} vs baseline ${us(baseline.busyMs, baselineCommands)}):`,
    `  ${'package'.padEnd(28)} ${'bot'.padStart(7)} ${'baseline'.padStart(9)} ${'extra'.padStart(7)}`,
    ...rows.map(
      (r) =>
        `  ${r.name.padEnd(28)} ${r.b.toFixed(0).padStart(7)} ${r.z.toFixed(0).padStart(9)} ` +
        `${(r.b - r.z).toFixed(0).padStart(7)}`,
    ),
    ` bot, hottest functions (self µs per command):`,
    ...bot.bySelf.slice(0, top).map((r) => `  ${us(r.ms, botCommands).padStart(6)}  ${r.name}`),
    ` bot, project functions (inclusive µs per command):`,
    ...bot.ownInclusive.slice(0, top).map((r) => `  ${us(r.ms, botCommands).padStart(6)}  ${r.name}`),
  ];
  return lines.join('\n');
}

export function renderStartupProfile(s: ProfileSummary, top = 12): string {
  return [
    `CPU profile of the bot's start-up (spawn -> ready, ${s.windowMs.toFixed(0)} ms; ${s.busyMs.toFixed(0)} ms ` +
      `sampled busy):`,
    ' by package (self ms):',
    ...s.byPackage.slice(0, top).map((r) => `  ${r.ms.toFixed(0).padStart(6)}  ${r.name}`),
    ' module loading (inclusive ms of module top-level code; nested requires count in each):',
    ...s.moduleLoad.slice(0, top).map((r) => `  ${r.ms.toFixed(0).padStart(6)}  ${r.name}`),
    ' project functions (inclusive ms):',
    ...s.ownInclusive.slice(0, top).map((r) => `  ${r.ms.toFixed(0).padStart(6)}  ${r.name}`),
  ].join('\n');
}
