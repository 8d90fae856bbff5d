/**
 * The one loopback fake of the Slack Web API, for the tests and the benchmark (bench/fake-slack.ts
 * runs it in a child process).
 *
 * Point the bot at it with `SLACK_API_URL=fake.apiUrl` (Bolt `clientOptions.slackApiUrl`): every Web
 * API call is recorded in `calls` and answered the way Slack answers it. It also stands in for the
 * hosts Slack hands out URLs on: `response_url`s (`responseUrl(id)`) and the file upload URLs of the
 * files upload v2 flow (`files.getUploadURLExternal` → POST bytes → `files.completeUploadExternal`).
 *
 * What @slack/web-api 8 sends (read from its source, WebClient.js):
 *  - `POST <slackApiUrl><method>` with `Authorization: Bearer <token>`, body
 *    `application/x-www-form-urlencoded`; every non-scalar argument (view, blocks, files...) is a JSON
 *    string; scalars are strings. Buffers switch the body to multipart/form-data.
 *  - `filesUploadV2` = `files.getUploadURLExternal` (filename, length) per file → POST of the bytes to
 *    `upload_url` as multipart/form-data, field `body` (must answer HTTP 200) → one
 *    `files.completeUploadExternal` (files=[{id,title}], channel_id, initial_comment, thread_ts, blocks).
 *  - HTTP 429 + `Retry-After: n`: pauses its queue n seconds then retries (per `retryConfig`), unless
 *    `rejectRateLimitedCalls`. Other non-200 statuses throw WebAPIHTTPError and are retried per
 *    `retryConfig` (default: 10 retries over ~30 minutes!). `{ok:false}` throws WebAPIPlatformError (no retry).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DEFAULT_TZ, FAKE_APP_ID, FAKE_BOT, FAKE_TEAM, TRIGGER_TTL_MS } from './constants';
import { checkMessageBlocks, checkView } from './block-kit';

/** Test support deals in arbitrary Slack JSON; `any` keeps assertions on it terse. */
export type Json = any;
export type JsonObject = Record<string, Json>;

export interface RecordedCall {
  /** Web API method, e.g. `views.open`. */
  method: string;
  /**
   * Arguments as the app sent them; JSON-string values (view, blocks, files...) parsed into objects; `token` removed.
   */
  args: JsonObject;
  /** From `Authorization: Bearer`, else the `token` argument. */
  token: string | undefined;
  /** `performance.now()` when the request body had been fully received. */
  receivedAt: number;
  contentType: string;
  /** HTTP status the fake answered with. */
  status: number;
  /** JSON the fake answered with. */
  response: JsonObject;
  /** Set when an injected fault shaped this answer. */
  fault?: FaultSpec;
}

export interface RecordedResponse {
  /** The `<id>` of `/response/<id>`. */
  id: string;
  /** Parsed JSON body (Bolt's `respond()` posts JSON). */
  body: JsonObject;
  receivedAt: number;
  status: number;
  fault?: FaultSpec;
}

export interface RecordedUpload {
  fileId: string;
  /** As given to files.getUploadURLExternal. */
  filename: string;
  declaredLength: number;
  altText?: string;
  snippetType?: string;
  /** The uploaded bytes (undefined until the POST to upload_url arrives). */
  bytes?: Buffer;
  uploadedAt?: number;
  completed: boolean;
  title?: string;
  channelId?: string;
  threadTs?: string;
  initialComment?: string;
  blocks?: Json;
}

export interface FaultSpec {
  /** How many matching requests to fail (default 1; `Infinity` for all). */
  times?: number;
  /** HTTP status to answer (429 adds `Retry-After`). Default 200 with `{ok:false,error}` when `error` is given. */
  status?: number;
  /** Slack error code, e.g. `channel_not_found`, `expired_trigger_id`. */
  error?: string;
  /** Implies status 429; the `Retry-After` header value (default 1 when status is 429). */
  retryAfterSeconds?: number;
  /** Wait this long before answering (with the fault, or with the normal answer if nothing else is set). */
  delayMs?: number;
  /** Answer exactly this JSON (HTTP `status` or 200). */
  body?: JsonObject;
  /** Drop the connection without answering (a network error for the client). */
  destroyConnection?: boolean;
}

export interface FakeUser {
  tz?: string;
  tz_label?: string;
  tz_offset?: number;
  name?: string;
  real_name?: string;
  email?: string;
  deleted?: boolean;
  is_bot?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  [extra: string]: Json;
}

export interface HandlerContext {
  method: string;
  args: JsonObject;
  token: string | undefined;
  fake: FakeSlack;
}
export type MethodHandler = (ctx: HandlerContext) => JsonObject | Promise<JsonObject>;

export interface FakeSlackOptions {
  /** If set, any other token gets `invalid_auth`. A missing token always gets `not_authed`. */
  botToken?: string;
  /**
   * Enforce Slack's trigger_id rules on views.open/views.push: a trigger made by the payload builders
   * (`<epoch ms>.<n>.<hex>`) expires after 3 s (`expired_trigger_id`) and works once (`exchanged_trigger_id`).
   * Default true. Benchmarks that replay one request body should turn it off.
   */
  strictTriggers?: boolean;
  triggerTtlMs?: number;
  /**
   * Reject views/messages Slack would reject (`invalid_arguments` with messages, `no_text`, `invalid_blocks`).
   * Default true.
   */
  validate?: boolean;
  /** Print fake-internal failures to stderr (they are always kept in `errors`). Default true. */
  logErrors?: boolean;
  /**
   * Keep every call in `calls` (default true). Benchmarks can turn it off: `callCount()` still counts,
   * and `waitForCall` still sees calls that arrive after it was called.
   */
  record?: boolean;
  /**
   * The clock of `receivedAt` (default `performance.now`; the benchmark uses the monotonic `hr()` shared by its
   * processes).
   */
  clock?: () => number;
}

