/**
 * Asks for the trial license through a GitLab issue, the way GitLab Support's Mechanizer works:
 * the bot opens an issue describing the request in a project Mechanizer watches; Mechanizer
 * creates the license and reports back by renaming the issue ("[Success] ..." / "[Failure] ...")
 * and commenting ("Created a license under EMAIL for N users"), then closes it.
 *
 * Reference format: the issue's `web_url`, e.g. `https://gitlab.com/group/project/-/issues/42`.
 * `follow()` reads the issue IID from its last path segment (`/issues/<iid>` or
 * `/work_items/<iid>`), queries that IID in the configured `projectId`, and fails if the issue it
 * finds there has another `web_url` (e.g. the project setting changed since the issue was opened).
 *
 * Idempotency: every issue description carries a machine-readable line
 * `lr-oncall-bot-request-id: <requestId>`. `request()` first searches the project for an issue
 * with that line and reuses it (open or succeeded), so a crash between "issue created" and
 * "reference recorded" never opens a second issue. Issues that already failed are not reused: a
 * retry opens a new issue that links to the failed ones.
 *
 * Every HTTP call carries a `PRIVATE-TOKEN` header and its own timeout; the token is never put in
 * a URL or an error message, and redirects are not followed (a redirect could carry the token
 * header to another host).
 */
import { addDaysToIsoDate, toUtcIsoDate } from './dates';
import { trialLicenseFileName, validateTrialEmail, validateTrialUserCount } from './gitlab-license-file';
import { TRIAL_DAYS, TRIAL_PLAN, type FailedLicense, type GeneratedLicense, type LicenseAdapter, type LicenseOutcome, type PendingLicense, type TrialLicenseRequest } from './types';

export const REQUEST_ID_MARKER = 'lr-oncall-bot-request-id';

export interface GitLabIssueAdapterOptions {
  /** GitLab instance, e.g. `https://gitlab.com` (a trailing `/api/v4` is accepted). */
  baseUrl: string;
  /** Personal/project access token with `api` scope; sent as `PRIVATE-TOKEN`. */
  token: string;
  /** Numeric project ID or full path (`group/project`) of the project Mechanizer watches. */
  projectId: string | number;
  /** Pause between two polls of the issue in `follow()`. */
  pollIntervalMs: number;
  /** Upper bound for one `follow()` call. */
  timeoutMs: number;
  /** Upper bound for each HTTP call. */
  requestTimeoutMs: number;
  /** Labels for new issues (e.g. what Mechanizer triggers on). */
  labels?: string[];
  /** New issues are confidential (they contain a customer email). Default true. */
  confidential?: boolean;
  /** Clock for the expiry date when the close date is unknown. */
  now?: () => Date;
  /** Replaces the global `fetch` (tests). */
  fetch?: typeof fetch;
}

interface GitLabIssue {
  iid: number;
  title: string;
  description?: string | null;
  state: string;
  labels?: unknown[];
  web_url: string;
  closed_at?: string | null;
}

interface GitLabNote {
  id?: number;
  body?: string;
  system?: boolean;
  created_at?: string;
}

type HttpResult<T> =
  | { ok: true; status: number; data: T }
  | { ok: false; status?: number; retryable: boolean; message: string; timedOut?: boolean };

type Verdict =
  | { kind: 'done'; outcome: GeneratedLicense | FailedLicense }
  | { kind: 'waiting'; note?: string }
  /** Closed with [Success] but the notes could not be read yet (retry to get the license copy). */
  | { kind: 'success-without-notes'; issue: GitLabIssue };

const SUCCESS_TITLE = /^\s*\[success\]/i;
const FAILURE_TITLE = /^\s*\[(?:failure|failed)\]/i;
const CREATED_LICENSE = /Created a license under\s+(\S+?)\s+for\s+([\d,]+)\s+users?\b/i;
const LICENSE_BLOCK = /-*BEGIN [A-Z][A-Z ]*? LICENSE-*[ \t]*\r?\n[\s\S]*?\r?\n[ \t]*-*END [A-Z][A-Z ]*? LICENSE-*/;
const MAX_REASON_CHARS = 1000;
/** follow() does not start a poll with less time than this left before its deadline. */
const MIN_CALL_MS = 5;

export class GitLabIssueAdapter implements LicenseAdapter {
  readonly name = 'gitlab-issue' as const;
  private readonly apiBase: string;
  private readonly token: string;
  private readonly projectPath: string;
  private readonly pollIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly labels: string[];
  private readonly confidential: boolean;
  private readonly now: () => Date;
  private readonly fetchImpl: typeof fetch;

