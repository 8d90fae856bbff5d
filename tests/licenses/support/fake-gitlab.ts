/**
 * A small fake of the GitLab REST API (issues + notes of one project), on 127.0.0.1, for the
 * gitlab-issue license adapter and end-to-end tests.
 *
 *   const gitlab = new FakeGitLab({ token: 'glpat-test' });
 *   const baseUrl = await gitlab.start();
 *   gitlab.scriptNextIssue(FakeGitLab.mechanizerSuccess({ email, userCount, afterPolls: 2 }));
 *   ... adapter calls ...
 *   gitlab.requests            // everything the client sent
 *   await gitlab.stop();
 *
 * Routes (project given by numeric ID or URL-encoded path):
 *   GET  /api/v4/projects/:id/issues              search, in, state, order_by, sort, per_page
 *   POST /api/v4/projects/:id/issues              title, description, labels, confidential
 *   GET  /api/v4/projects/:id/issues/:iid         applies scripted transitions first
 *   PUT  /api/v4/projects/:id/issues/:iid         title, description, labels, state_event
 *   GET  /api/v4/projects/:id/issues/:iid/notes   sort, order_by
 *   POST /api/v4/projects/:id/issues/:iid/notes   body
 * Every route needs the right `PRIVATE-TOKEN` header (else 401).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeIssue {
  id: number;
  iid: number;
  project_id: number;
  title: string;
  description: string;
  state: 'opened' | 'closed';
  labels: string[];
  confidential: boolean;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  web_url: string;
}

export interface FakeNote {
  id: number;
  body: string;
  system: boolean;
  created_at: string;
  author: { username: string };
}

export interface RecordedRequest {
  method: string;
  /** Raw path without the query string, e.g. `/api/v4/projects/42/issues/1`. */
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON (or form) body, undefined when empty. */
  body: unknown;
  /** HTTP status the fake answered (undefined when it never answered). */
  status?: number;
}

/** A change to an issue; scripted ones apply just before the `afterPolls`-th GET of the issue. */
export interface IssueChange {
  title?: string;
  /** Prepended to the current title, e.g. '[Success] '. */
  titlePrefix?: string;
  description?: string;
  state?: 'opened' | 'closed';
  labels?: string[];
  addLabels?: string[];
  /** A (non-system) comment, as Mechanizer would post. */
  note?: string;
  systemNote?: string;
  /** ISO timestamp used as closed_at when the change closes the issue (default: now). */
  closedAt?: string;
}

export interface IssueTransition extends IssueChange {
  /** Apply when the issue is fetched for the Nth time (1 = the first GET already sees it). */
  afterPolls: number;
}

export interface RequestMatcher {
  method?: string;
  /** Matches the path (without query); a string must be contained in it. */
  path?: string | RegExp;
}

export interface FakeGitLabOptions {
  token?: string;
  projectId?: number;
  projectPath?: string;
}

interface Fault {
  remaining: number;
  match: RequestMatcher;
  kind: 'status' | 'hang';
  status: number;
  body: unknown;
}

export class FakeGitLab {
  readonly token: string;
  readonly projectId: number;
  readonly projectPath: string;
  readonly requests: RecordedRequest[] = [];
  readonly issues = new Map<number, FakeIssue>();
  readonly notes = new Map<number, FakeNote[]>();

  private server?: http.Server;
  private url?: string;
  private nextIssueId = 1000;
  private nextNoteId = 5000;
  private readonly polls = new Map<number, number>();
  private readonly scripts = new Map<number, IssueTransition[]>();
  private nextIssueScripts: IssueTransition[][] = [];
  private faults: Fault[] = [];
  private readonly hanging = new Set<http.ServerResponse>();

  constructor(options: FakeGitLabOptions = {}) {
    this.token = options.token ?? 'glpat-fake-token-0123456789';
    this.projectId = options.projectId ?? 42;
    this.projectPath = options.projectPath ?? 'gitlab-com/support/internal-requests';
  }

