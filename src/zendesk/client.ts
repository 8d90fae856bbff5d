/**
 * The Zendesk REST API v2 calls the bot makes, with `fetch` and zod: a ticket, its requester, its
 * organization, its comments (with attachments), a file upload and a ticket update with a comment.
 *
 * - Only tickets of the configured Zendesk (`ZENDESK_BASE_URL`) are touched: ticket methods take the
 *   ticket's URL or number and parse it with `parseTicketReference`; anything else is a
 *   `foreign-ticket` failure and no request is sent.
 * - Each call has its own timeout (`AbortSignal.timeout`); redirects are not followed (a redirect
 *   could carry the Authorization header to another host), and pagination links are followed only
 *   when they stay on the API's own origin and path.
 * - Calls never throw: they answer a result whose failure names its kind (not found, forbidden,
 *   rate limited with the `Retry-After` seconds, unavailable, timeout, invalid answer…), whether a
 *   retry can help, and whether a write may have happened anyway (`ambiguous`).
 * - The token is never put in a URL or a message; every message is scrubbed of it all the same.
 *   The optional `onCall` hook gets method, path (no query), status, kind and duration — never headers.
 */
import type { z } from 'zod';
import { parseTicketReference } from '../policy/ticket';
import { formatDuration } from '../shared/duration';
import { truncate } from '../shared/text';
import type { ZendeskCredentials } from './config';
import {
  commentPageSchema,
  errorAnswerSchema,
  organizationAnswerSchema,
  ticketAnswerSchema,
  ticketUpdateAnswerSchema,
  uploadAnswerSchema,
  userAnswerSchema,
  type ZendeskComment,
  type ZendeskOrganization,
  type ZendeskTicket,
  type ZendeskTicketUpdate,
  type ZendeskUpload,
  type ZendeskUser,
} from './schemas';

export type ZendeskFailureKind =
  /** 404: no such ticket/user/organization, or not visible to the bot's agent. */
  | 'not-found'
  /** 403: the agent may not see or change this. */
  | 'forbidden'
  /** 401: the credentials were refused. */
  | 'unauthorized'
  /** 429: too many requests; `retryAfterSeconds` from `Retry-After`. */
  | 'rate-limited'
  /** 5xx, 409, network errors: Zendesk is down or busy. */
  | 'unavailable'
  /** No answer within the call's timeout (or 408). */
  | 'timeout'
  /** Not JSON, not the documented shape, a redirect, or a pagination link elsewhere. */
  | 'invalid-answer'
  /** 400/413/422 and other 4xx: Zendesk refused the request itself (e.g. a closed ticket cannot be updated). */
  | 'rejected'
  /** The ticket reference is not a ticket of ZENDESK_BASE_URL: nothing was sent. */
  | 'foreign-ticket';

export interface ZendeskFailure {
  ok: false;
  kind: ZendeskFailureKind;
  status?: number;
  /** A later call may succeed (429, 5xx, 409, timeouts, network errors, odd answers to reads). */
  retryable: boolean;
  /** Seconds to wait before the next call, from `Retry-After` (429, and 503 when Zendesk gives it). */
  retryAfterSeconds?: number;
  /**
   * The ticket update may have been applied although it failed (timeout, network error, 5xx or odd
   * answer after sending): look for it on the ticket before writing again (writers.ts does).
   */
  ambiguous?: boolean;
  /** One line, for logs and operators; never contains a secret. */
  message: string;
}

export type ZendeskResult<T> = { ok: true; data: T } | ZendeskFailure;

export interface ZendeskCallRecord {
  method: string;
  /** Path below the API URL, without the query string, e.g. `tickets/123/comments`. */
  path: string;
  status?: number;
  kind?: ZendeskFailureKind;
  ms: number;
}

export interface ZendeskClientOptions {
  /** ZENDESK_BASE_URL: the Zendesk whose tickets may be touched. */
  baseUrl: string;
  /** ZENDESK_API_URL, ending in `/api/v2/`. */
  apiUrl: string;
  credentials: ZendeskCredentials;
  /** Upper bound of each call unless a call is given a smaller one. */
  timeoutMs: number;
  /** Replaces the global `fetch` (tests). */
  fetch?: typeof fetch;
  /** Called after every HTTP call (logging at debug, metrics). */
  onCall?: (record: ZendeskCallRecord) => void;
  /** Largest answer body read, in bytes (default 8 MiB); a larger one is an `invalid-answer`. */
  maxAnswerBytes?: number;
}

