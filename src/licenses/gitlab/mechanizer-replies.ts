/**
 * Reads what GitLab Support's Mechanizer says on a license request issue, without any I/O: it
 * renames the issue "[Success] ..." or "[Failure] ..." (or labels it `failed`), comments
 * "Created a license under EMAIL for N users" with the license copy, and closes the issue.
 * Also the request-ID line the bot writes into each issue it opens, and the issue's URL.
 */
import type { TrialLicenseRequest } from '../types';
import { TRIAL_DAYS, TRIAL_PLAN } from '../types';
import type { GitLabIssue, GitLabNote } from './schemas';

export const REQUEST_ID_MARKER = 'lr-oncall-bot-request-id';

const SUCCESS_TITLE = /^\s*\[success\]/i;
const FAILURE_TITLE = /^\s*\[(?:failure|failed)\]/i;
const CREATED_LICENSE = /Created a license under\s+(\S+?)\s+for\s+([\d,]+)\s+users?\b/i;
const LICENSE_BLOCK = /-*BEGIN [A-Z][A-Z ]*? LICENSE-*[ \t]*\r?\n[\s\S]*?\r?\n[ \t]*-*END [A-Z][A-Z ]*? LICENSE-*/;

/**
 * Where an issue stands:
 * - `failed`: Mechanizer reported a failure (title or `failed` label), open or closed;
 * - `closed-without-success`: someone closed it without Mechanizer's [Success];
 * - `succeeded`: closed with [Success] (the license exists);
 * - `success-but-open`: marked [Success] but not closed yet (keep waiting);
 * - `waiting`: nothing yet.
 */
export type IssueState = 'failed' | 'closed-without-success' | 'succeeded' | 'success-but-open' | 'waiting';

export function issueState(issue: Pick<GitLabIssue, 'title' | 'state' | 'labels'>): IssueState {
  const title = issue.title.trim();
  const success = SUCCESS_TITLE.test(title);
  const closed = issue.state === 'closed';
  if (FAILURE_TITLE.test(title) || issue.labels.some((label) => label.toLowerCase() === 'failed')) return 'failed';
  if (closed) return success ? 'succeeded' : 'closed-without-success';
  return success ? 'success-but-open' : 'waiting';
}

/** An issue that can never produce the license (a retry must open a new one). */
export function hasFailed(issue: Pick<GitLabIssue, 'title' | 'state' | 'labels'>): boolean {
  const state = issueState(issue);
  return state === 'failed' || state === 'closed-without-success';
}

export interface LicenseReply {
  /** The license copy Mechanizer posted, lines trimmed. */
  licenseFile?: string;
  /** Who Mechanizer says the license was created for. */
  issuedTo?: { email: string; userCount: number };
}

/** The license copy and recipient from the newest human note that has them, else the description or title. */
export function readLicenseReply(
  issue: Pick<GitLabIssue, 'title' | 'description'>,
  notes: readonly GitLabNote[],
): LicenseReply {
  const noteBodies = sortNewestFirst(notes)
    .filter((n) => !n.system)
    .map((n) => n.body ?? '');
  const texts = [...noteBodies, issue.description ?? '', issue.title];
  const reply: LicenseReply = {};
  for (const text of texts) {
    const block = LICENSE_BLOCK.exec(text);
    if (block) {
      reply.licenseFile = block[0]
        .split(/\r?\n/)
        .map((line) => line.trim())
        .join('\n');
      break;
    }
  }
  for (const text of texts) {
    const m = CREATED_LICENSE.exec(text);
    if (m) {
      reply.issuedTo = { email: cleanEmail(m[1]), userCount: Number(m[2].replace(/,/g, '')) };
      break;
    }
  }
  return reply;
}

/** The newest non-empty comment by a person or bot (not a GitLab system note). */
export function latestHumanNote(notes: readonly GitLabNote[]): string | undefined {
  const note = sortNewestFirst(notes).find((n) => !n.system && typeof n.body === 'string' && n.body.trim() !== '');
  return note?.body?.trim();
}

/** The description of the issue asking for the license (Markdown), ending with the request-ID line. */
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

/** True when the description carries the request-ID line for `requestId` (a search match is only a hint). */
export function hasRequestIdLine(description: string, requestId: string): boolean {
  const pattern = new RegExp(`^[ \\t]*${REQUEST_ID_MARKER}:[ \\t]*\`?${escapeRegExp(requestId)}\`?[ \\t]*\\r?$`, 'm');
  return pattern.test(description);
}

/** Comparable form of an issue URL (GitLab may answer with /issues/ or /work_items/). */
export function sameIssueUrl(url: string): string {
  return url
    .trim()
    .replace(/[?#].*$/, '')
    .replace(/\/+$/, '')
    .replace(/\/work_items\/(\d+)$/, '/issues/$1')
    .toLowerCase();
}

/** One line of at most 500 characters, control characters (newlines too) replaced by spaces. */
export function oneLine(value: string | undefined): string {
  return (
    (value ?? '')
      // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are removed/refused
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .trim()
      .slice(0, 500)
  );
}

function sortNewestFirst(notes: readonly GitLabNote[]): GitLabNote[] {
  const time = (n: GitLabNote) => (n.created_at ? Date.parse(n.created_at) || 0 : 0);
  return [...notes].sort((a, b) => time(b) - time(a) || (b.id ?? 0) - (a.id ?? 0));
}

function cleanEmail(raw: string): string {
  // Mechanizer may write the address as `x@y`, <x@y>, [x@y](mailto:x@y) or end the sentence after it.
  const mailto = /mailto:([^)\s]+)/i.exec(raw);
  const value = mailto ? mailto[1] : raw;
  return value.replace(/^[`<[(*_"']+/, '').replace(/[`>\])*_"'.,;:]+$/, '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
