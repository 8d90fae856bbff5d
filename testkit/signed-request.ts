/**
 * Send requests to the app the way Slack does: signed with the app's signing secret
 * (`X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<raw body>">`, `X-Slack-Request-Timestamp`),
 * slash commands and interactions form-encoded, Events API callbacks as JSON.
 *
 * Note: Bolt 5's HTTPReceiver only treats a body as a form when Content-Type is exactly
 * `application/x-www-form-urlencoded` (no charset), as Slack sends it; anything else is JSON.parse'd.
 */
import { createHmac } from 'node:crypto';
import { type Agent, type IncomingHttpHeaders, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export const DEFAULT_EVENTS_PATH = '/slack/events';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
export const JSON_CONTENT_TYPE = 'application/json';
/** What Slack's request sender identifies itself as. */
export const SLACK_USER_AGENT = 'Slackbot 1.0 (+https://api.slack.com/robots)';

export interface SignedRequestOptions {
  /** Path on the app (default `/slack/events`; if `baseUrl` has its own path and this is unset, that path is used). */
  path?: string;
  /** Request timestamp in epoch seconds (default now). */
  timestamp?: number;
  /** Sign and send a timestamp this many seconds in the past (Bolt rejects > 300 s as stale). */
  staleBySeconds?: number;
  /** Sign with a different secret than the app's (a forged signature). */
  forgeSignature?: boolean;
  /** Send exactly this X-Slack-Signature value. */
  signature?: string;
  /** Send no X-Slack-Signature header. */
  omitSignature?: boolean;
  /** Send no X-Slack-Request-Timestamp header. */
  omitTimestamp?: boolean;
  /** `X-Slack-Retry-Num` / `X-Slack-Retry-Reason`, as Slack adds when it redelivers an event. */
  retryNum?: number;
  retryReason?: string;
  /** Extra/overriding headers. */
  headers?: Record<string, string>;
  /** Abort after this long (default 10 s). */
  timeoutMs?: number;
  /** HTTP agent (default: none, i.e. a fresh connection closed after the response). */
  agent?: Agent;
}

export interface SlackHttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Response body as text ('' for Bolt's bare acks). */
  body: string;
  /** Body parsed as JSON; throws with the text if it is not JSON. */
  json<T = any>(): T;
  /** From just before the request was written until the whole response body arrived. */
  elapsedMs: number;
  /** Monotonic ms (`hr()`) just before the request was written / when the response ended (HTTP only). */
  sentAt?: number;
  doneAt?: number;
}

/** Monotonic milliseconds, comparable across processes on one Linux host (CLOCK_MONOTONIC): the benchmark's clock. */
export const hr = (): number => Number(process.hrtime.bigint()) / 1e6;

/** A request ready to send with any client (e.g. autocannon `requests: [...]`). */
export interface PreparedRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<rawBody>`. */
export function computeSlackSignature(signingSecret: string, timestampSec: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${rawBody}`).digest('hex')}`;
}

/** The two signature headers for `rawBody`, honouring the forge/omit/stale options. */
export function slackSignatureHeaders(
  signingSecret: string,
  rawBody: string,
  options: SignedRequestOptions = {},
): Record<string, string> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000) - (options.staleBySeconds ?? 0);
  const secret = options.forgeSignature ? `${signingSecret}-forged` : signingSecret;
  const headers: Record<string, string> = {};
  if (!options.omitTimestamp) headers['X-Slack-Request-Timestamp'] = String(timestamp);
  if (!options.omitSignature)
    headers['X-Slack-Signature'] = options.signature ?? computeSlackSignature(secret, timestamp, rawBody);
  return headers;
}

/** `application/x-www-form-urlencoded` body of a slash command (spaces as `+`, like Slack). */
export function encodeSlashCommand(fields: Record<string, string | number | boolean>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) params.append(k, String(v));
  return params.toString();
}

/**
 * `payload=<url-encoded JSON>`, the body of every interactivity request (block_actions, view_submission,
 * shortcut...).
 */
export function encodeInteraction(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function buildHeaders(
  signingSecret: string,
  body: string,
  contentType: string,
  options: SignedRequestOptions,
): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    Accept: 'application/json,*/*',
    'User-Agent': SLACK_USER_AGENT,
    ...slackSignatureHeaders(signingSecret, body, options),
  };
  if (options.retryNum !== undefined) headers['X-Slack-Retry-Num'] = String(options.retryNum);
  if (options.retryReason !== undefined) headers['X-Slack-Retry-Reason'] = options.retryReason;
  return { ...headers, ...options.headers };
}

/**
 * A signed request (path, headers, body) without sending it, for load generators. Signatures expire after 5 minutes.
 */
export function prepareSignedRequest(
  kind: 'command' | 'interaction' | 'event',
  signingSecret: string,
  data: object,
  options: SignedRequestOptions = {},
): PreparedRequest {
  const body =
    kind === 'command'
      ? encodeSlashCommand(data as Record<string, string>)
      : kind === 'interaction'
        ? encodeInteraction(data)
        : JSON.stringify(data);
  const contentType = kind === 'event' ? JSON_CONTENT_TYPE : FORM_CONTENT_TYPE;
  return {
    method: 'POST',
    path: options.path ?? DEFAULT_EVENTS_PATH,
    headers: buildHeaders(signingSecret, body, contentType, options),
    body,
  };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function targetUrl(baseUrl: string, path: string | undefined): URL {
  const base = new URL(baseUrl);
  if (!LOOPBACK.has(base.hostname))
    throw new Error(`signed-request: refusing to send to non-loopback host ${base.hostname}`);
  if (path !== undefined) return new URL(path, base);
  if (base.pathname !== '/' && base.pathname !== '') return base;
  return new URL(DEFAULT_EVENTS_PATH, base);
}

/** POST a signed raw body. */
export function postSigned(
  baseUrl: string,
  signingSecret: string,
  rawBody: string,
  contentType: string,
  options: SignedRequestOptions = {},
): Promise<SlackHttpResponse> {
  const url = targetUrl(baseUrl, options.path);
  const headers = buildHeaders(signingSecret, rawBody, contentType, options);
  headers['Content-Length'] = String(Buffer.byteLength(rawBody));
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise<SlackHttpResponse>((resolve, reject) => {
    const started = performance.now();
    const sentAt = hr();
    const req = request(
      {
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers,
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          const elapsedMs = performance.now() - started;
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            elapsedMs,
            sentAt,
            doneAt: hr(),
            json() {
              try {
                return JSON.parse(body);
              } catch {
                throw new Error(
                  `response body is not JSON (HTTP ${res.statusCode}): ${JSON.stringify(body.slice(0, 500))}`,
                );
              }
            },
          });
        });
      },
    );
    const timer = setTimeout(
      () => req.destroy(new Error(`signed-request: no response from ${url.href} within ${timeoutMs}ms`)),
      timeoutMs,
    );
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(rawBody);
  });
}

/** A slash command as Slack posts it (form-encoded fields; build them with `payloads.slashCommand`). */
export function postSlashCommand(
  baseUrl: string,
  signingSecret: string,
  fields: Record<string, string | number | boolean>,
  options: SignedRequestOptions = {},
): Promise<SlackHttpResponse> {
  return postSigned(baseUrl, signingSecret, encodeSlashCommand(fields), FORM_CONTENT_TYPE, options);
}

/**
 * An interactivity payload (block_actions, view_submission, view_closed, shortcut) as Slack posts it:
 * `payload=<json>`.
 */
export function postInteraction(
  baseUrl: string,
  signingSecret: string,
  payload: object,
  options: SignedRequestOptions = {},
): Promise<SlackHttpResponse> {
  return postSigned(baseUrl, signingSecret, encodeInteraction(payload), FORM_CONTENT_TYPE, options);
}

/** An Events API request (event_callback envelope or url_verification) as Slack posts it: JSON. */
export function postEvent(
  baseUrl: string,
  signingSecret: string,
  event: object,
  options: SignedRequestOptions = {},
): Promise<SlackHttpResponse> {
  return postSigned(baseUrl, signingSecret, JSON.stringify(event), JSON_CONTENT_TYPE, options);
}
