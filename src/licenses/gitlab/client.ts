/**
 * The GitLab REST calls the gitlab-issue adapter makes (issues and notes of one project). Every
 * call carries a `PRIVATE-TOKEN` header and its own timeout; the token is never put in a URL or a
 * message, and redirects are not followed (a redirect could carry the token header to another
 * host). Calls never throw: they answer a result whose failure says whether a retry can help.
 */
import type { z } from 'zod';
import { truncate } from '../../shared/text';
import { formatDuration } from '../../shared/duration';
import {
  errorBodySchema,
  issueListSchema,
  issueSchema,
  noteListSchema,
  type GitLabIssue,
  type GitLabNote,
} from './schemas';

export type GitLabFailureKind = 'redirect' | 'http' | 'not-json' | 'unexpected-answer' | 'timeout' | 'network';

export interface GitLabFailure {
  ok: false;
  kind: GitLabFailureKind;
  status?: number;
  /** A later call may succeed (5xx, 429, 408, timeouts, network errors, odd answers). */
  retryable: boolean;
  message: string;
}

export type GitLabResult<T> = { ok: true; status: number; data: T } | GitLabFailure;

export interface GitLabClientOptions {
  /** GitLab instance, e.g. `https://gitlab.com` (a trailing `/api/v4` is accepted). */
  baseUrl: string;
  /** Personal/project access token with `api` scope; sent as `PRIVATE-TOKEN`. */
  token: string;
  /** Numeric project ID or full path (`group/project`). */
  projectId: string | number;
  /** Upper bound for each call unless the call is given a smaller one. */
  requestTimeoutMs: number;
  /** Replaces the global `fetch` (tests). */
  fetch?: typeof fetch;
}

export interface NewIssue {
  title: string;
  description: string;
  labels: string[];
  confidential: boolean;
}

