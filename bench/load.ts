/**
 * Load scenario: signed `/star-check` slash commands to the bot and the baseline AT THE SAME TIME,
 * one autocannon instance per app, each request with a fresh body (unique trigger_id) and a fresh
 * signature. Measures per app: throughput, ack latency, command → views.open at the fake (matched by
 * trigger_id on the shared monotonic clock), CPU time per command (/proc/<pid>/stat) and peak RSS.
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import type { FakeSlackClient } from './fake-client';
import { cpuMs, rssMb, sleep } from '../testkit/processes';
import { slashCommand } from '../testkit/payloads';
import { DEFAULT_EVENTS_PATH as EVENTS_PATH, hr, prepareSignedRequest } from '../testkit/signed-request';
import { summarize, type Summary } from './stats';

export interface LoadTarget {
  name: string;
  /** Short prefix put into trigger_ids so the two apps' requests never collide. */
  tag: string;
  port: number;
  pid: number;
  signingSecret: string;
  /** Its bot token, to attribute the fake's Web API calls. */
  token: string;
}

export interface LoadRunResult {
  durationSec: number;
  /** Commands acked with HTTP 200. */
  commands: number;
  /**
   * Commands the app handled: acked ones plus those still in flight when the load generator stopped
   * (the app processes them anyway). Counted as the app's views.open calls; the CPU denominator.
   */
  handled: number;
  /** Requests written (acked or not). */
  sent: number;
  /** Non-200 answers, connection errors and autocannon timeouts. */
  errors: number;
  throughput: number;
  ack: Summary;
  acksOver3s: number;
  /**
   * Of the late acks / views.open, how many were the FIRST request of a connection: autocannon opens
   * all `c` connections at once at the start of a run, and a busy Node server accepts new connections
   * only between the requests of the connections it already serves, so those wait in the accept queue.
   */
  acksOver3sFirstOnConnection: number;
  opensOver3sFirstOnConnection: number;
  open: Summary;
  /** views.open that arrived more than 3 s after the command was sent. */
  opensOver3s: number;
  /** Acked commands whose views.open never arrived (within the settle window). */
  opensMissing: number;
  cpuMs: number;
  cpuPerCommandMs: number;
  peakRssMb: number;
  rssMb: number;
  /** Web API calls the app made during the run (incl. settle), by method. */
  apiCalls: Record<string, number>;
}

export const USERS = Array.from({ length: 10 }, (_, i) => `U0BENCH${String(i).padStart(3, '0')}`);
const LATE_MS = 3000;

interface TargetState {
  target: LoadTarget;
  sent: Map<string, number>;
  acked: Map<string, number>;
  ackLatencies: number[];
  non200: number;
  seq: number;
  /** Triggers of the first request of each connection (built when autocannon creates its clients). */
  openers: Set<string>;
  lateOpenerAcks: number;
}

interface Ctx {
  trigger?: string;
  sentAt?: number;
}

function instance(state: TargetState, runTag: string, connections: number, length: RunLength, responseUrlBase: string) {
  const { target } = state;
  return autocannon({
    url: `http://127.0.0.1:${target.port}`,
    connections,
    ...(typeof length === 'number' ? { duration: length } : length),
    pipelining: 1,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: EVENTS_PATH,
        setupRequest: (req, context) => {
          const ctx = context as Ctx;
          state.seq += 1;
          const trigger = `${Date.now()}.${target.tag}${runTag}.${state.seq}.${randomBytes(6).toString('hex')}`;
          const n = 100_000 + (state.seq % 800_000);
          const signed = prepareSignedRequest(
            'command',
            target.signingSecret,
            slashCommand({
              command: '/star-check',
              text: state.seq % 2 ? `https://gitlab.zendesk.com/agent/tickets/${n}` : String(n),
              userId: USERS[state.seq % USERS.length],
              triggerId: trigger,
              responseUrl: `${responseUrlBase}${encodeURIComponent(trigger)}`,
            }),
          );
          ctx.trigger = trigger;
          ctx.sentAt = hr();
          state.sent.set(trigger, ctx.sentAt);
          if (state.seq <= connections) state.openers.add(trigger);
          return { ...req, method: 'POST', path: EVENTS_PATH, headers: signed.headers, body: signed.body };
        },
        onResponse: (status, _body, context) => {
          const t = hr();
          const ctx = context as Ctx;
          if (status !== 200 || !ctx.trigger || ctx.sentAt === undefined) {
            state.non200 += 1;
            return;
          }
          const latency = t - ctx.sentAt;
          state.ackLatencies.push(latency);
          state.acked.set(ctx.trigger, t);
          if (latency > LATE_MS && state.openers.has(ctx.trigger)) state.lateOpenerAcks += 1;
        },
      },
    ],
  });
}