  /** Listens on 127.0.0.1 (random port); resolves to the base URL, e.g. http://127.0.0.1:12345 */
  async start(): Promise<string> {
    if (this.url) return this.url;
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.url = undefined;
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get baseUrl(): string {
    if (!this.url) throw new Error('FakeGitLab not started');
    return this.url;
  }

  /** The bot's settings for the gitlab-issue adapter against this fake, polling every second. */
  botEnv(): Record<string, string> {
    return {
      LICENSE_ADAPTER: 'gitlab-issue',
      GITLAB_URL: this.baseUrl,
      GITLAB_TOKEN: this.token,
      GITLAB_PROJECT_ID: String(this.projectId),
      GITLAB_POLL_INTERVAL_SECONDS: '1',
    };
  }

  /** Adds an issue directly (e.g. one left behind by a crash). Call after start() so web_url has the port. */
  addIssue(init: Partial<Omit<FakeIssue, 'iid' | 'id'>> & { title: string; iid?: number }): FakeIssue {
    const iid = init.iid ?? this.nextIid();
    const now = new Date().toISOString();
    const issue: FakeIssue = {
      id: this.nextIssueId++,
      iid,
      project_id: this.projectId,
      title: init.title,
      description: init.description ?? '',
      state: init.state ?? 'opened',
      labels: init.labels ?? [],
      confidential: init.confidential ?? false,
      created_at: init.created_at ?? now,
      updated_at: init.updated_at ?? now,
      closed_at: init.closed_at ?? (init.state === 'closed' ? now : null),
      web_url: init.web_url ?? `${this.url ?? 'http://127.0.0.1'}/${this.projectPath}/-/issues/${iid}`,
    };
    this.issues.set(iid, issue);
    this.notes.set(iid, []);
    return issue;
  }

  getIssue(iid: number): FakeIssue | undefined {
    return this.issues.get(iid);
  }

  /** Changes an issue now (a human or Mechanizer acting on it). */
  updateIssue(iid: number, change: IssueChange): FakeIssue {
    const issue = this.issues.get(iid);
    if (!issue) throw new Error(`FakeGitLab: no issue ${iid}`);
    const now = new Date().toISOString();
    if (change.title !== undefined) issue.title = change.title;
    if (change.titlePrefix !== undefined) issue.title = `${change.titlePrefix}${issue.title}`;
    if (change.description !== undefined) issue.description = change.description;
    if (change.labels !== undefined) issue.labels = [...change.labels];
    if (change.addLabels) issue.labels = [...new Set([...issue.labels, ...change.addLabels])];
    if (change.note !== undefined) this.addNote(iid, change.note);
    if (change.systemNote !== undefined) this.addNote(iid, change.systemNote, { system: true });
    if (change.state !== undefined && change.state !== issue.state) {
      issue.state = change.state;
      issue.closed_at = change.state === 'closed' ? (change.closedAt ?? now) : null;
    } else if (change.closedAt !== undefined && issue.state === 'closed') {
      issue.closed_at = change.closedAt;
    }
    issue.updated_at = now;
    return issue;
  }

  addNote(
    iid: number,
    body: string,
    options: { system?: boolean; author?: string; createdAt?: string } = {},
  ): FakeNote {
    const list = this.notes.get(iid);
    if (!list) throw new Error(`FakeGitLab: no issue ${iid}`);
    const note: FakeNote = {
      id: this.nextNoteId++,
      body,
      system: options.system ?? false,
      created_at: options.createdAt ?? new Date(Date.now() + list.length).toISOString(),
      author: { username: options.author ?? (options.system ? 'ghost' : 'mechanizer-bot') },
    };
    list.push(note);
    return note;
  }

  /** Scripts changes for an existing issue, applied as it gets polled. */
  script(iid: number, transitions: IssueTransition[]): void {
    this.scripts.set(iid, [...(this.scripts.get(iid) ?? []), ...transitions]);
  }

  /** Scripts changes for the next issue created through the API (queue: one list per issue). */
  scriptNextIssue(transitions: IssueTransition[]): void {
    this.nextIssueScripts.push(transitions);
  }

  /** Answers the next `count` matching requests with `status` (default 500). */
  failNext(count: number, options: RequestMatcher & { status?: number; body?: unknown } = {}): void {
    this.faults.push({
      remaining: count,
      match: { method: options.method, path: options.path },
      kind: 'status',
      status: options.status ?? 500,
      body: options.body ?? { message: '500 Internal Server Error' },
    });
  }

  /** Never answers the next `count` matching requests (until `stop()`), to exercise client timeouts. */
  hangNext(count: number, match: RequestMatcher = {}): void {
    this.faults.push({ remaining: count, match, kind: 'hang', status: 0, body: undefined });
  }

  /** Recorded requests matching method/path. */
  requestsTo(match: RequestMatcher): RecordedRequest[] {
    return this.requests.filter((r) => matches(match, r.method, r.path));
  }

  /** How many times the issue was fetched with GET /issues/:iid. */
  pollCount(iid: number): number {
    return this.polls.get(iid) ?? 0;
  }

  // ---- ready-made Mechanizer behaviours ---------------------------------------------------

  /** Mechanizer succeeds: comments, renames to "[Success] ..." and closes. */
  static mechanizerSuccess(options: {
    email: string;
    userCount: number;
    afterPolls?: number;
    licenseFile?: string;
    closedAt?: string;
  }): IssueTransition[] {
    const body = [
      `Created a license under ${options.email} for ${options.userCount} users.`,
      ...(options.licenseFile ? ['', '```', options.licenseFile, '```'] : []),
    ].join('\n');
    return [
      {
        afterPolls: options.afterPolls ?? 1,
        note: body,
        titlePrefix: '[Success] ',
        state: 'closed',
        closedAt: options.closedAt,
      },
    ];
  }

  /** Mechanizer fails: comments the reason, renames to "[Failure] ..." and (by default) closes. */
  static mechanizerFailure(options: {
    reason: string;
    afterPolls?: number;
    close?: boolean;
    prefix?: string;
  }): IssueTransition[] {
    return [
      {
        afterPolls: options.afterPolls ?? 1,
        note: options.reason,
        titlePrefix: `${options.prefix ?? '[Failure]'} `,
        ...(options.close === false ? {} : { state: 'closed' as const }),
      },
    ];
  }

  // ---- HTTP ------------------------------------------------------------------------------

  private nextIid(): number {
    return Math.max(0, ...this.issues.keys()) + 1;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const record: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams.entries()),
        headers: req.headers,
        rawBody,
        body: parseBody(rawBody, req.headers['content-type']),
      };
      this.requests.push(record);
      const send = (status: number, body: unknown) => {
        record.status = status;
        const text = JSON.stringify(body);
        res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      };