export interface CallOptions {
  /** This call's timeout (the client's own is the upper bound). */
  timeoutMs?: number;
}

export interface CommentsOptions extends CallOptions {
  /** Pages of 100 comments read at most (default 10); `complete` says whether there were more. */
  maxPages?: number;
  /** Bound on all the pages together (each page also has `timeoutMs`); default: none beyond the pages'. */
  totalTimeoutMs?: number;
}

export interface TicketComments {
  comments: ZendeskComment[];
  /** False when `maxPages` was reached before the last page. */
  complete: boolean;
}

export interface FileToUpload {
  fileName: string;
  content: Buffer | string;
  /** Default `application/octet-stream`. */
  contentType?: string;
}

/** A comment to add with `PUT tickets/{id}`: plain `body` or `htmlBody`, public or internal, upload tokens. */
export interface NewComment {
  body?: string;
  htmlBody?: string;
  public: boolean;
  uploads?: string[];
}

export interface TicketRef {
  id: number;
  /** `<ZENDESK_BASE_URL>/agent/tickets/<id>` */
  url: string;
}

const DEFAULT_MAX_ANSWER_BYTES = 8 * 1024 * 1024;
const PAGE_SIZE = 100;
/** Retry-After values beyond a day are treated as a day. */
const MAX_RETRY_AFTER_SECONDS = 86_400;

export class ZendeskClient {
  private readonly apiUrl: URL;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  private readonly credentials: ZendeskCredentials;
  private readonly fetchImpl: typeof fetch;
  private readonly onCall?: (record: ZendeskCallRecord) => void;
  private readonly maxAnswerBytes: number;

