/**
 * A loopback fake of the Zendesk REST API v2, for the Zendesk client's tests and, later, the
 * end-to-end flows (point the bot at it with `ZENDESK_API_URL=fake.apiUrl`).
 *
 *   const zendesk = new FakeZendesk({ email: 'bot@example.com', apiToken: 'zd-test-token' });
 *   await zendesk.start();
 *   const ticket = zendesk.addTicket({ subject: 'License expired', requester: { email: 'a@example.com' } });
 *   zendesk.fail({ path: /\/users\//, status: 429, retryAfterSeconds: 7 });
 *   ... client calls ...
 *   zendesk.requests          // every request, as received
 *   zendesk.updates           // every ticket update that added a comment
 *   await zendesk.stop();
 *
 * Routes, with the request and answer shapes of Zendesk's API reference (a `.json` suffix is accepted):
 *   GET  /api/v2/tickets/{id}             → {ticket:{id,url,subject,status,requester_id,organization_id,…}}
 *   GET  /api/v2/users/{id}               → {user:{id,name,email,…}}
 *   GET  /api/v2/organizations/{id}       → {organization:{id,name,…}}
 *   GET  /api/v2/tickets/{id}/comments    → {comments:[{id,type,author_id,body,html_body,plain_body,public,
 *                                            attachments:[{id,file_name,content_url,content_type,size,inline,…}],
 *                                            created_at}], …}
 *        cursor pagination with `page[size]` (+ `page[after]`): `meta:{has_more,after_cursor,before_cursor}`,
 *        `links:{next,prev}`; otherwise offset pagination (`page`, `per_page`): `next_page`, `previous_page`,
 *        `count`. Inline attachments only with `include_inline_images=true`.
 *   POST /api/v2/uploads?filename=…       raw bytes → 201 {upload:{token,expires_at,attachment,attachments}}
 *   PUT  /api/v2/tickets/{id}             {ticket:{comment:{body|html_body,public,uploads:[token]}}}
 *                                          → {ticket:{…},audit:{id,ticket_id,created_at,events}}
 * Authentication: `Authorization: Basic base64(email/token:apitoken)` or `Bearer <oauth token>`, as
 * configured; anything else gets 401 `{"error":"Couldn't authenticate you"}`. Unknown records get
 * 404 `{"error":"RecordNotFound","description":"Not found"}`; a closed ticket refuses updates with
 * 422 (as Zendesk does); a ticket listed in `forbiddenTickets` answers 403.
 *
 * Faults on demand (`fail`): any status (429 adds `Retry-After`), a delay before the normal
 * answer (slow), a hang until `stop()`, a dropped connection, or a given body — before the request's
 * work, or after it (`applyFirst`: the write happens, its answer is lost).
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Json = any;

export interface FakeZendeskUser {
  id: number;
  name: string | null;
  email: string | null;
  role: 'end-user' | 'agent' | 'admin';
  organization_id: number | null;
  created_at: string;
}

export interface FakeZendeskOrganization {
  id: number;
  name: string;
  created_at: string;
}

export interface FakeZendeskAttachment {
  id: number;
  file_name: string;
  content_url: string;
  mapped_content_url: string;
  content_type: string;
  size: number;
  width: number | null;
  height: number | null;
  inline: boolean;
  deleted: boolean;
  malware_scan_result: string;
  thumbnails: Json[];
  url: string;
}

export interface FakeZendeskComment {
  id: number;
  type: 'Comment';
  author_id: number;
  body: string;
  html_body: string;
  plain_body: string;
  public: boolean;
  attachments: FakeZendeskAttachment[];
  audit_id: number;
  via: { channel: string };
  created_at: string;
}

export interface FakeZendeskTicket {
  id: number;
  url: string;
  subject: string | null;
  raw_subject: string | null;
  description: string;
  status: 'new' | 'open' | 'pending' | 'hold' | 'solved' | 'closed';
  priority: string | null;
  requester_id: number;
  submitter_id: number;
  assignee_id: number | null;
  organization_id: number | null;
  tags: string[];
  created_at: string;
  updated_at: string;
}

export interface NewAttachment {
  file_name: string;
  content_type?: string;
  size?: number;
  inline?: boolean;
  deleted?: boolean;
}

export interface NewComment {
  body?: string;
  public?: boolean;
  author_id?: number;
  attachments?: NewAttachment[];
}

export interface NewTicket {
  id?: number;
  subject?: string | null;
  status?: FakeZendeskTicket['status'];
  /** An existing user id, or the fields of a new end user. */
  requester?: number | { name?: string | null; email?: string | null };
  /** An existing organization id, a new organization's name, or null for none. */
  organization?: number | string | null;
  /** The first one is the ticket's description. Default: one public comment without attachments. */
  comments?: NewComment[];
}