      const fault = this.faults.find((f) => f.remaining > 0 && matches(f.match, record.method, record.path));
      if (fault) {
        fault.remaining -= 1;
        if (fault.kind === 'hang') {
          this.hanging.add(res);
          res.on('close', () => this.hanging.delete(res));
          return;
        }
        return send(fault.status, fault.body);
      }

      if (req.headers['private-token'] !== this.token) return send(401, { message: '401 Unauthorized' });
      try {
        const [status, body] = this.route(record);
        send(status, body);
      } catch (err) {
        send(500, { message: `fake-gitlab error: ${(err as Error).message}` });
      }
    });
  }

  private route(r: RecordedRequest): [number, unknown] {
    const m = /^\/api\/v4\/projects\/([^/]+)\/issues(?:\/(\d+)(\/notes)?)?\/?$/.exec(r.path);
    if (!m) return [404, { error: '404 Not Found' }];
    const project = decodeURIComponent(m[1]);
    if (project !== String(this.projectId) && project !== this.projectPath)
      return [404, { message: '404 Project Not Found' }];
    const iid = m[2] ? Number(m[2]) : undefined;
    const notes = Boolean(m[3]);

    if (iid === undefined) {
      if (r.method === 'GET') return [200, this.listIssues(r.query)];
      if (r.method === 'POST') return this.createIssue(r.body);
      return [405, { message: '405 Method Not Allowed' }];
    }
    const issue = this.issues.get(iid);
    if (!issue) return [404, { message: '404 Not found' }];
    if (notes) {
      if (r.method === 'GET') {
        const list = [...(this.notes.get(iid) ?? [])].sort(
          (a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id,
        );
        if ((r.query.sort ?? 'desc') === 'desc') list.reverse();
        return [200, list];
      }
      if (r.method === 'POST') {
        const body = asRecord(r.body);
        if (typeof body.body !== 'string' || body.body === '') return [400, { message: { body: ["can't be blank"] } }];
        return [201, this.addNote(iid, body.body)];
      }
      return [405, { message: '405 Method Not Allowed' }];
    }
    if (r.method === 'GET') {
      const count = (this.polls.get(iid) ?? 0) + 1;
      this.polls.set(iid, count);
      const script = this.scripts.get(iid) ?? [];
      const due = script.filter((t) => t.afterPolls <= count);
      this.scripts.set(
        iid,
        script.filter((t) => t.afterPolls > count),
      );
      for (const t of due) this.updateIssue(iid, t);
      return [200, issue];
    }
    if (r.method === 'PUT') {
      const body = asRecord(r.body);
      const change: IssueChange = {};
      if (typeof body.title === 'string') change.title = body.title;
      if (typeof body.description === 'string') change.description = body.description;
      if (typeof body.labels === 'string') change.labels = splitLabels(body.labels);
      if (body.state_event === 'close') change.state = 'closed';
      if (body.state_event === 'reopen') change.state = 'opened';
      return [200, this.updateIssue(iid, change)];
    }
    return [405, { message: '405 Method Not Allowed' }];
  }

  private listIssues(q: Record<string, string>): FakeIssue[] {
    let list = [...this.issues.values()];
    if (q.state === 'opened' || q.state === 'closed') list = list.filter((i) => i.state === q.state);
    if (q.search) {
      const term = q.search.toLowerCase();
      const fields = (q.in ?? 'title,description').split(',').map((f) => f.trim());
      list = list.filter((i) =>
        fields.some((f) =>
          (f === 'title' ? i.title : f === 'description' ? i.description : '').toLowerCase().includes(term),
        ),
      );
    }
    const asc = q.sort === 'asc';
    list.sort((a, b) => (asc ? a.iid - b.iid : b.iid - a.iid));
    const perPage = Math.min(Number(q.per_page ?? 20) || 20, 100);
    return list.slice(0, perPage);
  }

  private createIssue(rawBody: unknown): [number, unknown] {
    const body = asRecord(rawBody);
    if (typeof body.title !== 'string' || body.title.trim() === '')
      return [400, { message: { title: ["can't be blank"] } }];
    const issue = this.addIssue({
      title: body.title,
      description: typeof body.description === 'string' ? body.description : '',
      labels:
        typeof body.labels === 'string'
          ? splitLabels(body.labels)
          : Array.isArray(body.labels)
            ? body.labels.map(String)
            : [],
      confidential: body.confidential === true || body.confidential === 'true',
    });
    const script = this.nextIssueScripts.shift();
    if (script) this.script(issue.iid, script);
    return [201, issue];
  }
}

function matches(m: RequestMatcher, method: string, path: string): boolean {
  if (m.method && m.method.toUpperCase() !== method.toUpperCase()) return false;
  if (m.path instanceof RegExp) return m.path.test(path);
  if (typeof m.path === 'string') return path.includes(m.path);
  return true;
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === '') return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(raw).entries());
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function splitLabels(labels: string): string[] {
  return labels
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
}
