/**
 * The texts the bot writes on Zendesk tickets (SPEC "Zendesk", Write), as pure functions: an
 * internal note for each STAR verdict and each emergency request outcome (generated, failed,
 * refused, overridden with the justification), reminder, resolution and lapse — each with a link to
 * the Slack notice — and the license's own comment (an internal note for the engineer, or a public
 * reply to the requester with the activation steps and the trial's end date).
 *
 * Comments are sent as plain text (`comment.body`): Zendesk shows it as written. Every value that
 * comes from a person (names, emails, reasons, the justification) goes through `oneLine`/`quoted`:
 * control and invisible characters removed, bounded in length, and a multi-line text indented as a
 * quote so that no line of it can pass for one of the bot's own. Links are only the bot's own
 * http(s) URLs; a public reply never carries a Slack link (the customer cannot open it).
 */
import { TRIAL_DAYS } from '../licenses/types';
import { AFTER_REFUSAL } from '../policy/emergency-scope';

export interface NoteText {
  /** Plain text for `comment.body`. */
  body: string;
}

/** Who did something, as people know them (display name, GitLab username); never a Slack ID alone. */
export type Person = string;

const SIGNATURE = '— L&R on-call bot';

// --- the sanitizers ---------------------------------------------------------------------------

// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are removed
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const INVISIBLE = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/g;

/** A person's or customer's text on one line: no control or invisible characters, at most `max` characters. */
export function oneLine(text: string | undefined, max = 200): string {
  const flat = String(text ?? '')
    .replace(INVISIBLE, '')
    .replace(/\r\n?|[\n\u2028\u2029\u0085\v\f\t]/g, ' ')
    .replace(CONTROL, '')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** A person's multi-line text as an indented quote (`  > …` on every line), at most `max` characters. */
export function quoted(text: string | undefined, max = 2000): string {
  const clean = String(text ?? '')
    .replace(INVISIBLE, '')
    .replace(/\r\n?|[\u2028\u2029\u0085\v\f]/g, '\n')
    .replace(/\t/g, ' ')
    .replace(CONTROL, '')
    .trim();
  const bounded = clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
  return bounded
    .split('\n')
    .map((line) => `  > ${line.trimEnd()}`.trimEnd())
    .join('\n');
}

/** The bot's own link (a Slack permalink), or a plain statement that there is none. */
function noticeLine(noticeUrl: string | undefined): string {
  const url = safeUrl(noticeUrl);
  return url ? `Slack notice: ${url}` : 'Slack notice: not available.';
}

function safeUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return undefined;
    return /\s/.test(url.href) ? undefined : url.href;
  } catch {
    return undefined;
  }
}

const note = (...lines: (string | undefined | false)[]): NoteText => ({
  body: [...lines.filter((line): line is string => typeof line === 'string'), '', SIGNATURE].join('\n'),
});

/** yyyy-mm-dd, or the text as one line when it is not one (the caller's data is shown, never dropped). */
function dateText(isoDate: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(isoDate) ? isoDate : oneLine(isoDate, 40);
}

// --- STAR verdict -----------------------------------------------------------------------------

export interface VerdictNoteInput {
  /** The verdict's headline, e.g. "Ok to STAR". */
  verdict: string;
  /** Whether a STAR on this ticket is justified. */
  starValid: boolean;
  /** The facts that decided it, one per line: "Trial? No", "Grace period ends in 13 hours". */
  facts: string[];
  decidedBy: Person;
  /** ISO timestamp of the decision. */
  decidedAt: string;
  noticeUrl?: string;
}

export function verdictNote(input: VerdictNoteInput): NoteText {
  return note(
    `STAR check: ${oneLine(input.verdict, 120)} (${input.starValid ? 'the STAR is justified' : 'no STAR justified'})`,
    `Decided by ${oneLine(input.decidedBy, 100)} at ${utcText(input.decidedAt)}.`,
    input.facts.length > 0 && 'What decided it:',
    ...input.facts.map((fact) => `- ${oneLine(fact, 300)}`),
    noticeLine(input.noticeUrl),
  );
}

// --- emergency request outcomes ---------------------------------------------------------------

interface OutcomeBase {
  /** The engineer who asked (GitLab username or name). */
  requestedBy: Person;
  noticeUrl?: string;
}

export type RequestOutcome =
  | (OutcomeBase & {
      outcome: 'generated';
      /** Who the license is for (customer input, confirmed by the engineer). */
      email: string;
      userCount: number;
      /** yyyy-mm-dd on which the trial stops working. */
      expiresOn: string;
      /** Where the license file went on this ticket, if it was attached. */
      attached?: 'internal-note' | 'public-reply';
    })
  | (OutcomeBase & { outcome: 'failed'; reason: string; willRetry?: boolean })
  | (OutcomeBase & { outcome: 'refused'; reasons: string[] })
  | (OutcomeBase & {
      outcome: 'overridden';
      overriddenBy: Person;
      /** What the scope check said before the override. */
      scopeSummary: string;
      justification: string;
    });

