/**
 * Asks for the trial license through a GitLab issue, the way GitLab Support's Mechanizer works:
 * the bot opens an issue describing the request in a project Mechanizer watches; Mechanizer
 * creates the license and reports back by renaming the issue ("[Success] ..." / "[Failure] ...")
 * and commenting ("Created a license under EMAIL for N users"), then closes it.
 * The REST calls are in gitlab/client.ts, the reading of Mechanizer's replies in
 * gitlab/mechanizer-replies.ts; this file decides what to call when and what it means.
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
 */
import { DateTime } from 'luxon';
import { formatDuration } from '../shared/duration';
import { truncate } from '../shared/text';
import { addDaysToIsoDate, toUtcIsoDate } from './dates';
import { GitLabClient, positiveMs, type GitLabClientOptions, type GitLabResult } from './gitlab/client';
import {
  hasFailed,
  hasRequestIdLine,
  issueDescription,
  issueState,
  latestHumanNote,
  oneLine,
  readLicenseReply,
  sameIssueUrl,
} from './gitlab/mechanizer-replies';
import { parseIssueReference, type GitLabIssue, type GitLabNote } from './gitlab/schemas';
import { validateTrialEmail, validateTrialUserCount, trialLicenseFileName } from './gitlab-license-file';
import {
  TRIAL_DAYS,
  type FailedLicense,
  type GeneratedLicense,
  type LicenseAdapter,
  type LicenseOutcome,
  type PendingLicense,
  type TrialLicenseRequest,
} from './types';

export interface GitLabIssueAdapterOptions extends GitLabClientOptions {
  /** Pause between two polls of the issue in `follow()`. */
  pollIntervalMs: number;
  /** Upper bound for one `follow()` call. */
  timeoutMs: number;
  /** Labels for new issues (e.g. what Mechanizer triggers on). */
  labels?: string[];
  /** New issues are confidential (they contain a customer email). Default true. */
  confidential?: boolean;
  /** Clock for the expiry date when the close date is unknown. */
  now?: () => Date;
}

type Verdict =
  | { kind: 'done'; outcome: GeneratedLicense | FailedLicense }
  | { kind: 'waiting'; note?: string }
  /** Closed with [Success] but the notes could not be read yet (retry to get the license copy). */
  | { kind: 'success-without-notes'; issue: GitLabIssue };

const MAX_REASON_CHARS = 1000;
/** follow() does not start a poll with less time than this left before its deadline. */
const MIN_CALL_MS = 5;

export class GitLabIssueAdapter implements LicenseAdapter {
  readonly name = 'gitlab-issue' as const;
  private readonly client: GitLabClient;
  private readonly pollIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly labels: string[];
  private readonly confidential: boolean;
  private readonly now: () => Date;

  constructor(options: GitLabIssueAdapterOptions) {
    this.client = new GitLabClient(options);
    this.pollIntervalMs = positiveMs(options.pollIntervalMs, 'pollIntervalMs');
    this.timeoutMs = positiveMs(options.timeoutMs, 'timeoutMs');
    this.labels = (options.labels ?? []).map((l) => oneLine(l)).filter((l) => l !== '' && !l.includes(','));
    this.confidential = options.confidential ?? true;
    this.now = options.now ?? (() => new Date());
  }