  constructor(options: GitLabIssueAdapterOptions) {
    this.apiBase = `${normalizeBaseUrl(options.baseUrl)}/api/v4`;
    if (typeof options.token !== 'string' || options.token.trim() === '') {
      throw new Error('GitLabIssueAdapter: token is required');
    }
    this.token = options.token.trim();
    const project = String(options.projectId ?? '').trim();
    if (project === '') throw new Error('GitLabIssueAdapter: projectId is required');
    this.projectPath = `/projects/${encodeURIComponent(project)}`;
    this.pollIntervalMs = positive(options.pollIntervalMs, 'pollIntervalMs');
    this.timeoutMs = positive(options.timeoutMs, 'timeoutMs');
    this.requestTimeoutMs = positive(options.requestTimeoutMs, 'requestTimeoutMs');
    this.labels = (options.labels ?? []).map((l) => oneLine(l)).filter((l) => l !== '' && !l.includes(','));
    this.confidential = options.confidential ?? true;
    this.now = options.now ?? (() => new Date());
    this.fetchImpl = options.fetch ?? fetch;
  }

  async request(req: TrialLicenseRequest): Promise<LicenseOutcome> {
    const invalid = validateRequest(req);
    if (invalid) return { status: 'failed', reason: invalid };
    const email = validateTrialEmail(req.email);

    const existing = await this.findExisting(req.requestId);
    if (!existing.ok) {
      return {
        status: 'failed',
        reason: `Could not check GitLab for an existing issue for this request, so none was created: ${existing.message}`,
      };
    }
    if (existing.reuse) return pending(existing.reuse.web_url);

    const created = await this.call<GitLabIssue>('POST', `${this.projectPath}/issues`, this.requestTimeoutMs, {
      title: `Emergency trial license: ${email} (${req.userCount} users)`,
      description: issueDescription(req, email, existing.failed),
      ...(this.labels.length > 0 ? { labels: this.labels.join(',') } : {}),
      confidential: this.confidential,
    });
    if (created.ok) {
      if (isIssue(created.data)) return pending(created.data.web_url);
      return { status: 'failed', reason: 'GitLab created the issue but its answer has no issue URL; check the project before retrying.' };
    }
    if (created.retryable) {
      // GitLab may have created the issue even though its answer never reached us.
      const again = await this.findExisting(req.requestId);
      if (again.ok && again.reuse) return pending(again.reuse.web_url);
    }
    return { status: 'failed', reason: `Could not create the GitLab issue: ${created.message}` };
  }

  async follow(req: TrialLicenseRequest, reference: string): Promise<GeneratedLicense | FailedLicense> {
    const ref = parseIssueReference(reference);
    if (!ref) {
      return { status: 'failed', reason: `Not a GitLab issue reference: ${JSON.stringify(String(reference)).slice(0, 200)}`, reference };
    }
    const { iid, webUrl } = ref;
    const deadline = performance.now() + this.timeoutMs;
    const remaining = () => deadline - performance.now();
    let lastProblem: string | undefined;
    let waitingNote: string | undefined;
    let successWithoutNotes: GitLabIssue | undefined;

    while (remaining() > MIN_CALL_MS) {
      const budget = Math.min(this.requestTimeoutMs, remaining());
      const got = await this.call<GitLabIssue>('GET', `${this.projectPath}/issues/${iid}`, budget);
      if (!got.ok) {
        if (!got.retryable) return { status: 'failed', reason: `Cannot follow ${webUrl}: ${got.message}`, reference: webUrl };
        // A call cut short by the overall deadline says nothing about GitLab; keep the earlier problem.
        if (!(got.timedOut && budget < this.requestTimeoutMs)) lastProblem = got.message;
      } else if (!isIssue(got.data)) {
        lastProblem = `GitLab answered GET issue ${iid} with something that is not an issue`;
      } else if (sameIssueUrl(got.data.web_url) !== sameIssueUrl(webUrl)) {
        // E.g. projectId was changed since the issue was opened: never report another issue's result.
        return {
          status: 'failed',
          reason: `Issue ${iid} of the configured GitLab project is ${got.data.web_url}, not ${webUrl}; check the reference and the project setting.`,
          reference: webUrl,
        };
      } else {
        lastProblem = undefined;
        const verdict = await this.evaluate(req, got.data, webUrl, remaining);
        if (verdict.kind === 'done') return verdict.outcome;
        if (verdict.kind === 'success-without-notes') successWithoutNotes = verdict.issue;
        else waitingNote = verdict.note;
      }
      const wait = Math.min(this.pollIntervalMs, remaining());
      if (wait <= 0) break;
      await sleep(wait);
    }

    if (successWithoutNotes) return this.generated(req, successWithoutNotes, [], webUrl);
    const details = [waitingNote, lastProblem ? `last problem: ${lastProblem}` : undefined].filter(Boolean).join('; ');
    return {
      status: 'failed',
      reason: this.redact(`No answer from GitLab within ${formatDuration(this.timeoutMs)}; check ${webUrl}${details ? ` (${details})` : ''}`),
      reference: webUrl,
    };
  }