export interface FakeZendeskUpload {
  token: string;
  fileName: string;
  contentType: string;
  bytes: Buffer;
  attachment: FakeZendeskAttachment;
  /** The ticket whose comment used the token, once it did. */
  usedBy?: number;
}

export interface RecordedZendeskRequest {
  method: string;
  /** Path without the query string, e.g. `/api/v2/tickets/7/comments`. */
  path: string;
  query: URLSearchParams;
  /** Lower-case header names, as received (the test suite's credentials included: this is test code). */
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The status the fake answered (undefined while it hangs or when it dropped the connection). */
  status?: number;
  /** Earlier requests still unanswered when this one arrived: calls made at once overlap, on any machine. */
  unansweredOnArrival: number;
  /** When the fake answered (`performance.now()`), to order it against other fakes' records. */
  answeredAt?: number;
  /** Set when an injected fault shaped the answer. */
  fault?: FaultSpec;
}

export interface RecordedUpdate {
  ticketId: number;
  /** The request body as parsed JSON. */
  request: Json;
  comment: FakeZendeskComment;
  uploadTokens: string[];
}

export interface FaultSpec {
  method?: string;
  /** Matches the path (without query): a string is contained in it, a RegExp tests it. */
  path?: string | RegExp;
  /** How many matching requests to fail (default 1; Infinity for all). */
  times?: number;
  /** HTTP status to answer. Default 500 unless only `delayMs` is given (then the normal answer, late). */
  status?: number;
  /** `Retry-After` header value (seconds, or any string such as an HTTP date); 429 defaults to 60. */
  retryAfter?: number | string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (until stop()). */
  hang?: boolean;
  /** Drop the connection without answering. */
  destroyConnection?: boolean;
  /** Answer this body (JSON unless a string). */
  body?: Json;
  /**
   * Do the request's work first (a ticket update is applied, an upload stored), then answer with the
   * fault: the client sees a failure although the write happened (a lost answer).
   */
  applyFirst?: boolean;
}

export interface FakeZendeskOptions {
  /** API-token authentication: `email/token:apiToken`. */
  email?: string;
  apiToken?: string;
  /** OAuth authentication: `Bearer oauthToken`. When both are set, both are accepted. */
  oauthToken?: string;
}

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
}

const NOT_FOUND = { error: 'RecordNotFound', description: 'Not found' };
const FORBIDDEN = { error: 'Forbidden', description: 'You do not have access to this page.' };

export class FakeZendesk {
  readonly email?: string;
  readonly apiToken?: string;
  readonly oauthToken?: string;

  readonly tickets = new Map<number, FakeZendeskTicket>();
  readonly users = new Map<number, FakeZendeskUser>();
  readonly organizations = new Map<number, FakeZendeskOrganization>();
  readonly comments = new Map<number, FakeZendeskComment[]>();
  readonly uploads = new Map<string, FakeZendeskUpload>();
  /** Ticket ids that answer 403 (the agent's role cannot see them). */
  readonly forbiddenTickets = new Set<number>();

  readonly requests: RecordedZendeskRequest[] = [];
  readonly updates: RecordedUpdate[] = [];