  async request(req: TrialLicenseRequest): Promise<LicenseOutcome> {
    const invalid = validateRequest(req);
    if (invalid) return { status: 'failed', reason: invalid };
    const email = validateTrialEmail(req.email);

    const existing = await this.findExisting(req.requestId);
    if (!existing.ok) {
      return {
        status: 'failed',
        reason:
          `Could not check GitLab for an existing issue for this request, so none was created: ` +
          `${existing.message}`,
      };
    }
    if (existing.reuse) return pending(existing.reuse.web_url);

    const created = await this.client.createIssue({
      title: `Emergency trial license: ${email} (${req.userCount} users)`,
      description: issueDescription(req, email, existing.failed),
      labels: this.labels,
      confidential: this.confidential,
    });
    if (created.ok) return pending(created.data.web_url);
    if (created.kind === 'unexpected-answer') {
      return {
        status: 'failed',
        reason: 'GitLab created the issue but its answer has no issue URL; check the project before retrying.',
      };
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
      return {
        status: 'failed',
        reason: `Not a GitLab issue reference: ${JSON.stringify(String(reference)).slice(0, 200)}`,
        reference,
      };
    }
    const { iid, webUrl } = ref;
    const deadline = performance.now() + this.timeoutMs;
    const remaining = () => deadline - performance.now();
    let lastProblem: string | undefined;
    let waitingNote: string | undefined;
    let successWithoutNotes: GitLabIssue | undefined;

    while (remaining() > MIN_CALL_MS) {
      const budget = Math.min(this.client.requestTimeoutMs, remaining());
      const got = await this.client.getIssue(iid, budget);
      if (!got.ok) {
        if (!got.retryable)
          return { status: 'failed', reason: `Cannot follow ${webUrl}: ${got.message}`, reference: webUrl };
        // A call cut short by the overall deadline says nothing about GitLab; keep the earlier problem.
        if (!(got.kind === 'timeout' && budget < this.client.requestTimeoutMs)) lastProblem = got.message;
      } else if (sameIssueUrl(got.data.web_url) !== sameIssueUrl(webUrl)) {
        // E.g. projectId was changed since the issue was opened: never report another issue's result.
        return {
          status: 'failed',
          reason:
            `Issue ${iid} of the configured GitLab project is ${got.data.web_url}, not ${webUrl}; check ` +
            `the reference and the project setting.`,
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
      reason: this.client.redact(
        `No answer from GitLab within ${formatDuration(this.timeoutMs)}; check ${webUrl}` +
          `${details ? ` (${details})` : ''}`,
      ),
      reference: webUrl,
    };
  }

  // -------------------------------------------------------------------------------------------

  private async evaluate(
    req: TrialLicenseRequest,
    issue: GitLabIssue,
    webUrl: string,
    remaining: () => number,
  ): Promise<Verdict> {
    const state = issueState(issue);
    if (state === 'failed' || state === 'closed-without-success') {
      const notes = await this.notes(issue.iid, remaining);
      const latest = notes.ok ? latestHumanNote(notes.data) : undefined;
      const prefix =
        state === 'failed' ? 'Mechanizer reported a failure' : 'The GitLab issue was closed without [Success]';
      const reason = this.client.redact(`${prefix}: ${truncate(latest ?? issue.title.trim(), MAX_REASON_CHARS)}`);
      return { kind: 'done', outcome: { status: 'failed', reason, reference: webUrl } };
    }
    if (state === 'succeeded') {
      const notes = await this.notes(issue.iid, remaining);
      if (!notes.ok) return { kind: 'success-without-notes', issue };
      return { kind: 'done', outcome: this.generated(req, issue, notes.data, webUrl) };
    }
    if (state === 'success-but-open')
      return { kind: 'waiting', note: 'the issue is marked [Success] but is still open' };
    return { kind: 'waiting' };
  }

  private generated(
    req: TrialLicenseRequest,
    issue: GitLabIssue,
    notes: GitLabNote[],
    webUrl: string,
  ): GeneratedLicense {
    const { licenseFile, issuedTo } = readLicenseReply(issue, notes);
    const closedAt = issue.closed_at ? DateTime.fromISO(issue.closed_at) : undefined;
    const startDay = toUtcIsoDate(closedAt?.isValid ? closedAt.toJSDate() : this.now());
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
    const found = await this.client.searchIssues(requestId);
    if (!found.ok) return { ok: false, message: found.message };
    const mine = found.data
      .filter((issue) => hasRequestIdLine(issue.description ?? '', requestId))
      .sort((a, b) => a.iid - b.iid);
    const succeeded = mine.find((i) => !hasFailed(i) && i.state === 'closed');
    const open = mine.find((i) => !hasFailed(i) && i.state !== 'closed');
    return { ok: true, reuse: succeeded ?? open, failed: mine.filter(hasFailed).map((i) => i.web_url) };
  }

  private async notes(iid: number, remaining: () => number): Promise<GitLabResult<GitLabNote[]>> {
    const budget = Math.min(this.client.requestTimeoutMs, remaining());
    if (budget <= MIN_CALL_MS) return { ok: false, kind: 'timeout', retryable: true, message: 'out of time' };
    return this.client.listNotes(iid, budget);
  }
}

function validateRequest(req: TrialLicenseRequest): string | undefined {
  if (
    !req ||
    typeof req.requestId !== 'string' ||
    !/^[\x21-\x7e]{1,200}$/.test(req.requestId) ||
    req.requestId.includes('`')
  ) {
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