export function requestOutcomeNote(input: RequestOutcome): NoteText {
  const by = `Requested by ${oneLine(input.requestedBy, 100)}.`;
  switch (input.outcome) {
    case 'generated':
      return note(
        `Emergency trial license generated: ${TRIAL_DAYS}-day Ultimate trial.`,
        by,
        `For ${oneLine(input.email, 320)}, ${input.userCount} users.`,
        `It stops working on ${dateText(input.expiresOn)} (00:00 UTC).`,
        input.attached === 'internal-note' && 'The license file is attached to an internal note on this ticket.',
        input.attached === 'public-reply' && 'The license file was sent to the requester in a public reply.',
        noticeLine(input.noticeUrl),
      );
    case 'failed':
      return note(
        'Emergency trial license request failed.',
        by,
        `Reason: ${oneLine(input.reason, 500)}`,
        input.willRetry ? 'The bot retries it.' : 'No license was generated.',
        noticeLine(input.noticeUrl),
      );
    case 'refused':
      return note(
        'Emergency trial license refused: the request is outside the emergency scope.',
        by,
        input.reasons.length > 0 && 'Why:',
        ...input.reasons.map((reason) => `- ${oneLine(reason, 300)}`),
        AFTER_REFUSAL,
        noticeLine(input.noticeUrl),
      );
    case 'overridden':
      return note(
        `Emergency scope check overridden by ${oneLine(input.overriddenBy, 100)}.`,
        by,
        `The scope check said: ${oneLine(input.scopeSummary, 500)}`,
        'Justification:',
        quoted(input.justification),
        noticeLine(input.noticeUrl),
      );
  }
}

// --- follow-up: reminder, resolution, lapse ---------------------------------------------------

export interface ReminderNoteInput {
  /** yyyy-mm-dd on which the trial stops working. */
  expiresOn: string;
  /** "in 2 days", from the caller's clock (src/shared/duration formatRelative). */
  inText?: string;
  /** Set when the reminder is sent late (after a restart): "2 hours late". */
  lateText?: string;
  noticeUrl?: string;
}

export function reminderNote(input: ReminderNoteInput): NoteText {
  const when = input.inText ? ` (${oneLine(input.inText, 60)})` : '';
  return note(
    `Reminder: the emergency trial license on this ticket stops working on ${dateText(input.expiresOn)} ` +
      `(00:00 UTC)${when}. Has the customer got a real license yet?`,
    input.lateText && `This reminder is ${oneLine(input.lateText, 60)}.`,
    noticeLine(input.noticeUrl),
  );
}

export interface ResolutionNoteInput {
  resolvedBy: Person;
  /** ISO timestamp. */
  resolvedAt: string;
  noticeUrl?: string;
}

export function resolutionNote(input: ResolutionNoteInput): NoteText {
  return note(
    'Emergency trial resolved: the customer has a real license. No more reminders.',
    `Marked resolved by ${oneLine(input.resolvedBy, 100)} at ${utcText(input.resolvedAt)}.`,
    noticeLine(input.noticeUrl),
  );
}

export interface LapseNoteInput {
  /** yyyy-mm-dd on which the trial stopped working. */
  expiresOn: string;
  /** The L&R team was asked in Slack. */
  lrTeamNotified?: boolean;
  noticeUrl?: string;
}

export function lapseNote(input: LapseNoteInput): NoteText {
  return note(
    `Emergency trial lapsed unresolved on ${dateText(input.expiresOn)}: the trial's paid features have stopped ` +
      'working until a real license is uploaded. Pushes are not blocked: the trial has no block date.',
    input.lrTeamNotified && 'The L&R team was asked in Slack.',
    noticeLine(input.noticeUrl),
  );
}

// --- the license itself -----------------------------------------------------------------------

export interface LicenseCommentInput {
  fileName: string;
  /** yyyy-mm-dd on which the trial stops working. */
  expiresOn: string;
  /** Who it was made for (internal note only). */
  email?: string;
  userCount?: number;
  noticeUrl?: string;
}

/** The internal note the license file is attached to (default delivery): for the engineer to pass on. */
export function licenseInternalNote(input: LicenseCommentInput): NoteText {
  const who =
    input.email === undefined
      ? undefined
      : `For ${oneLine(input.email, 320)}${input.userCount === undefined ? '' : `, ${input.userCount} users`}.`;
  return note(
    `Emergency ${TRIAL_DAYS}-day Ultimate trial license attached: ${oneLine(input.fileName, 255)}`,
    who,
    `It stops working on ${dateText(input.expiresOn)} (00:00 UTC).`,
    'This is an internal note: send the file to the customer with the activation steps.',
    noticeLine(input.noticeUrl),
  );
}

/**
 * The public reply to the requester (ZENDESK_LICENSE_DELIVERY=public-reply): short activation steps
 * and the trial's end date. No Slack link and no bot signature: the customer reads it as Support's reply.
 */
export function licensePublicReply(input: Pick<LicenseCommentInput, 'fileName' | 'expiresOn'>): NoteText {
  const lines = [
    'Hello,',
    '',
    `Attached is a ${TRIAL_DAYS}-day GitLab Ultimate trial license (${oneLine(input.fileName, 255)}) to get your ` +
      'instance working again while your subscription is sorted out.',
    '',
    'To activate it, as an administrator of your GitLab instance:',
    '1. Download the attached license file.',
    '2. Go to Admin Area → Subscription and upload the license file (on newer GitLab versions: ' +
      'Admin → Settings → General → Add License).',
    '3. Accept the terms and select Add license.',
    '',
    `The trial license stops working on ${dateText(input.expiresOn)} (00:00 UTC). Before then, please make ` +
      'sure your renewed subscription is in place.',
  ];
  return { body: lines.join('\n') };
}

function utcText(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return oneLine(iso, 40);
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