  private server?: http.Server;
  private origin = '';
  private nextId = 1000;
  private faults: ActiveFault[] = [];
  private readonly hanging = new Set<http.ServerResponse>();
  /** Pending slow answers: cleared by stop() so that no timer outlives the fake. */
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sockets = new Set<Socket>();

  constructor(options: FakeZendeskOptions = {}) {
    if (!options.apiToken && !options.oauthToken) throw new Error('FakeZendesk: give apiToken (+ email) or oauthToken');
    if (options.apiToken && !options.email) throw new Error('FakeZendesk: an apiToken needs the email');
    this.email = options.email;
    this.apiToken = options.apiToken;
    this.oauthToken = options.oauthToken;
  }

  /** `http://127.0.0.1:<port>/api/v2/`, what ZENDESK_API_URL takes. */
  get apiUrl(): string {
    if (!this.origin) throw new Error('FakeZendesk: not started');
    return `${this.origin}/api/v2/`;
  }

  async start(): Promise<string> {
    const server = http.createServer((req, res) => this.receive(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.apiUrl;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // --- data -----------------------------------------------------------------------------------

  addUser(fields: { name?: string | null; email?: string | null; role?: FakeZendeskUser['role'] } = {}) {
    const id = this.id();
    const user: FakeZendeskUser = {
      id,
      name: fields.name === undefined ? `Customer ${id}` : fields.name,
      email: fields.email === undefined ? `customer${id}@example.com` : fields.email,
      role: fields.role ?? 'end-user',
      organization_id: null,
      created_at: now(),
    };
    this.users.set(id, user);
    return user;
  }

  addOrganization(name: string) {
    const organization: FakeZendeskOrganization = { id: this.id(), name, created_at: now() };
    this.organizations.set(organization.id, organization);
    return organization;
  }

  addTicket(fields: NewTicket = {}): FakeZendeskTicket {
    const id = fields.id ?? this.id();
    const requester =
      typeof fields.requester === 'number'
        ? this.users.get(fields.requester)
        : this.addUser({ name: fields.requester?.name, email: fields.requester?.email });
    if (!requester) throw new Error(`FakeZendesk: no user ${JSON.stringify(fields.requester)}`);
    let organizationId: number | null = null;
    if (typeof fields.organization === 'number') organizationId = fields.organization;
    else if (typeof fields.organization === 'string') organizationId = this.addOrganization(fields.organization).id;
    else if (fields.organization === undefined) organizationId = this.addOrganization(`Organization of ${id}`).id;
    requester.organization_id = organizationId;
    const subject = fields.subject === undefined ? `Ticket ${id}` : fields.subject;
    const comments = fields.comments ?? [{ body: 'Our license expired.', public: true }];
    const ticket: FakeZendeskTicket = {
      id,
      url: `${this.origin}/api/v2/tickets/${id}.json`,
      subject,
      raw_subject: subject,
      description: comments[0]?.body ?? '',
      status: fields.status ?? 'open',
      priority: null,
      requester_id: requester.id,
      submitter_id: requester.id,
      assignee_id: null,
      organization_id: organizationId,
      tags: [],
      created_at: now(),
      updated_at: now(),
    };
    this.tickets.set(id, ticket);
    this.comments.set(id, []);
    for (const comment of comments) this.addComment(id, { author_id: requester.id, ...comment });
    return ticket;
  }

  addComment(ticketId: number, fields: NewComment): FakeZendeskComment {
    const ticket = this.tickets.get(ticketId);
    if (!ticket) throw new Error(`FakeZendesk: no ticket ${ticketId}`);
    const body = fields.body ?? '';
    const comment: FakeZendeskComment = {
      id: this.id(),
      type: 'Comment',
      author_id: fields.author_id ?? ticket.requester_id,
      body,
      html_body: `<div class="zd-comment"><p>${escapeHtml(body)}</p></div>`,
      plain_body: body,
      public: fields.public ?? true,
      attachments: (fields.attachments ?? []).map((a) => this.attachment(a)),
      audit_id: this.id(),
      via: { channel: 'web' },
      created_at: now(),
    };
    this.comments.get(ticketId)?.push(comment);
    return comment;
  }

  /** Comments added through the API (by the client under test), in order. */
  get addedComments(): FakeZendeskComment[] {
    return this.updates.map((update) => update.comment);
  }

  // --- faults ---------------------------------------------------------------------------------

  /** The next matching request(s) get this answer instead of the normal one. */
  fail(spec: FaultSpec): void {
    this.faults.push({ spec, remaining: spec.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  // --- HTTP -----------------------------------------------------------------------------------

  private receive(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', this.origin);
      const record: RecordedZendeskRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks),
        unansweredOnArrival: this.requests.filter((r) => r.status === undefined).length,
      };
      this.requests.push(record);
      this.answer(record, res).catch((error: unknown) => {
        // A bug of the fake must show as a failed request, not as a hang or an unhandled rejection.
        if (!res.headersSent) this.send(res, record, 500, { error: 'FakeZendeskError', description: String(error) });
      });
    });
  }

  private async answer(record: RecordedZendeskRequest, res: http.ServerResponse): Promise<void> {
    const fault = this.takeFault(record);
    if (fault) record.fault = fault;
    if (fault?.delayMs) await this.sleep(fault.delayMs);
    if (fault?.applyFirst) this.route(record);
    if (fault?.hang) {
      this.hanging.add(res);
      return;
    }
    if (fault?.destroyConnection) {
      res.socket?.destroy();
      return;
    }
    const answersWithFault =
      fault &&
      (fault.status !== undefined || fault.body !== undefined || fault.delayMs === undefined || fault.applyFirst);
    if (fault && answersWithFault) {
      const status = fault.status ?? 500;
      const headers: Record<string, string> = {};
      const retryAfter = fault.retryAfter ?? (status === 429 ? 60 : undefined);
      if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
      // Zendesk's 429 answer is plain text; other errors are JSON.
      const body =
        fault.body ??
        (status === 429
          ? 'Number of allowed API requests per minute exceeded'
          : status >= 500
            ? { error: 'ServerError', description: 'Internal error' }
            : { error: `HTTP${status}` });
      this.send(res, record, status, body, headers);
      return;
    }
    const [status, body] = this.route(record);
    this.send(res, record, status, body);
  }

  /** Resolves after `ms`, or never when the fake stops first (its answer is then not sent). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private takeFault(record: RecordedZendeskRequest): FaultSpec | undefined {
    const active = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (!f.spec.method || f.spec.method.toUpperCase() === record.method) &&
        (f.spec.path === undefined ||
          (typeof f.spec.path === 'string' ? record.path.includes(f.spec.path) : f.spec.path.test(record.path))),
    );
    if (!active) return undefined;
    active.remaining -= 1;
    return active.spec;
  }

  private send(
    res: http.ServerResponse,
    record: RecordedZendeskRequest,
    status: number,
    body: Json,
    headers: Record<string, string> = {},
  ): void {
    record.status = status;
    record.answeredAt = performance.now();
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
      'X-Rate-Limit': '700',
      ...headers,
    });
    res.end(text);
  }

  private authorized(record: RecordedZendeskRequest): boolean {
    const header = record.headers.authorization ?? '';
    if (this.oauthToken && header === `Bearer ${this.oauthToken}`) return true;
    if (this.apiToken && header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
      return decoded === `${this.email}/token:${this.apiToken}`;
    }
    return false;
  }

  private route(record: RecordedZendeskRequest): [number, Json] {
    if (!this.authorized(record)) return [401, { error: "Couldn't authenticate you" }];
    const path = record.path.replace(/\.json$/, '');
    const m = /^\/api\/v2\/(tickets|users|organizations|uploads)(?:\/(\d+))?(\/comments)?$/.exec(path);
    if (!m) return [404, { error: 'InvalidEndpoint', description: 'Not found' }];
    const [, resource, rawId, comments] = m;
    const id = rawId === undefined ? undefined : Number(rawId);
    const route = `${record.method} ${resource}${id === undefined ? '' : '/:id'}${comments ?? ''}`;
    switch (route) {
      case 'GET tickets/:id':
        return this.withTicket(id, (ticket) => [200, { ticket }]);
      case 'GET tickets/:id/comments':
        return this.withTicket(id, (ticket) => [200, this.commentPage(ticket.id, record.query)]);
      case 'PUT tickets/:id':
        return this.withTicket(id, (ticket) => this.update(ticket, record));
      case 'GET users/:id': {
        const user = this.users.get(id ?? 0);
        return user ? [200, { user }] : [404, NOT_FOUND];
      }
      case 'GET organizations/:id': {
        const organization = this.organizations.get(id ?? 0);
        return organization ? [200, { organization }] : [404, NOT_FOUND];
      }
      case 'POST uploads':
        return this.upload(record);
      default:
        return [404, { error: 'InvalidEndpoint', description: 'Not found' }];
    }
  }

  private withTicket(id: number | undefined, then: (ticket: FakeZendeskTicket) => [number, Json]): [number, Json] {
    const ticket = this.tickets.get(id ?? 0);
    if (!ticket) return [404, NOT_FOUND];
    if (this.forbiddenTickets.has(ticket.id)) return [403, FORBIDDEN];
    return then(ticket);
  }

  private commentPage(ticketId: number, query: URLSearchParams): Json {
    const inline = query.get('include_inline_images') === 'true';
    const all = (this.comments.get(ticketId) ?? []).map((c) => ({
      ...c,
      attachments: c.attachments.filter((a) => inline || !a.inline),
    }));
    const listUrl = `${this.origin}/api/v2/tickets/${ticketId}/comments.json`;
    const extra = inline ? '&include_inline_images=true' : '';
    const size = query.get('page[size]');
    if (size !== null) {
      // Cursor pagination: the cursor is the index of the next comment, opaque to the client.
      const pageSize = Math.min(100, Math.max(1, Number(size) || 100));
      const after = query.get('page[after]');
      const start = after ? Number(Buffer.from(after, 'base64url').toString('utf8')) || 0 : 0;
      const page = all.slice(start, start + pageSize);
      const hasMore = start + pageSize < all.length;
      const cursor = (index: number) => Buffer.from(String(index), 'utf8').toString('base64url');
      const q = (k: string, v: string) => `?page%5Bsize%5D=${pageSize}&page%5B${k}%5D=${v}${extra}`;
      return {
        comments: page,
        meta: {
          has_more: hasMore,
          after_cursor: hasMore ? cursor(start + pageSize) : null,
          before_cursor: start > 0 ? cursor(Math.max(0, start - pageSize)) : null,
        },
        links: {
          next: hasMore ? `${listUrl}${q('after', cursor(start + pageSize))}` : null,
          prev: start > 0 ? `${listUrl}${q('before', cursor(Math.max(0, start - pageSize)))}` : null,
        },
      };
    }
    // Offset pagination (the older default).
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page')) || 100));
    const pageNo = Math.max(1, Number(query.get('page')) || 1);
    const start = (pageNo - 1) * perPage;
    const link = (n: number) => `${listUrl}?page=${n}&per_page=${perPage}${extra}`;
    return {
      comments: all.slice(start, start + perPage),
      next_page: start + perPage < all.length ? link(pageNo + 1) : null,
      previous_page: pageNo > 1 ? link(pageNo - 1) : null,
      count: all.length,
    };
  }

  private upload(record: RecordedZendeskRequest): [number, Json] {
    const fileName = record.query.get('filename');
    if (!fileName) return [400, { error: 'InvalidValue', description: 'filename is required' }];
    const contentType = String(record.headers['content-type'] ?? 'application/binary');
    const attachment = this.attachment({ file_name: fileName, content_type: contentType, size: record.body.length });
    // `token` joins this file to an earlier upload's token (several files in one comment).
    const token = record.query.get('token') ?? randomBytes(12).toString('hex');
    const upload: FakeZendeskUpload = { token, fileName, contentType, bytes: record.body, attachment };
    this.uploads.set(`${token}:${attachment.id}`, upload);
    const attachments = [...this.uploads.values()].filter((u) => u.token === token).map((u) => u.attachment);
    const expires = new Date(Date.now() + 3 * 86_400_000).toISOString();
    return [201, { upload: { token, expires_at: expires, attachments, attachment } }];
  }

  private update(ticket: FakeZendeskTicket, record: RecordedZendeskRequest): [number, Json] {
    let request: Json;
    try {
      request = JSON.parse(record.body.toString('utf8'));
    } catch {
      return [400, { error: 'Unprocessable Entity', description: 'Server could not parse JSON' }];
    }
    if (!String(record.headers['content-type'] ?? '').startsWith('application/json'))
      return [415, { error: 'UnsupportedMediaType' }];
    const comment = request?.ticket?.comment;
    if (ticket.status === 'closed') {
      return [
        422,
        {
          error: 'RecordInvalid',
          description: 'Record validation errors',
          details: { status: [{ description: 'Status: closed prevents ticket update' }] },
        },
      ];
    }
    if (!comment || (typeof comment.body !== 'string' && typeof comment.html_body !== 'string'))
      return [422, { error: 'RecordInvalid', description: 'The fake only takes updates that add a comment' }];
    const tokens: string[] = Array.isArray(comment.uploads) ? comment.uploads : [];
    const files = [...this.uploads.values()].filter((u) => tokens.includes(u.token));
    const unknown = tokens.filter((t) => !files.some((u) => u.token === t));
    if (unknown.length > 0 || files.some((u) => u.usedBy !== undefined))
      return [422, { error: 'RecordInvalid', description: 'Upload token unknown, expired or already used' }];
    for (const file of files) file.usedBy = ticket.id;
    const body = typeof comment.body === 'string' ? comment.body : stripTags(comment.html_body);
    const added = this.addComment(ticket.id, { body, public: comment.public !== false, author_id: 1 });
    added.attachments = files.map((f) => f.attachment);
    if (typeof comment.html_body === 'string') added.html_body = comment.html_body;
    ticket.updated_at = now();
    this.updates.push({ ticketId: ticket.id, request, comment: added, uploadTokens: tokens });
    return [
      200,
      {
        ticket,
        audit: {
          id: added.audit_id,
          ticket_id: ticket.id,
          created_at: added.created_at,
          events: [{ id: this.id(), type: 'Comment', body, public: added.public, attachments: added.attachments }],
        },
      },
    ];
  }

  private attachment(fields: NewAttachment): FakeZendeskAttachment {
    const id = this.id();
    const token = randomBytes(8).toString('hex');
    const contentUrl = `${this.origin}/attachments/token/${token}/?name=${encodeURIComponent(fields.file_name)}`;
    const image = (fields.content_type ?? '').startsWith('image/');
    return {
      id,
      file_name: fields.file_name,
      content_url: contentUrl,
      mapped_content_url: contentUrl,
      content_type: fields.content_type ?? 'application/octet-stream',
      size: fields.size ?? 1024,
      width: image ? 1280 : null,
      height: image ? 800 : null,
      inline: fields.inline ?? false,
      deleted: fields.deleted ?? false,
      malware_scan_result: 'malware_not_found',
      thumbnails: [],
      url: `${this.origin}/api/v2/attachments/${id}.json`,
    };
  }

  private id(): number {
    this.nextId += 1;
    return this.nextId;
  }
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function stripTags(html: unknown): string {
  return typeof html === 'string' ? html.replace(/<[^>]*>/g, '') : '';
}
