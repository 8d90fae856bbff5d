/**
 * Sign requests the way Slack does, for the benchmark (the e2e helpers live under tests/, which is
 * not compiled into dist/): `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<ts>:<raw body>">`.
 *
 * Slash commands and interactions are `application/x-www-form-urlencoded` (exactly that: Bolt's
 * HTTPReceiver JSON-parses any other content type).
 */
import { createHmac } from 'node:crypto';
import { request } from 'node:http';

export const EVENTS_PATH = '/slack/events';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

export function slackSignature(secret: string, timestampSec: number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestampSec}:${rawBody}`).digest('hex')}`;
}

/** Headers of one signed form POST (timestamp = now). */
export function signedHeaders(secret: string, rawBody: string): Record<string, string> {
  const ts = Math.floor(Date.now() / 1000);
  return {
    'Content-Type': FORM_CONTENT_TYPE,
    'X-Slack-Request-Timestamp': String(ts),
    'X-Slack-Signature': slackSignature(secret, ts, rawBody),
    'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
}

export function encodeForm(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export function encodeInteraction(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export const BENCH_TEAM = { id: 'T0BENCH001', domain: 'bench' } as const;
export const BENCH_APP_ID = 'A0BENCH001';
export const BENCH_CHANNEL = 'C0ONCALL01';

/** The form fields Slack posts for a slash command. */
export function slashCommandFields(opts: { command: string; text: string; userId: string; triggerId: string; responseUrl: string }): Record<string, string> {
  return {
    token: 'benchVerificationToken',
    team_id: BENCH_TEAM.id,
    team_domain: BENCH_TEAM.domain,
    channel_id: BENCH_CHANNEL,
    channel_name: 'support_licensing-subscription',
    user_id: opts.userId,
    user_name: opts.userId.toLowerCase(),
    command: opts.command,
    text: opts.text,
    api_app_id: BENCH_APP_ID,
    is_enterprise_install: 'false',
    response_url: opts.responseUrl,
    trigger_id: opts.triggerId,
  };
}

/** A view_submission payload for `view` (as the fake returned it) with `values` as its state. */
export function viewSubmissionPayload(opts: { view: Record<string, unknown>; values: Record<string, Record<string, unknown>>; userId: string; triggerId: string }): object {
  return {
    type: 'view_submission',
    team: { id: BENCH_TEAM.id, domain: BENCH_TEAM.domain },
    user: { id: opts.userId, username: opts.userId.toLowerCase(), name: opts.userId.toLowerCase(), team_id: BENCH_TEAM.id },
    api_app_id: BENCH_APP_ID,
    token: 'benchVerificationToken',
    trigger_id: opts.triggerId,
    view: { ...opts.view, state: { values: opts.values } },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export interface PostResult {
  status: number;
  body: string;
  /** Monotonic ms (see `hr()`) just before the request was written / when the response ended. */
  sentAt: number;
  doneAt: number;
}

/** Monotonic milliseconds, comparable across processes on one Linux host (CLOCK_MONOTONIC). */
export const hr = (): number => Number(process.hrtime.bigint()) / 1e6;

/** POST a signed form body to a loopback app; bounded by `timeoutMs`. */
export function postSigned(port: number, secret: string, rawBody: string, timeoutMs = 10_000, path = EVENTS_PATH): Promise<PostResult> {
  const headers = { ...signedHeaders(secret, rawBody), 'Content-Length': String(Buffer.byteLength(rawBody)) };
  return new Promise((resolve, reject) => {
    const sentAt = hr();
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), sentAt, doneAt: hr() });
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`no response from 127.0.0.1:${port} within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(rawBody);
  });
}