/**
 * How long the waits of FakeSlack give the bot by default: they cost nothing when the call comes, and a
 * loaded machine delays it.
 */
const WAIT_MS = 10_000;

/** Fault keys for the non-API endpoints. */
export const UPLOAD_URL = 'upload_url';
export const RESPONSE_URL = 'response_url';

/** Argument names whose values are text, never JSON to be parsed. */
const TEXT_ARGS = new Set([
  'text',
  'markdown_text',
  'initial_comment',
  'title',
  'alt_text',
  'filename',
  'content',
  'query',
  'private_metadata',
]);

interface Waiter {
  kind: 'call' | 'response' | 'upload';
  test: (item: Json) => boolean;
  resolve: (item: Json) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface Answer {
  status: number;
  body: JsonObject | string;
  headers?: Record<string, string>;
  delayMs?: number;
  destroy?: boolean;
}

interface ActiveFault {
  key: string;
  spec: FaultSpec;
  remaining: number;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

// Ids need to be unique and Slack-shaped, not unguessable: Math.random keeps the fake cheap under load
// (crypto.randomBytes was the fake's top CPU cost in a benchmark profile).
function randomChars(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

/** A Slack-looking ID: prefix + 10 upper-case alphanumerics, e.g. `V0123ABCDE`. */
export function slackId(prefix: string, length = 10): string {
  return prefix + randomChars(ID_ALPHABET, length);
}

function shortId(length: number): string {
  return randomChars('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', length);
}

/** `tz_offset` (seconds east of UTC, DST-aware for now) and `tz_label` as Slack reports them. */
const formatters = new Map<string, { offset: Intl.DateTimeFormat; label: Intl.DateTimeFormat }>();

export function timeZoneInfo(tz: string, at: Date = new Date()): { tz_offset: number; tz_label: string } {
  let f = formatters.get(tz);
  if (!f) {
    f = {
      offset: new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' }),
      label: new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'long' }),
    };
    formatters.set(tz, f);
  }
  const offsetName = f.offset.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(offsetName);
  const tzOffset = match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 3600 + Number(match[3]) * 60) : 0;
  const label = f.label.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? tz;
  return { tz_offset: tzOffset, tz_label: label };
}

/** Views, messages and used triggers kept (oldest forgotten first), so long benchmark runs stay flat in memory. */
const MAX_KEPT = 10_000;

function evictOldest(collection: Map<string, unknown> | Set<string>, max: number): void {
  if (collection.size <= max) return;
  let excess = collection.size - max;
  for (const key of collection.keys()) {
    if (excess <= 0) break;
    collection.delete(key);
    excess -= 1;
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function maybeJson(key: string, value: string): Json {
  if (TEXT_ARGS.has(key)) return value;
  const first = value.trimStart()[0];
  if (first !== '{' && first !== '[') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Adds `emoji: true` to plain_text objects, like Slack does in the views it returns. */
function normalizeText(node: Json): Json {
  if (Array.isArray(node)) return node.map(normalizeText);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) out[k] = normalizeText(v);
  if (out.type === 'plain_text' && typeof out.text === 'string' && out.emoji === undefined) out.emoji = true;
  return out;
}

/** Slack fills in a random block_id / action_id where the app gave none. */
function withGeneratedIds(blocks: Json[]): Json[] {
  return blocks.map((block) => {
    if (!isObject(block)) return block;
    const out: JsonObject = { ...block };
    if (out.block_id === undefined) out.block_id = shortId(4);
    const fill = (el: Json) =>
      isObject(el) && el.action_id === undefined && typeof el.type === 'string' && el.type !== 'image'
        ? { ...el, action_id: shortId(5) }
        : el;
    if (out.type === 'input' && isObject(out.element)) out.element = fill(out.element);
    if (out.type === 'actions' && Array.isArray(out.elements)) out.elements = out.elements.map(fill);
    if (out.type === 'section' && isObject(out.accessory)) out.accessory = fill(out.accessory);
    return out;
  });
}

function invalidArguments(problems: string[]): JsonObject {
  return {
    ok: false,
    error: 'invalid_arguments',
    response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) },
  };
}

class ClientGone extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', (error) => reject(new ClientGone(error.message)));
  });
}

interface ParsedBody {
  args: JsonObject;
  files: { field: string; filename: string; type: string; bytes: Buffer }[];
}

async function parseBody(
  raw: Buffer,
  contentTypeHeader: string | undefined,
  query: URLSearchParams,
): Promise<ParsedBody> {
  const contentType = (contentTypeHeader ?? '').split(';')[0].trim().toLowerCase();
  const args: JsonObject = {};
  const files: ParsedBody['files'] = [];
  for (const [k, v] of query) args[k] = maybeJson(k, v);
  if (raw.length === 0) return { args, files };
  if (contentType === 'application/json') {
    const parsed = JSON.parse(raw.toString('utf8'));
    if (isObject(parsed)) Object.assign(args, parsed);
  } else if (contentType === 'multipart/form-data') {
    const form = await new Request('http://127.0.0.1/', {
      method: 'POST',
      headers: { 'content-type': contentTypeHeader ?? '' },
      body: new Uint8Array(raw),
    }).formData();
    for (const [k, v] of form.entries()) {
      if (typeof v === 'string') args[k] = maybeJson(k, v);
      else {
        const bytes = Buffer.from(await v.arrayBuffer());
        files.push({ field: k, filename: v.name, type: v.type, bytes });
        args[k] = bytes;
      }
    }
  } else {
    // application/x-www-form-urlencoded, which is also what @slack/web-api sends by default
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) args[k] = maybeJson(k, v);
  }
  return { args, files };
}