  constructor(options: ZendeskClientOptions) {
    this.apiUrl = apiUrlOf(options.apiUrl);
    this.baseUrl = String(options.baseUrl ?? '').replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+$/.test(this.baseUrl)) throw new Error('ZendeskClient: baseUrl must be an http(s) origin');
    if (typeof options.timeoutMs !== 'number' || !Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0)
      throw new Error('ZendeskClient: timeoutMs must be a positive number of milliseconds');
    this.timeoutMs = options.timeoutMs;
    this.credentials = options.credentials;
    this.fetchImpl = options.fetch ?? fetch;
    this.onCall = options.onCall;
    this.maxAnswerBytes = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  }

  /** The ticket a URL or number names, when it is a ticket of ZENDESK_BASE_URL. */
  ticketRef(reference: string | number): ZendeskResult<TicketRef> {
    const parsed = parseTicketReference(String(reference), this.baseUrl);
    if (!parsed.ok) return { ok: false, kind: 'foreign-ticket', retryable: false, message: parsed.error };
    return { ok: true, data: { id: Number(parsed.number), url: parsed.url } };
  }

  async getTicket(reference: string | number, options: CallOptions = {}): Promise<ZendeskResult<ZendeskTicket>> {
    const ref = this.ticketRef(reference);
    if (!ref.ok) return ref;
    const got = await this.call('GET', `tickets/${ref.data.id}`, options);
    return mapOk(this.validated(got, ticketAnswerSchema, 'is not a ticket'), (answer) => answer.ticket);
  }

  async getUser(userId: number, options: CallOptions = {}): Promise<ZendeskResult<ZendeskUser>> {
    const bad = invalidId(userId, 'user');
    if (bad) return bad;
    const got = await this.call('GET', `users/${userId}`, options);
    return mapOk(this.validated(got, userAnswerSchema, 'is not a user'), (answer) => answer.user);
  }

  async getOrganization(orgId: number, options: CallOptions = {}): Promise<ZendeskResult<ZendeskOrganization>> {
    const bad = invalidId(orgId, 'organization');
    if (bad) return bad;
    const got = await this.call('GET', `organizations/${orgId}`, options);
    return mapOk(
      this.validated(got, organizationAnswerSchema, 'is not an organization'),
      (answer) => answer.organization,
    );
  }

  /**
   * The ticket's comments, oldest first, with their attachments (inline images included), page by
   * page (cursor pagination; an offset `next_page` is followed too). Each page gets the call timeout.
   */
  async listComments(
    reference: string | number,
    options: CommentsOptions = {},
  ): Promise<ZendeskResult<TicketComments>> {
    const ref = this.ticketRef(reference);
    if (!ref.ok) return ref;
    const maxPages = Math.max(1, Math.floor(options.maxPages ?? 10));
    const basePath = `tickets/${ref.data.id}/comments`;
    const comments: ZendeskComment[] = [];
    let next: string | undefined = `${basePath}?${cursorQuery()}`;
    const deadline = options.totalTimeoutMs === undefined ? undefined : performance.now() + options.totalTimeoutMs;
    for (let page = 1; next !== undefined; page += 1) {
      if (page > maxPages) return { ok: true, data: { comments, complete: false } };
      let timeoutMs = options.timeoutMs;
      if (deadline !== undefined) {
        const left = Math.floor(deadline - performance.now());
        if (left <= 0)
          return this.fail('timeout', true, `Zendesk did not list the comments of ticket ${ref.data.id} in time`);
        timeoutMs = Math.min(left, timeoutMs ?? left);
      }
      const got = this.validated(
        await this.call('GET', next, { timeoutMs }),
        commentPageSchema,
        'is not a list of comments',
      );
      if (!got.ok) return got;
      comments.push(...got.data.comments);
      const { meta, links, next_page: offsetNext } = got.data;
      if (meta?.has_more && !links?.next && !meta.after_cursor)
        return this.fail('invalid-answer', true, `Zendesk answered GET ${basePath} with more pages but no cursor`);
      const link = meta
        ? meta.has_more
          ? (links?.next ?? `${basePath}?${cursorQuery(meta.after_cursor ?? '')}`)
          : undefined
        : offsetNext;
      if (!link) break;
      next = this.ownPath(link, basePath);
      if (next === undefined)
        return this.fail('invalid-answer', true, `Zendesk answered GET ${basePath} with a next page elsewhere`);
    }
    return { ok: true, data: { comments, complete: true } };
  }

  /** `POST uploads?filename=…` with the raw bytes: the token to put in a comment's `uploads`. */
  async upload(file: FileToUpload, options: CallOptions = {}): Promise<ZendeskResult<ZendeskUpload>> {
    const fileName = String(file.fileName ?? '').trim();
    if (fileName === '' || fileName.length > 255 || /[\\/]/.test(fileName))
      return this.fail('rejected', false, 'Zendesk upload: the file name must be 1-255 characters without slashes');
    const body = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
    const query = new URLSearchParams({ filename: fileName }).toString();
    const got = await this.call('POST', `uploads?${query}`, options, {
      contentType: file.contentType ?? 'application/octet-stream',
      bytes: body,
    });
    return mapOk(this.validated(got, uploadAnswerSchema, 'has no upload token'), (answer) => answer.upload);
  }

  /** `PUT tickets/{id}` with `{ticket:{comment:{…}}}`: adds one comment (with the uploads' files) to the ticket. */
  async addComment(
    reference: string | number,
    comment: NewComment,
    options: CallOptions = {},
  ): Promise<ZendeskResult<ZendeskTicketUpdate>> {
    const ref = this.ticketRef(reference);
    if (!ref.ok) return ref;
    const hasBody = typeof comment.body === 'string' && comment.body.trim() !== '';
    const hasHtml = typeof comment.htmlBody === 'string' && comment.htmlBody.trim() !== '';
    if (hasBody === hasHtml) return this.fail('rejected', false, 'Zendesk comment: give either a body or an HTML body');
    const payload = {
      ticket: {
        comment: {
          ...(hasBody ? { body: comment.body } : { html_body: comment.htmlBody }),
          public: comment.public === true,
          ...(comment.uploads && comment.uploads.length > 0 ? { uploads: [...comment.uploads] } : {}),
        },
      },
    };
    const got = await this.call('PUT', `tickets/${ref.data.id}`, options, {
      contentType: 'application/json',
      bytes: Buffer.from(JSON.stringify(payload), 'utf8'),
    });
    return this.validated(got, ticketUpdateAnswerSchema, 'is not the updated ticket', true);
  }

  /** Belt and braces: secrets are never put in messages, but scrub them anyway. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.credentials.secrets()) if (secret.length >= 4) out = out.split(secret).join('[REDACTED]');
    return out;
  }

  /** A pagination link as a path below the API URL, if it stays on the API's origin and the listing's own path. */
  private ownPath(link: string, basePath: string): string | undefined {
    let url: URL;
    try {
      url = new URL(link, this.apiUrl);
    } catch {
      return undefined;
    }
    const expected = `${this.apiUrl.pathname}${basePath}`;
    if (url.origin !== this.apiUrl.origin || url.username || url.password) return undefined;
    if (url.pathname !== expected && url.pathname !== `${expected}.json`) return undefined;
    return `${basePath}${url.search}`;
  }

  private fail(kind: ZendeskFailureKind, retryable: boolean, message: string, extra: Partial<ZendeskFailure> = {}) {
    return { ok: false as const, kind, retryable, ...extra, message: this.redact(message) };
  }

  private validated<S extends z.ZodType>(
    result: ZendeskResult<{ status: number; json: unknown; label: string; write: boolean }>,
    schema: S,
    problem: string,
    write = false,
  ): ZendeskResult<z.output<S>> {
    if (!result.ok) return result;
    const parsed = schema.safeParse(result.data.json);
    if (parsed.success) return { ok: true, data: parsed.data };
    // A write that answered 2xx with an odd body has probably been made: retrying could make it twice.
    return this.fail('invalid-answer', !write, `Zendesk answered ${result.data.label} with something that ${problem}`, {
      status: result.data.status,
      ...(write ? { ambiguous: true } : {}),
    });
  }

  private async call(
    method: 'GET' | 'POST' | 'PUT',
    pathAndQuery: string,
    options: CallOptions,
    body?: { contentType: string; bytes: Buffer },
  ): Promise<ZendeskResult<{ status: number; json: unknown; label: string; write: boolean }>> {
    const path = pathAndQuery.split('?')[0];
    const label = `${method} ${path}`;
    // Only a ticket update changes what people see; a repeated upload leaves an unused file that Zendesk deletes.
    const write = method === 'PUT';
    const timeout = Math.max(1, Math.floor(Math.min(options.timeoutMs ?? this.timeoutMs, this.timeoutMs)));
    const started = performance.now();
    const done = (result: ZendeskResult<{ status: number; json: unknown; label: string; write: boolean }>) => {
      this.onCall?.({
        method,
        path,
        status: result.ok ? result.data.status : result.status,
        kind: result.ok ? undefined : result.kind,
        ms: Math.round(performance.now() - started),
      });
      return result;
    };
    const headers: Record<string, string> = {
      Authorization: this.credentials.authorizationHeader(),
      Accept: 'application/json',
    };
    if (body) headers['Content-Type'] = body.contentType;
    try {
      const signal = AbortSignal.timeout(timeout);
      const responsePromise = this.fetchImpl(new URL(pathAndQuery, this.apiUrl), {
        method,
        headers,
        body: body ? new Uint8Array(body.bytes) : undefined,
        redirect: 'manual',
        signal,
      });
      const res = await responsePromise;
      const answer = await readCapped(res, this.maxAnswerBytes);
      if (answer === undefined) {
        return done(
          this.fail('invalid-answer', !write, `Zendesk answered ${label} with more than ${this.maxAnswerBytes} bytes`, {
            status: res.status,
            ...(write && res.ok ? { ambiguous: true } : {}),
          }),
        );
      }
      if (res.status >= 300 && res.status < 400)
        return done(
          this.fail(
            'invalid-answer',
            false,
            `Zendesk redirected ${label} (HTTP ${res.status}); set ZENDESK_API_URL to the final address`,
            { status: res.status },
          ),
        );
      if (!res.ok) return done(this.httpFailure(res, answer, label, write));
      if (res.status === 204 || answer.trim() === '')
        return done({ ok: true, data: { status: res.status, json: {}, label, write } });
      try {
        return done({ ok: true, data: { status: res.status, json: JSON.parse(answer) as unknown, label, write } });
      } catch {
        return done(
          this.fail('invalid-answer', !write, `Zendesk answered ${label} with something that is not JSON`, {
            status: res.status,
            ...(write ? { ambiguous: true } : {}),
          }),
        );
      }
    } catch (err) {
      const name = (err as { name?: string } | null)?.name;
      // A write whose connection was refused or whose host was not found never reached Zendesk.
      const ambiguous = write && !NOT_SENT.has(networkErrorCode(err) ?? '') ? { ambiguous: true } : {};
      if (name === 'TimeoutError' || name === 'AbortError')
        return done(
          this.fail('timeout', true, `Zendesk did not answer ${label} within ${formatDuration(timeout)}`, ambiguous),
        );
      return done(
        this.fail('unavailable', true, `Cannot reach Zendesk for ${label}: ${networkErrorText(err)}`, ambiguous),
      );
    }
  }

  private httpFailure(res: Response, answer: string, label: string, write: boolean): ZendeskFailure {
    const status = res.status;
    const detail = errorDetail(answer);
    const said = `Zendesk answered HTTP ${status} to ${label}${detail ? `: ${detail}` : ''}`;
    const retryAfterSeconds = parseRetryAfter(res.headers.get('retry-after'));
    const after = retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
    if (status === 401) return this.fail('unauthorized', false, said, { status });
    if (status === 403) return this.fail('forbidden', false, said, { status });
    if (status === 404) return this.fail('not-found', false, said, { status });
    if (status === 408) return this.fail('timeout', true, said, { status, ...(write ? { ambiguous: true } : {}) });
    if (status === 429) return this.fail('rate-limited', true, said, { status, ...after });
    if (status === 409) return this.fail('unavailable', true, said, { status, ...after });
    if (status >= 500)
      return this.fail('unavailable', true, said, { status, ...after, ...(write ? { ambiguous: true } : {}) });
    return this.fail('rejected', false, said, { status });
  }
}