let runCounter = 0;

/** Seconds, or a number of requests. */
export type RunLength = number | { amount: number };

/** One repetition: both targets loaded together for `length`, then views.open settled. */
export async function runLoadOnce(
  targets: LoadTarget[],
  fake: FakeSlackClient,
  connections: number,
  length: RunLength,
): Promise<LoadRunResult[]> {
  runCounter += 1;
  const runTag = String(runCounter);
  await fake.drainOpens();
  const states: TargetState[] = targets.map((target) => ({
    target,
    sent: new Map(),
    acked: new Map(),
    ackLatencies: [],
    non200: 0,
    seq: 0,
    openers: new Set(),
    lateOpenerAcks: 0,
  }));
  const callsBefore = (await fake.counts()).byToken;
  const cpuBefore = targets.map((t) => cpuMs(t.pid));

  const runs = states.map(async (state) => {
    const started = hr();
    const result = await instance(state, runTag, connections, length, `${fake.baseUrl}/response/`);
    return { result, wallSec: (hr() - started) / 1000 };
  });
  const results = await Promise.all(runs);
  const loadEnded = hr();

  // Settle: collect views.open until every acked command has one, bounded by 3 s + margin.
  const opens = new Map<string, number>();
  const deadline = loadEnded + LATE_MS + 1000;
  for (let i = 0; i < 100 && hr() < deadline; i++) {
    for (const [k, v] of await fake.drainOpens()) opens.set(k, v);
    const missing = states.some((s) => [...s.acked.keys()].some((trigger) => !opens.has(trigger)));
    if (!missing) break;
    await sleep(100);
  }
  for (const [k, v] of await fake.drainOpens()) opens.set(k, v);
  const cpuAfter = targets.map((t) => cpuMs(t.pid));
  const callsAfter = (await fake.counts()).byToken;

  return states.map((state, i) => {
    const cpu = cpuAfter[i] - cpuBefore[i];
    const apiCalls: Record<string, number> = {};
    for (const [method, n] of Object.entries(callsAfter[state.target.token] ?? {})) {
      const diff = n - (callsBefore[state.target.token]?.[method] ?? 0);
      if (diff > 0) apiCalls[method] = diff;
    }
    const { result, wallSec } = results[i];
    const openLatencies: number[] = [];
    let opensOver3s = 0;
    let opensOver3sFirstOnConnection = 0;
    let opensMissing = 0;
    for (const trigger of state.acked.keys()) {
      const at = opens.get(trigger);
      if (at === undefined) {
        opensMissing += 1;
        continue;
      }
      const latency = at - (state.sent.get(trigger) as number);
      openLatencies.push(latency);
      if (latency > LATE_MS) {
        opensOver3s += 1;
        if (state.openers.has(trigger)) opensOver3sFirstOnConnection += 1;
      }
    }
    const commands = state.ackLatencies.length;
    const handled = Math.max(commands, apiCalls['views.open'] ?? 0);
    const rss = rssMb(state.target.pid);
    return {
      durationSec: wallSec,
      commands,
      handled,
      sent: state.sent.size,
      errors: state.non200 + result.errors + result.timeouts,
      throughput: commands / wallSec,
      ack: summarize(state.ackLatencies),
      acksOver3s: state.ackLatencies.filter((l) => l > LATE_MS).length + result.timeouts,
      acksOver3sFirstOnConnection: state.lateOpenerAcks,
      opensOver3sFirstOnConnection,
      open: summarize(openLatencies),
      opensOver3s,
      opensMissing,
      cpuMs: cpu,
      cpuPerCommandMs: handled > 0 ? cpu / handled : NaN,
      peakRssMb: rss.peak,
      rssMb: rss.current,
      apiCalls,
    };
  });
}