function sendJson(res: ServerResponse, answer: Answer): void {
  if (res.writableEnded || res.destroyed) return;
  const isText = typeof answer.body === 'string';
  const payload = isText ? (answer.body as string) : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...answer.headers,
  });
  res.end(payload);
}

function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  readonly responses: RecordedResponse[] = [];
  readonly uploads: RecordedUpload[] = [];
  /** Failures inside the fake itself (bugs in a custom handler, unparsable bodies...). Should stay empty. */
  readonly errors: Error[] = [];

  private server: Server | undefined;
  private boundPort = 0;
  private readonly options: Required<Omit<FakeSlackOptions, 'botToken' | 'clock'>> & { botToken?: string };
  private readonly clock: () => number;
  private readonly waiters = new Set<Waiter>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private faults: ActiveFault[] = [];
  private readonly handlers = new Map<string, MethodHandler>();
  private readonly overrides = new Map<string, MethodHandler>();
  private readonly users = new Map<string, FakeUser>();
  private readonly usergroups = new Map<string, string[]>();
  private readonly views = new Map<string, JsonObject>();
  private viewHistory: string[] = [];
  private readonly homeViews = new Map<string, string>();
  private readonly messages = new Map<string, JsonObject>();
  private readonly openedDms = new Set<string>();
  private readonly usedTriggers = new Set<string>();
  private lastTsMicros = 0;
  private readonly counts = new Map<string, number>();
  private readonly countsByToken = new Map<string, Map<string, number>>();
  /** Called with every Web API call as it is answered, recorded or not (the benchmark's event feed). */
  onCall: ((call: RecordedCall) => void) | undefined;

  constructor(options: FakeSlackOptions = {}) {
    this.options = {
      strictTriggers: options.strictTriggers ?? true,
      triggerTtlMs: options.triggerTtlMs ?? TRIGGER_TTL_MS,
      validate: options.validate ?? true,
      logErrors: options.logErrors ?? true,
      record: options.record ?? true,
      botToken: options.botToken,
    };
    this.clock = options.clock ?? (() => performance.now());
    this.installDefaultHandlers();
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    if (this.server) throw new Error('FakeSlack already started');
    const server = createServer((req, res) => {
      this.onRequest(req, res).catch((error: unknown) => {
        // the client hung up mid-request (timeout, shutdown): not the fake's problem
        if (error instanceof ClientGone) return;
        this.internalError(error, res);
      });
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
  }

  /**
   * Closes the server and every connection (including keep-alive ones from the app's fetch), clears timers and fails
   * pending waits.
   */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('FakeSlack stopped while waiting'));
    }
    this.waiters.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  get port(): number {
    this.assertStarted();
    return this.boundPort;
  }

  /** `http://127.0.0.1:<port>` */
  get baseUrl(): string {
    this.assertStarted();
    return `http://127.0.0.1:${this.boundPort}`;
  }

  /** `http://127.0.0.1:<port>/api/` — give this to the bot as SLACK_API_URL. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  /** A response_url served by the fake; POSTs to it land in `responses`. */
  responseUrl(id: string = shortId(12)): string {
    return `${this.baseUrl}/response/${encodeURIComponent(id)}`;
  }

  /**
   * Forget recorded calls/responses/uploads and injected faults. Users, usergroups, custom handlers, views and
   * messages stay.
   */
  reset(): void {
    this.calls.length = 0;
    this.responses.length = 0;
    this.uploads.length = 0;
    this.errors.length = 0;
    this.faults = [];
    this.counts.clear();
    this.countsByToken.clear();
  }

  // ------------------------------------------------------------------ configuration

  setUser(id: string, user: FakeUser): void {
    if (user.tz) timeZoneInfo(user.tz); // throws RangeError early on an invalid zone
    this.users.set(id, { ...user });
  }

  setUsergroup(id: string, userIds: string[]): void {
    this.usergroups.set(id, [...userIds]);
  }

  /** Replace the answer of a method (or add one the fake does not know). */
  setHandler(method: string, handler: MethodHandler): void {
    this.overrides.set(method, handler);
  }

  clearHandler(method: string): void {
    this.overrides.delete(method);
  }

  /**
   * Make the next `times` (default 1) requests to `method` fail. `method` may also be `'*'` (any Web API
   * method), `UPLOAD_URL` ('upload_url') or `RESPONSE_URL` ('response_url'). Faults queue up in order.
   */
  fail(method: string, spec: FaultSpec = {}): void {
    this.faults.push({ key: method, spec: { ...spec }, remaining: spec.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /**
   * Show a view that did not come through views.open/update/push/publish — e.g. the `view` of a
   * `response_action: 'update'` (pass the submitted view's `id`) or `'push'` ack — and return it as Slack
   * would: missing block_id/action_id filled in, a new hash, same id for a known view, `state` kept if given.
   * Throws, like Slack refusing it, if `validate` is on and the view is invalid.
   */
  adoptView(view: JsonObject): JsonObject {
    if (this.options.validate) {
      const problems = checkView(view, { botRules: false });
      if (problems.length > 0)
        throw new Error(`FakeSlack.adoptView: Slack would reject this view: ${problems.join('; ')}`);
    }
    const id = typeof view.id === 'string' && view.id !== '' ? view.id : undefined;
    const existing = id ? this.views.get(id) : undefined;
    const stored = this.materializeView(view, existing ?? (id ? { id } : undefined));
    if (isObject(view.state)) stored.state = clone(view.state);
    if (!existing && typeof view.hash === 'string') stored.hash = view.hash;
    this.storeView(stored);
    return clone(stored);
  }

  // ------------------------------------------------------------------ inspection

  /** How many calls (to `method`, or in all) arrived since start/reset, recorded or not. */
  callCount(method?: string): number {
    if (method !== undefined) return this.counts.get(method) ?? 0;
    let total = 0;
    for (const n of this.counts.values()) total += n;
    return total;
  }

  /** Calls by bot token, then method, since start/reset (the benchmark tells the bot's from the baseline's). */
  callCountsByToken(): Record<string, Record<string, number>> {
    return Object.fromEntries(
      [...this.countsByToken].map(([token, byMethod]) => [token, Object.fromEntries(byMethod)]),
    );
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /**
   * The FIRST call to `method` matching `predicate` since start/reset — possibly one that already arrived.
   * For "the next one from now on" use `nextCall`, a predicate (e.g. on trigger_id), or `waitForCalls(n)`.
   */
  waitForCall(
    method: string,
    predicate: (call: RecordedCall) => boolean = () => true,
    timeoutMs = WAIT_MS,
  ): Promise<RecordedCall> {
    return this.waitFor(
      'call',
      this.calls,
      (c: RecordedCall) => c.method === method && predicate(c),
      timeoutMs,
      `a ${method} call`,
    );
  }

  /** The next call to `method` (matching `predicate`) that arrives after this is called; earlier calls are ignored. */
  nextCall(
    method: string,
    predicate: (call: RecordedCall) => boolean = () => true,
    timeoutMs = WAIT_MS,
  ): Promise<RecordedCall> {
    return this.waitFor(
      'call',
      [],
      (c: RecordedCall) => c.method === method && predicate(c),
      timeoutMs,
      `the next ${method} call`,
    );
  }

  /**
   * Resolves once `count` calls to `method` have arrived since start/reset (with `record: false` the list returned is
   * empty).
   */
  async waitForCalls(method: string, count: number, timeoutMs = WAIT_MS): Promise<RecordedCall[]> {
    const deadline = performance.now() + timeoutMs;
    while (this.callCount(method) < count) {
      const seen = this.callCount(method);
      const remaining = deadline - performance.now();
      if (remaining <= 0)
        throw new Error(`expected ${count} ${method} calls within ${timeoutMs}ms, got ${seen}; ${this.summary()}`);
      await this.waitFor(
        'call',
        [],
        (c: RecordedCall) => c.method === method,
        remaining,
        `${count} ${method} calls (have ${seen})`,
      );
    }
    return this.callsTo(method);
  }

  /** Rejects if `method` is called within `windowMs` (or was already called). */
  async expectNoCall(method: string, windowMs = 200): Promise<void> {
    const existing = this.callsTo(method);
    if (existing.length > 0)
      throw new Error(
        `expected no ${method} call, got ${existing.length}: ${JSON.stringify(existing[0].args).slice(0, 300)}`,
      );
    let call: RecordedCall | undefined;
    try {
      call = await this.waitForCall(method, () => true, windowMs);
    } catch {
      return;
    }
    throw new Error(`expected no ${method} call, got one: ${JSON.stringify(call.args).slice(0, 300)}`);
  }

  /**
   * The first POST to a response_url (this `id`, or any) since start/reset — possibly one already received. See
   * `nextResponse`.
   */
  waitForResponse(
    id?: string,
    predicate: (r: RecordedResponse) => boolean = () => true,
    timeoutMs = WAIT_MS,
  ): Promise<RecordedResponse> {
    return this.waitFor(
      'response',
      this.responses,
      (r: RecordedResponse) => (id === undefined || r.id === id) && predicate(r),
      timeoutMs,
      `a POST to response_url ${id ?? '(any)'}`,
    );
  }

  /** The next POST to a response_url (this `id`, or any) that arrives after this is called. */
  nextResponse(
    id?: string,
    predicate: (r: RecordedResponse) => boolean = () => true,
    timeoutMs = WAIT_MS,
  ): Promise<RecordedResponse> {
    return this.waitFor(
      'response',
      [],
      (r: RecordedResponse) => (id === undefined || r.id === id) && predicate(r),
      timeoutMs,
      `the next POST to response_url ${id ?? '(any)'}`,
    );
  }

  /** Resolves when an upload has its bytes (and, unless `completed: false`, has been completed). */
  waitForUpload(
    predicate: (u: RecordedUpload) => boolean = () => true,
    timeoutMs = WAIT_MS,
    completed = true,
  ): Promise<RecordedUpload> {
    return this.waitFor(
      'upload',
      this.uploads,
      (u: RecordedUpload) => u.bytes !== undefined && (!completed || u.completed) && predicate(u),
      timeoutMs,
      'a file upload',
    );
  }

  /** The current version of a view the fake has shown (views.open/update/push/publish). */
  getView(id: string): JsonObject | undefined {
    return clone(this.views.get(id));
  }

  /** The most recently opened/updated/pushed/published view, optionally with this callback_id. */
  lastView(callbackId?: string): JsonObject | undefined {
    for (let i = this.viewHistory.length - 1; i >= 0; i -= 1) {
      const view = this.views.get(this.viewHistory[i]);
      if (view && (callbackId === undefined || view.callback_id === callbackId)) return clone(view);
    }
    return undefined;
  }

  /** A message the bot posted (and maybe updated), by channel and ts. */
  getMessage(channel: string, ts: string): JsonObject | undefined {
    return clone(this.messages.get(`${channel}|${ts}`));
  }

  /** `method method ...` of everything recorded so far, for assertion messages. */
  summary(): string {
    return (
      `calls so far: [` +
      `${this.calls
        .map((c) => (c.response?.ok === false ? `${c.method}(${c.response.error})` : c.method))
        .join(', ')}` +
      `]`
    );
  }

  // ------------------------------------------------------------------ internals: HTTP

  private assertStarted(): void {
    if (!this.server) throw new Error('FakeSlack is not started: await fake.start() first');
  }

  private internalError(error: unknown, res?: ServerResponse): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.errors.push(err);
    if (this.options.logErrors) console.error('[FakeSlack] internal error:', err);
    if (res && !res.headersSent && !res.destroyed)
      sendJson(res, { status: 500, body: { ok: false, error: 'fake_slack_internal_error', detail: err.message } });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const receivedAt = this.clock();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (path.startsWith('/api/'))
      return this.onApi(decodeURIComponent(path.slice('/api/'.length)), req, res, raw, url, receivedAt);
    if (path.startsWith('/upload/') && req.method === 'POST')
      return this.onUpload(decodeURIComponent(path.slice('/upload/'.length)), req, res, raw, receivedAt);
    if (path.startsWith('/response/') && req.method === 'POST')
      return this.onResponseUrl(decodeURIComponent(path.slice('/response/'.length)), req, res, raw, receivedAt);
    sendJson(res, { status: 404, body: { ok: false, error: 'not_found' } });
  }

  private takeFault(key: string, allowWildcard: boolean): FaultSpec | undefined {
    const index = this.faults.findIndex((f) => f.remaining > 0 && (f.key === key || (allowWildcard && f.key === '*')));
    if (index < 0) return undefined;
    const fault = this.faults[index];
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault.spec;
  }

  /** The answer a fault forces, or undefined when the fault only delays the normal answer. */
  private faultAnswer(spec: FaultSpec): Answer | undefined {
    if (spec.destroyConnection) return { status: 0, body: '', destroy: true };
    const status = spec.status ?? (spec.retryAfterSeconds !== undefined ? 429 : undefined);
    if (status === 429) {
      return {
        status,
        body: spec.body ?? { ok: false, error: spec.error ?? 'ratelimited' },
        headers: { 'retry-after': String(spec.retryAfterSeconds ?? 1) },
      };
    }
    if (status !== undefined && status !== 200)
      return { status, body: spec.body ?? { ok: false, error: spec.error ?? 'fatal_error' } };
    if (spec.body) return { status: 200, body: spec.body };
    if (spec.error) return { status: 200, body: { ok: false, error: spec.error } };
    return undefined;
  }

  private deliver(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
    const send = () => {
      if (answer.destroy) {
        req.socket.destroy();
        return;
      }
      sendJson(res, answer);
    };
    if (answer.delayMs && answer.delayMs > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        send();
      }, answer.delayMs);
      this.timers.add(timer);
    } else send();
  }

  private async onApi(
    method: string,
    req: IncomingMessage,
    res: ServerResponse,
    raw: Buffer,
    url: URL,
    receivedAt: number,
  ): Promise<void> {
    const contentType = req.headers['content-type'] ?? '';
    let args: JsonObject;
    try {
      args = (await parseBody(raw, contentType, url.searchParams)).args;
    } catch (error) {
      this.internalError(new Error(`unparsable ${method} body (${contentType}): ${(error as Error).message}`));
      args = {};
    }
    const auth = req.headers.authorization;
    const bearer = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
    const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
    delete args.token;

    const fault = this.takeFault(method, true);
    let answer = fault ? this.faultAnswer(fault) : undefined;
    if (!answer) {
      let body: JsonObject;
      if (!token) body = { ok: false, error: 'not_authed' };
      else if (this.options.botToken !== undefined && token !== this.options.botToken)
        body = { ok: false, error: 'invalid_auth' };
      else {
        const override = this.overrides.get(method);
        const handler = override ?? this.handlers.get(method);
        try {
          // built-in handlers never mutate args; custom ones get a copy so the recorded args stay as sent
          const handlerArgs = override ? clone(args) : args;
          body = handler
            ? await handler({ method, args: handlerArgs, token, fake: this })
            : { ok: false, error: 'unknown_method', req_method: method };
        } catch (error) {
          this.internalError(new Error(`handler for ${method} threw: ${(error as Error).message}`), res);
          return;
        }
      }
      answer = { status: 200, body };
    }
    if (fault?.delayMs) answer.delayMs = fault.delayMs;

    const call: RecordedCall = {
      method,
      args,
      token,
      receivedAt,
      contentType: contentType.split(';')[0].trim(),
      status: answer.status,
      response: typeof answer.body === 'string' ? { raw: answer.body } : answer.body,
    };
    if (fault) call.fault = fault;
    this.counts.set(method, (this.counts.get(method) ?? 0) + 1);
    const byMethod = this.countsByToken.get(token ?? 'none') ?? new Map<string, number>();
    this.countsByToken.set(token ?? 'none', byMethod.set(method, (byMethod.get(method) ?? 0) + 1));
    if (this.options.record) this.calls.push(call);
    this.onCall?.(call);
    this.notify('call', call);
    this.deliver(req, res, answer);
  }

  private async onUpload(
    fileId: string,
    req: IncomingMessage,
    res: ServerResponse,
    raw: Buffer,
    receivedAt: number,
  ): Promise<void> {
    const fault = this.takeFault(UPLOAD_URL, false);
    const forced = fault ? this.faultAnswer(fault) : undefined;
    if (forced) {
      this.deliver(req, res, { ...forced, delayMs: fault?.delayMs });
      return;
    }
    const upload = this.uploads.find((u) => u.fileId === fileId);
    if (!upload) {
      this.deliver(req, res, { status: 404, body: 'upload url not found', delayMs: fault?.delayMs });
      return;
    }
    const { files } = await parseBody(raw, req.headers['content-type'], new URLSearchParams());
    upload.bytes = files.length > 0 ? files[0].bytes : raw;
    upload.uploadedAt = receivedAt;
    this.notify('upload', upload);
    this.deliver(req, res, { status: 200, body: `OK - ${upload.bytes.length}`, delayMs: fault?.delayMs });
  }

  private async onResponseUrl(
    id: string,
    req: IncomingMessage,
    res: ServerResponse,
    raw: Buffer,
    receivedAt: number,
  ): Promise<void> {
    let body: JsonObject = {};
    try {
      const { args } = await parseBody(raw, req.headers['content-type'], new URLSearchParams());
      body = typeof args.payload === 'string' ? JSON.parse(args.payload) : isObject(args.payload) ? args.payload : args;
    } catch (error) {
      this.internalError(new Error(`unparsable response_url body: ${(error as Error).message}`));
    }
    const fault = this.takeFault(RESPONSE_URL, false);
    const answer: Answer = (fault ? this.faultAnswer(fault) : undefined) ?? { status: 200, body: { ok: true } };
    if (fault?.delayMs) answer.delayMs = fault.delayMs;
    const recorded: RecordedResponse = { id, body, receivedAt, status: answer.status };
    if (fault) recorded.fault = fault;
    this.responses.push(recorded);
    this.notify('response', recorded);
    this.deliver(req, res, answer);
  }

  // ------------------------------------------------------------------ internals: waiting

  private notify(kind: Waiter['kind'], item: Json): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.kind === kind && waiter.test(item)) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        waiter.resolve(item);
      }
    }
  }

  private waitFor<T>(
    kind: Waiter['kind'],
    existing: T[],
    test: (item: T) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    const found = existing.find(test);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        kind,
        test,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`FakeSlack: timed out after ${timeoutMs}ms waiting for ${what}; ${this.summary()}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  // ------------------------------------------------------------------ internals: state

  private newHash(): string {
    return `${Math.floor(Date.now() / 1000)}.${randomChars('0123456789abcdef', 8)}`;
  }

  /** Unique, strictly increasing message timestamps like `1712345678.000123`. */
  newTs(): string {
    const micros = Math.max(Date.now() * 1000, this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  /** The D... channel conversations.open returns for a user (also where chat.postMessage to a user ID goes). */
  dmChannelFor(userId: string): string {
    return `D${userId.replace(/^[UW]/, '')}`;
  }

  private resolveChannel(channel: string): string {
    return /^[UW][A-Z0-9]+$/.test(channel) ? this.dmChannelFor(channel) : channel;
  }

  private storeView(view: JsonObject): void {
    this.views.set(view.id, view);
    evictOldest(this.views, MAX_KEPT);
    this.viewHistory.push(view.id);
    if (this.viewHistory.length > 1000) this.viewHistory = this.viewHistory.slice(-500);
  }

  private materializeView(sent: JsonObject, base?: JsonObject): JsonObject {
    const id: string = base?.id ?? slackId('V');
    return {
      id,
      team_id: FAKE_TEAM.id,
      type: sent.type,
      blocks: withGeneratedIds(normalizeText(Array.isArray(sent.blocks) ? sent.blocks : [])),
      private_metadata: sent.private_metadata ?? '',
      callback_id: sent.callback_id ?? '',
      state: { values: {} },
      hash: this.newHash(),
      title: sent.title !== undefined ? normalizeText(sent.title) : undefined,
      clear_on_close: Boolean(sent.clear_on_close),
      notify_on_close: Boolean(sent.notify_on_close),
      close: sent.close !== undefined ? normalizeText(sent.close) : null,
      submit: sent.submit !== undefined ? normalizeText(sent.submit) : null,
      previous_view_id: base?.previous_view_id ?? null,
      root_view_id: base?.root_view_id ?? id,
      app_id: FAKE_APP_ID,
      external_id: sent.external_id ?? '',
      app_installed_team_id: FAKE_TEAM.id,
      bot_id: FAKE_BOT.botId,
    };
  }

  private checkTrigger(triggerId: Json): JsonObject | undefined {
    if (typeof triggerId !== 'string' || triggerId === '')
      return invalidArguments(['missing required field: trigger_id']);
    if (!this.options.strictTriggers) return undefined;
    const match = /^(\d{13})\.\d+\.[0-9a-f]+$/.exec(triggerId);
    if (!match) return undefined;
    if (Date.now() - Number(match[1]) > this.options.triggerTtlMs) return { ok: false, error: 'expired_trigger_id' };
    if (this.usedTriggers.has(triggerId)) return { ok: false, error: 'exchanged_trigger_id' };
    this.usedTriggers.add(triggerId);
    evictOldest(this.usedTriggers, MAX_KEPT * 10);
    return undefined;
  }

  private parseView(args: JsonObject): JsonObject | { error: JsonObject } {
    let view = args.view;
    if (typeof view === 'string') {
      try {
        view = JSON.parse(view);
      } catch {
        return { error: invalidArguments(['view must be valid JSON']) };
      }
    }
    if (!isObject(view)) return { error: invalidArguments(['missing required field: view']) };
    if (this.options.validate) {
      const problems = checkView(view, { botRules: false });
      if (problems.length > 0) return { error: invalidArguments(problems) };
    }
    return view;
  }

  private userRecord(id: string): JsonObject {
    const configured = this.users.get(id) ?? {};
    const tz = configured.tz ?? DEFAULT_TZ;
    const info = timeZoneInfo(tz);
    const name = configured.name ?? `user.${id.toLowerCase()}`;
    const realName = configured.real_name ?? `User ${id}`;
    const {
      tz: _tz,
      tz_label: _label,
      tz_offset: _offset,
      name: _name,
      real_name: _real,
      email,
      ...extra
    } = configured;
    return {
      id,
      team_id: FAKE_TEAM.id,
      name,
      deleted: false,
      color: '9f69e7',
      real_name: realName,
      tz,
      tz_label: configured.tz_label ?? info.tz_label,
      tz_offset: configured.tz_offset ?? info.tz_offset,
      profile: {
        real_name: realName,
        real_name_normalized: realName,
        display_name: name,
        display_name_normalized: name,
        email: email ?? `${name}@example.com`,
        team: FAKE_TEAM.id,
      },
      is_admin: false,
      is_owner: false,
      is_primary_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: false,
      is_app_user: false,
      updated: Math.floor(Date.now() / 1000),
      ...extra,
    };
  }

  private messageFrom(args: JsonObject, ts: string): JsonObject {
    const message: JsonObject = {
      type: 'message',
      text: args.text ?? '',
      user: FAKE_BOT.userId,
      bot_id: FAKE_BOT.botId,
      app_id: FAKE_APP_ID,
      team: FAKE_TEAM.id,
      ts,
      bot_profile: {
        id: FAKE_BOT.botId,
        app_id: FAKE_APP_ID,
        name: FAKE_BOT.name,
        deleted: false,
        team_id: FAKE_TEAM.id,
      },
    };
    if (Array.isArray(args.blocks)) message.blocks = withGeneratedIds(normalizeText(args.blocks));
    if (args.attachments !== undefined) message.attachments = args.attachments;
    if (args.thread_ts !== undefined) message.thread_ts = String(args.thread_ts);
    if (args.metadata !== undefined) message.metadata = args.metadata;
    return message;
  }

  private checkMessageArgs(args: JsonObject): JsonObject | undefined {
    if (typeof args.channel !== 'string' || args.channel === '') return { ok: false, error: 'channel_not_found' };
    const hasContent =
      (typeof args.text === 'string' && args.text !== '') ||
      args.blocks !== undefined ||
      args.attachments !== undefined ||
      args.markdown_text !== undefined;
    if (!hasContent) return { ok: false, error: 'no_text' };
    if (this.options.validate) {
      if (typeof args.text === 'string' && args.text.length > 40000) return { ok: false, error: 'msg_too_long' };
      const problems = checkMessageBlocks(args.blocks);
      if (problems.length > 0)
        return {
          ok: false,
          error: 'invalid_blocks',
          errors: problems,
          response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) },
        };
    }
    return undefined;
  }

  private installDefaultHandlers(): void {
    const h = (method: string, handler: MethodHandler) => this.handlers.set(method, handler);

    h('api.test', ({ args }) => ({ ok: true, args }));

    h('auth.test', () => ({
      ok: true,
      url: `${this.baseUrl}/`,
      team: FAKE_TEAM.name,
      user: FAKE_BOT.name,
      team_id: FAKE_TEAM.id,
      user_id: FAKE_BOT.userId,
      bot_id: FAKE_BOT.botId,
      is_enterprise_install: false,
    }));

    h('views.open', ({ args }) => {
      const triggerError = this.checkTrigger(args.trigger_id);
      if (triggerError) return triggerError;
      const sent = this.parseView(args);
      if ('error' in sent) return sent.error;
      if (sent.type !== 'modal') return invalidArguments(['views.open only opens modals [json-pointer:/view/type]']);
      const view = this.materializeView(sent);
      this.storeView(view);
      return { ok: true, view: clone(view) };
    });

    h('views.push', ({ args }) => {
      const triggerError = this.checkTrigger(args.trigger_id);
      if (triggerError) return triggerError;
      const sent = this.parseView(args);
      if ('error' in sent) return sent.error;
      const view = this.materializeView(sent);
      this.storeView(view);
      return { ok: true, view: clone(view) };
    });

    h('views.update', ({ args }) => {
      let existing: JsonObject | undefined;
      if (typeof args.view_id === 'string' && args.view_id !== '') existing = this.views.get(args.view_id);
      else if (typeof args.external_id === 'string' && args.external_id !== '') {
        existing = [...this.views.values()].find((v) => v.external_id === args.external_id);
      } else return invalidArguments(['must provide view_id or external_id']);
      if (!existing) return { ok: false, error: 'not_found' };
      if (typeof args.hash === 'string' && args.hash !== '' && args.hash !== existing.hash)
        return { ok: false, error: 'hash_conflict' };
      const sent = this.parseView(args);
      if ('error' in sent) return sent.error;
      const view = this.materializeView(sent, existing);
      this.storeView(view);
      return { ok: true, view: clone(view) };
    });

    h('views.publish', ({ args }) => {
      if (typeof args.user_id !== 'string' || args.user_id === '')
        return invalidArguments(['missing required field: user_id']);
      const sent = this.parseView(args);
      if ('error' in sent) return sent.error;
      if (sent.type !== 'home')
        return invalidArguments(['views.publish only publishes home tabs [json-pointer:/view/type]']);
      const existingId = this.homeViews.get(args.user_id);
      const existing = existingId ? this.views.get(existingId) : undefined;
      if (existing && typeof args.hash === 'string' && args.hash !== '' && args.hash !== existing.hash)
        return { ok: false, error: 'hash_conflict' };
      const view = this.materializeView(sent, existing);
      this.homeViews.set(args.user_id, view.id);
      this.storeView(view);
      return { ok: true, view: clone(view) };
    });

    h('chat.postMessage', ({ args }) => {
      const problem = this.checkMessageArgs(args);
      if (problem) return problem;
      const channel = this.resolveChannel(args.channel);
      const ts = this.newTs();
      const message = this.messageFrom(args, ts);
      this.messages.set(`${channel}|${ts}`, message);
      evictOldest(this.messages, MAX_KEPT);
      return { ok: true, channel, ts, message: clone(message) };
    });

    h('chat.update', ({ args }) => {
      if (typeof args.channel !== 'string' || args.channel === '') return { ok: false, error: 'channel_not_found' };
      if (typeof args.ts !== 'string' || args.ts === '') return { ok: false, error: 'message_not_found' };
      const channel = this.resolveChannel(args.channel);
      const key = `${channel}|${args.ts}`;
      const existing = this.messages.get(key);
      if (!existing) return { ok: false, error: 'message_not_found' };
      if (this.options.validate) {
        const problems = checkMessageBlocks(args.blocks);
        if (problems.length > 0) return { ok: false, error: 'invalid_blocks', errors: problems };
      }
      const updated: JsonObject = {
        ...existing,
        text: args.text ?? existing.text,
        edited: { user: FAKE_BOT.userId, ts: this.newTs() },
      };
      if (Array.isArray(args.blocks)) updated.blocks = withGeneratedIds(normalizeText(args.blocks));
      if (args.attachments !== undefined) updated.attachments = args.attachments;
      this.messages.set(key, updated);
      return { ok: true, channel, ts: args.ts, text: updated.text, message: clone(updated) };
    });

    h('chat.postEphemeral', ({ args }) => {
      const problem = this.checkMessageArgs(args);
      if (problem) return problem;
      if (typeof args.user !== 'string' || args.user === '') return { ok: false, error: 'user_not_in_channel' };
      return { ok: true, message_ts: this.newTs() };
    });

    h('chat.getPermalink', ({ args }) => {
      if (typeof args.channel !== 'string' || args.channel === '') return { ok: false, error: 'channel_not_found' };
      if (typeof args.message_ts !== 'string' || args.message_ts === '')
        return { ok: false, error: 'message_not_found' };
      return {
        ok: true,
        channel: args.channel,
        permalink: `${this.baseUrl}/archives/${args.channel}/p${args.message_ts.replace('.', '')}`,
      };
    });

    h('users.info', ({ args }) => {
      if (typeof args.user !== 'string' || args.user === '') return { ok: false, error: 'user_not_found' };
      return { ok: true, user: this.userRecord(args.user) };
    });

    h('usergroups.users.list', ({ args }) => {
      const users = typeof args.usergroup === 'string' ? this.usergroups.get(args.usergroup) : undefined;
      if (!users) return { ok: false, error: 'no_such_subteam' };
      return { ok: true, users: [...users] };
    });

    h('conversations.open', ({ args }) => {
      if (typeof args.channel === 'string' && args.channel !== '')
        return { ok: true, no_op: true, already_open: true, channel: { id: args.channel } };
      const users =
        typeof args.users === 'string'
          ? args.users
              .split(',')
              .map((u: string) => u.trim())
              .filter(Boolean)
          : [];
      if (users.length === 0) return { ok: false, error: 'users_list_not_supplied' };
      const id =
        users.length === 1
          ? this.dmChannelFor(users[0])
          : `G${users.map((u: string) => u.slice(-3)).join('')}`.slice(0, 11);
      const already = this.openedDms.has(id);
      this.openedDms.add(id);
      return { ok: true, no_op: already, already_open: already, channel: { id } };
    });

    h('files.getUploadURLExternal', ({ args }) => {
      const length = Number(args.length);
      if (typeof args.filename !== 'string' || args.filename === '' || !Number.isInteger(length) || length < 0) {
        return invalidArguments(['filename and length are required']);
      }
      const fileId = slackId('F');
      const upload: RecordedUpload = { fileId, filename: args.filename, declaredLength: length, completed: false };
      if (typeof args.alt_text === 'string') upload.altText = args.alt_text;
      if (typeof args.snippet_type === 'string') upload.snippetType = args.snippet_type;
      this.uploads.push(upload);
      return { ok: true, upload_url: `${this.baseUrl}/upload/${fileId}`, file_id: fileId };
    });

    h('files.completeUploadExternal', ({ args }) => {
      const entries: Json[] = Array.isArray(args.files) ? args.files : [];
      if (entries.length === 0) return invalidArguments(['missing required field: files']);
      const files: JsonObject[] = [];
      const channel = typeof args.channel_id === 'string' ? this.resolveChannel(args.channel_id) : undefined;
      for (const entry of entries) {
        const upload = this.uploads.find((u) => isObject(entry) && u.fileId === entry.id);
        if (!upload || upload.bytes === undefined) return { ok: false, error: 'file_not_found' };
        upload.completed = true;
        upload.title = typeof entry.title === 'string' ? entry.title : upload.filename;
        if (channel) upload.channelId = channel;
        if (args.thread_ts !== undefined) upload.threadTs = String(args.thread_ts);
        if (typeof args.initial_comment === 'string') upload.initialComment = args.initial_comment;
        if (args.blocks !== undefined) upload.blocks = args.blocks;
        const ext = upload.filename.includes('.') ? (upload.filename.split('.').pop() ?? 'text') : 'text';
        files.push({
          id: upload.fileId,
          created: Math.floor(Date.now() / 1000),
          timestamp: Math.floor(Date.now() / 1000),
          name: upload.filename,
          title: upload.title,
          mimetype: 'application/octet-stream',
          filetype: ext,
          pretty_type: ext,
          user: FAKE_BOT.userId,
          user_team: FAKE_TEAM.id,
          size: upload.bytes.length,
          mode: 'hosted',
          is_external: false,
          is_public: false,
          url_private: `${this.baseUrl}/files/${upload.fileId}/${encodeURIComponent(upload.filename)}`,
          url_private_download:
            `${this.baseUrl}/files/${upload.fileId}/download/` + `${encodeURIComponent(upload.filename)}`,
          permalink: `${this.baseUrl}/files/${FAKE_BOT.userId}/${upload.fileId}/${encodeURIComponent(upload.filename)}`,
          channels: channel && channel.startsWith('C') ? [channel] : [],
          ims: channel && channel.startsWith('D') ? [channel] : [],
          groups: channel && channel.startsWith('G') ? [channel] : [],
        });
        this.notify('upload', upload);
      }
      return { ok: true, files };
    });
  }
}