/**
 * `Retry-After` as whole seconds: delta-seconds or an HTTP date (RFC 9110 10.2.3); undefined when
 * absent or unreadable. Fractions round up, dates in the past give 0, values over a day give a day.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const raw = value.trim();
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.min(MAX_RETRY_AFTER_SECONDS, Math.ceil(Number(raw)));
  if (!/[a-z]/i.test(raw)) return undefined;
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, Math.ceil((at - now) / 1000)));
}

/** The query of a cursor-paginated comments page (inline images included). */
function cursorQuery(after?: string): string {
  const query = new URLSearchParams({ include_inline_images: 'true', 'page[size]': String(PAGE_SIZE) });
  if (after !== undefined) query.set('page[after]', after);
  return query.toString();
}

function mapOk<T, U>(result: ZendeskResult<T>, map: (data: T) => U): ZendeskResult<U> {
  return result.ok ? { ok: true, data: map(result.data) } : result;
}

function invalidId(value: number, what: string): ZendeskFailure | undefined {
  return Number.isSafeInteger(value) && value > 0
    ? undefined
    : { ok: false, kind: 'rejected', retryable: false, message: `Zendesk ${what} id must be a positive whole number` };
}

function apiUrlOf(raw: string): URL {
  let url: URL;
  try {
    url = new URL(String(raw ?? '').trim());
  } catch {
    throw new Error('ZendeskClient: apiUrl must be an absolute http(s) URL ending in /api/v2/');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('ZendeskClient: apiUrl must use http(s)');
  if (url.username || url.password) throw new Error('ZendeskClient: apiUrl must not contain credentials');
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** The body as text, or undefined when it is larger than `max` bytes (read no further). */
async function readCapped(res: Response, max: number): Promise<string | undefined> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!res.body) return '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A short, single-line excerpt of Zendesk's error answer (its `error`, `description`, `details`). */
function errorDetail(body: string): string {
  let detail = body;
  try {
    const parsed = errorAnswerSchema.safeParse(JSON.parse(body));
    if (parsed.success) {
      const { error, description, details } = parsed.data;
      const parts = [
        typeof error === 'string' ? error : typeof error === 'object' && error ? JSON.stringify(error) : undefined,
        typeof description === 'string' ? description : undefined,
        details === undefined ? undefined : JSON.stringify(details),
      ].filter((part): part is string => typeof part === 'string' && part !== '');
      detail = parts.join(' — ');
    }
  } catch {
    // Not JSON (Zendesk's 429 is often text/plain, a proxy's error page is HTML): keep a short excerpt.
  }
  return truncate(
    detail
      // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are removed
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 500),
    200,
  );
}

/** Network errors that mean the request never left (no write can have happened). */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

function networkErrorCode(err: unknown): string | undefined {
  return (err as { cause?: { code?: string } } | null)?.cause?.code;
}

function networkErrorText(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } } | null;
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