  // -------------------------------------------------------------------------------------------

  private async evaluate(req: TrialLicenseRequest, issue: GitLabIssue, webUrl: string, remaining: () => number): Promise<Verdict> {
    const title = issue.title.trim();
    const closed = issue.state === 'closed';
    const success = SUCCESS_TITLE.test(title);
    const failure = FAILURE_TITLE.test(title) || labelNames(issue).some((l) => l.toLowerCase() === 'failed');

    if (failure || (closed && !success)) {
      const notes = await this.notes(issue.iid, remaining);
      const latest = notes.ok ? latestHumanNote(notes.data) : undefined;
      const prefix = failure ? 'Mechanizer reported a failure' : 'The GitLab issue was closed without [Success]';
      return {
        kind: 'done',
        outcome: { status: 'failed', reason: this.redact(`${prefix}: ${clip(latest ?? title)}`), reference: webUrl },
      };
    }
    if (closed && success) {
      const notes = await this.notes(issue.iid, remaining);
      if (!notes.ok) return { kind: 'success-without-notes', issue };
      return { kind: 'done', outcome: this.generated(req, issue, notes.data, webUrl) };
    }
    if (success) return { kind: 'waiting', note: 'the issue is marked [Success] but is still open' };
    return { kind: 'waiting' };
  }

  private generated(req: TrialLicenseRequest, issue: GitLabIssue, notes: GitLabNote[], webUrl: string): GeneratedLicense {
    const noteBodies = sortNewestFirst(notes)
      .filter((n) => !n.system)
      .map((n) => n.body ?? '');
    const texts = [...noteBodies, issue.description ?? '', issue.title];

    let licenseFile: string | undefined;
    for (const text of texts) {
      const block = LICENSE_BLOCK.exec(text);
      if (block) {
        licenseFile = block[0]
          .split(/\r?\n/)
          .map((line) => line.trim())
          .join('\n');
        break;
      }
    }

    let issuedTo: GeneratedLicense['issuedTo'];
    for (const text of texts) {
      const m = CREATED_LICENSE.exec(text);
      if (m) {
        issuedTo = { email: cleanEmail(m[1] as string), userCount: Number((m[2] as string).replace(/,/g, '')) };
        break;
      }
    }

    const closedAt = issue.closed_at ? new Date(issue.closed_at) : undefined;
    const startDay = closedAt && !Number.isNaN(closedAt.getTime()) ? toUtcIsoDate(closedAt) : toUtcIsoDate(this.now());
    return {
      status: 'generated',
      expiresOn: addDaysToIsoDate(startDay, TRIAL_DAYS),
      reference: webUrl,
      ...(licenseFile ? { licenseFile, fileName: trialLicenseFileName(req.requestId) } : {}),
      ...(issuedTo ? { issuedTo } : {}),
    };
  }

  private async findExisting(
    requestId: string,
  ): Promise<{ ok: true; reuse?: GitLabIssue; failed: string[] } | { ok: false; message: string }> {
    const query = new URLSearchParams({
      search: requestId,
      in: 'description',
      scope: 'all',
      order_by: 'created_at',
      sort: 'asc',
      per_page: '100',
    });
    const found = await this.call<unknown>('GET', `${this.projectPath}/issues?${query.toString()}`, this.requestTimeoutMs);
    if (!found.ok) return { ok: false, message: found.message };
    if (!Array.isArray(found.data)) return { ok: false, message: 'GitLab answered the issue search with something that is not a list' };

    const mine = found.data
      .filter(isIssue)
      .filter((issue) => hasRequestIdLine(issue.description ?? '', requestId))
      .sort((a, b) => a.iid - b.iid);
    const failed = (issue: GitLabIssue) =>
      FAILURE_TITLE.test(issue.title) ||
      labelNames(issue).some((l) => l.toLowerCase() === 'failed') ||
      (issue.state === 'closed' && !SUCCESS_TITLE.test(issue.title));
    const succeeded = mine.find((i) => !failed(i) && i.state === 'closed');
    const open = mine.find((i) => !failed(i) && i.state !== 'closed');
    return { ok: true, reuse: succeeded ?? open, failed: mine.filter(failed).map((i) => i.web_url) };
  }