export class GitLabClient {
  private readonly apiBase: string;
  private readonly token: string;
  private readonly projectPath: string;
  readonly requestTimeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: GitLabClientOptions) {
    this.apiBase = `${normalizeBaseUrl(options.baseUrl)}/api/v4`;
    if (typeof options.token !== 'string' || options.token.trim() === '') {
      throw new Error('GitLabIssueAdapter: token is required');
    }
    this.token = options.token.trim();
    const project = String(options.projectId ?? '').trim();
    if (project === '') throw new Error('GitLabIssueAdapter: projectId is required');
    this.projectPath = `/projects/${encodeURIComponent(project)}`;
    this.requestTimeoutMs = positiveMs(options.requestTimeoutMs, 'requestTimeoutMs');
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** Issues of the project whose description mentions `text`, oldest first (at most 100). */
  async searchIssues(text: string, timeoutMs = this.requestTimeoutMs): Promise<GitLabResult<GitLabIssue[]>> {
    const query = new URLSearchParams({
      search: text,
      in: 'description',
      scope: 'all',
      order_by: 'created_at',
      sort: 'asc',
      per_page: '100',
    });
    const found = await this.call('GET', `${this.projectPath}/issues?${query.toString()}`, timeoutMs);
    return this.validated(found, issueListSchema, 'GitLab answered the issue search with something that is not a list');
  }

  async createIssue(issue: NewIssue, timeoutMs = this.requestTimeoutMs): Promise<GitLabResult<GitLabIssue>> {
    const created = await this.call('POST', `${this.projectPath}/issues`, timeoutMs, {
      title: issue.title,
      description: issue.description,
      ...(issue.labels.length > 0 ? { labels: issue.labels.join(',') } : {}),
      confidential: issue.confidential,
    });
    return this.validated(created, issueSchema, 'GitLab created the issue but its answer has no issue URL', false);
  }

  async getIssue(iid: number, timeoutMs = this.requestTimeoutMs): Promise<GitLabResult<GitLabIssue>> {
    const got = await this.call('GET', `${this.projectPath}/issues/${iid}`, timeoutMs);
    return this.validated(got, issueSchema, `GitLab answered GET issue ${iid} with something that is not an issue`);
  }

  /** The issue's notes, newest first as GitLab sorts them (at most 100). */
  async listNotes(iid: number, timeoutMs = this.requestTimeoutMs): Promise<GitLabResult<GitLabNote[]>> {
    const query = new URLSearchParams({ sort: 'desc', order_by: 'created_at', per_page: '100' });
    const got = await this.call('GET', `${this.projectPath}/issues/${iid}/notes?${query.toString()}`, timeoutMs);
    return this.validated(got, noteListSchema, 'notes are not a list');
  }

  /** Belt and braces: the token is never put in messages, but scrub it anyway. */
  redact(text: string): string {
    return this.token.length >= 4 ? text.split(this.token).join('[REDACTED]') : text;
  }

  private validated<S extends z.ZodType>(
    result: GitLabResult<unknown>,
    schema: S,
    problem: string,
    retryable = true,
  ): GitLabResult<z.output<S>> {
    if (!result.ok) return result;
    const parsed = schema.safeParse(result.data);
    if (!parsed.success)
      return { ok: false, kind: 'unexpected-answer', status: result.status, retryable, message: problem };
    return { ok: true, status: result.status, data: parsed.data };
  }

  private async call(
    method: 'GET' | 'POST',
    apiPath: string,
    timeoutMs: number,
    body?: unknown,
  ): Promise<GitLabResult<unknown>> {
    const label = `${method} ${apiPath.split('?')[0]}`;
    const headers: Record<string, string> = { 'PRIVATE-TOKEN': this.token, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const timeout = Math.max(1, Math.floor(timeoutMs));
    const fail = (kind: GitLabFailureKind, retryable: boolean, message: string, status?: number): GitLabFailure => ({
      ok: false,
      kind,
      retryable,
      message: this.redact(message),
      ...(status === undefined ? {} : { status }),
    });
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
        return fail(
          'redirect',
          false,
          `GitLab redirected ${label} (HTTP ${res.status}); set the GitLab base URL to the final address`,
          res.status,
        );
      }
      if (!res.ok) {
        const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
        const detail = errorDetail(text);
        return fail(
          'http',
          retryable,
          `GitLab answered HTTP ${res.status} to ${label}${detail ? `: ${detail}` : ''}`,
          res.status,
        );
      }
      try {
        return { ok: true, status: res.status, data: JSON.parse(text) as unknown };
      } catch {
        return fail('not-json', true, `GitLab answered ${label} with something that is not JSON`, res.status);
      }
    } catch (err) {
      const name = (err as { name?: string } | null)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        return fail('timeout', true, `GitLab did not answer ${label} within ${formatDuration(timeout)}`);
      }
      return fail('network', true, `Cannot reach GitLab for ${label}: ${networkErrorText(err)}`);
    }
  }
}

function errorDetail(body: string): string {
  let detail = body;
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(body));
    if (parsed.success) {
      const msg = parsed.data.message ?? parsed.data.error_description ?? parsed.data.error;
      detail = typeof msg === 'string' ? msg : JSON.stringify(msg ?? parsed.data);
    }
  } catch {
    // Not JSON (an HTML error page from a proxy): keep a short excerpt.
  }
  return truncate(
    detail
      // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are removed/refused
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .trim()
      .slice(0, 500),
    200,
  );
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
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error('GitLabIssueAdapter: baseUrl must use http or https');
  if (url.username || url.password)
    throw new Error('GitLabIssueAdapter: baseUrl must not contain credentials; use the token option');
  url.search = '';
  url.hash = '';
  return url
    .toString()
    .replace(/\/+$/, '')
    .replace(/\/api\/v4$/, '');
}

export function positiveMs(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`GitLabIssueAdapter: ${name} must be a positive number of milliseconds`);
  }
  return value;
}