  private async notes(iid: number, remaining: () => number): Promise<HttpResult<GitLabNote[]>> {
    const budget = Math.min(this.requestTimeoutMs, remaining());
    if (budget <= MIN_CALL_MS) return { ok: false, retryable: true, timedOut: true, message: 'out of time' };
    const query = new URLSearchParams({ sort: 'desc', order_by: 'created_at', per_page: '100' });
    const got = await this.call<unknown>('GET', `${this.projectPath}/issues/${iid}/notes?${query.toString()}`, budget);
    if (!got.ok) return got;
    if (!Array.isArray(got.data)) return { ok: false, retryable: true, message: 'notes are not a list' };
    return { ok: true, status: got.status, data: got.data.filter((n): n is GitLabNote => typeof n === 'object' && n !== null) };
  }

  private async call<T>(method: 'GET' | 'POST', apiPath: string, timeoutMs: number, body?: unknown): Promise<HttpResult<T>> {
    const label = `${method} ${apiPath.split('?')[0]}`;
    const headers: Record<string, string> = { 'PRIVATE-TOKEN': this.token, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const timeout = Math.max(1, Math.floor(timeoutMs));
    try {
      const res = await this.fetchImpl(`${this.apiBase}${apiPath}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeout),
      });
      const text = await res.text();
      if (res.status >= 300 && res.status < 400) {
        return { ok: false, status: res.status, retryable: false, message: this.redact(`GitLab redirected ${label} (HTTP ${res.status}); set the GitLab base URL to the final address`) };
      }
      if (!res.ok) {
        const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
        const detail = errorDetail(text);
        return { ok: false, status: res.status, retryable, message: this.redact(`GitLab answered HTTP ${res.status} to ${label}${detail ? `: ${detail}` : ''}`) };
      }
      try {
        return { ok: true, status: res.status, data: JSON.parse(text) as T };
      } catch {
        return { ok: false, status: res.status, retryable: true, message: this.redact(`GitLab answered ${label} with something that is not JSON`) };
      }
    } catch (err) {
      const name = (err as { name?: string } | null)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        return { ok: false, retryable: true, timedOut: true, message: this.redact(`GitLab did not answer ${label} within ${formatDuration(timeout)}`) };
      }
      return { ok: false, retryable: true, message: this.redact(`Cannot reach GitLab for ${label}: ${networkErrorText(err)}`) };
    }
  }

  /** Belt and braces: the token is never put in messages, but scrub it anyway. */
  private redact(text: string): string {
    return this.token.length >= 4 ? text.split(this.token).join('[REDACTED]') : text;
  }
}

// ---------------------------------------------------------------------------------------------

/** `{ iid, webUrl }` from a reference returned by `request()` (the issue's web URL). */
export function parseIssueReference(reference: string): { iid: number; webUrl: string } | undefined {
  if (typeof reference !== 'string') return undefined;
  const webUrl = reference.trim();
  const m = /^https?:\/\/\S+\/(?:issues|work_items)\/(\d+)\/?(?:[?#]\S*)?$/.exec(webUrl);
  if (!m) return undefined;
  const iid = Number(m[1]);
  return Number.isSafeInteger(iid) && iid > 0 ? { iid, webUrl } : undefined;
}

/** The description of the issue asking for the license (Markdown). */
export function issueDescription(req: TrialLicenseRequest, email: string, previousFailures: string[] = []): string {
  const requester = oneLine(req.requestedBy).replace(/^@+/, '');
  const lines = [
    'Emergency **trial** license requested through the L&R on-call Slack bot (weekend emergency).',
    '',
    `- Ticket: ${oneLine(req.ticketUrl)}`,
    `- Email: ${email}`,
    `- Users: ${req.userCount}`,
    `- Plan: Ultimate trial (\`${TRIAL_PLAN}\`, trial: true)`,
    `- Duration: ${TRIAL_DAYS} days`,
    `- Requested by: ${requester ? `@${requester}` : '(unknown)'}`,
    '',
    'This is a trial license only: do not create a non-trial license from this issue.',
  ];
  if (previousFailures.length > 0) {
    lines.push('', `Previous attempts that failed: ${previousFailures.map(oneLine).join(', ')}`);
  }
  lines.push('', `${REQUEST_ID_MARKER}: \`${req.requestId}\``);
  return lines.join('\n');
}

/** Comparable form of an issue URL (GitLab may answer with /issues/ or /work_items/). */
function sameIssueUrl(url: string): string {
  return url
    .trim()
    .replace(/[?#].*$/, '')
    .replace(/\/+$/, '')
    .replace(/\/work_items\/(\d+)$/, '/issues/$1')
    .toLowerCase();
}

function hasRequestIdLine(description: string, requestId: string): boolean {
  const pattern = new RegExp(`^[ \\t]*${REQUEST_ID_MARKER}:[ \\t]*\`?${escapeRegExp(requestId)}\`?[ \\t]*\\r?$`, 'm');
  return pattern.test(description);
}

function validateRequest(req: TrialLicenseRequest): string | undefined {
  if (!req || typeof req.requestId !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(req.requestId) || req.requestId.includes('`')) {
    return 'The request ID is missing or has characters that cannot go in a GitLab issue.';
  }
  try {
    validateTrialEmail(req.email);
    validateTrialUserCount(req.userCount);
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

function pending(webUrl: string): PendingLicense {
  return { status: 'pending', reference: webUrl };
}

function isIssue(value: unknown): value is GitLabIssue {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.iid === 'number' && typeof v.title === 'string' && typeof v.state === 'string' && typeof v.web_url === 'string' && parseIssueReference(v.web_url) !== undefined;
}

function labelNames(issue: GitLabIssue): string[] {
  return (issue.labels ?? [])
    .map((l) => (typeof l === 'string' ? l : typeof l === 'object' && l !== null ? (l as { name?: unknown }).name : undefined))
    .filter((l): l is string => typeof l === 'string');
}

function sortNewestFirst(notes: GitLabNote[]): GitLabNote[] {
  const time = (n: GitLabNote) => (n.created_at ? Date.parse(n.created_at) || 0 : 0);
  return [...notes].sort((a, b) => time(b) - time(a) || (b.id ?? 0) - (a.id ?? 0));
}

function latestHumanNote(notes: GitLabNote[]): string | undefined {
  const note = sortNewestFirst(notes).find((n) => !n.system && typeof n.body === 'string' && n.body.trim() !== '');
  return note?.body?.trim();
}

function cleanEmail(raw: string): string {
  // Mechanizer may write the address as `x@y`, <x@y>, [x@y](mailto:x@y) or end the sentence after it.
  const mailto = /mailto:([^)\s]+)/i.exec(raw);
  const value = mailto ? (mailto[1] as string) : raw;
  return value.replace(/^[`<[(*_"']+/, '').replace(/[`>\])*_"'.,;:]+$/, '');
}

function errorDetail(body: string): string {
  let detail = body;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === 'object') {
      const p = parsed as Record<string, unknown>;
      const msg = p.message ?? p.error_description ?? p.error;
      detail = typeof msg === 'string' ? msg : JSON.stringify(msg ?? parsed);
    }
  } catch {
    // Not JSON (an HTML error page from a proxy): keep a short excerpt.
  }
  return clip(oneLine(detail), 200);
}

function networkErrorText(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } } | null;
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

function normalizeBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(String(raw ?? '').trim());
  } catch {
    throw new Error('GitLabIssueAdapter: baseUrl must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('GitLabIssueAdapter: baseUrl must use http or https');
  if (url.username || url.password) throw new Error('GitLabIssueAdapter: baseUrl must not contain credentials; use the token option');
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '').replace(/\/api\/v4$/, '');
}

function positive(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`GitLabIssueAdapter: ${name} must be a positive number of milliseconds`);
  }
  return value;
}

/** Human wording of a duration for messages: "30 minutes", "5 seconds", "250 ms". */
export function formatDuration(ms: number): string {
  if (ms >= 60_000) {
    const minutes = Math.round((ms / 60_000) * 10) / 10;
    return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  }
  if (ms >= 1000) {
    const seconds = Math.round((ms / 1000) * 10) / 10;
    return `${seconds} second${seconds === 1 ? '' : 's'}`;
  }
  return `${Math.round(ms)} ms`;
}

function oneLine(value: unknown): string {
  return String(value ?? '')
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim()
    .slice(0, 500);
}

function clip(text: string, max = MAX_REASON_CHARS): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
