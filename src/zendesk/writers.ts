/**
 * The two writes the bot makes on a ticket (SPEC "Zendesk", Write): the license file attached to a
 * comment (upload, then a ticket update carrying the upload token) and an internal note.
 *
 * One call = one attempt. Retries with backoff, `Retry-After` and "once across crashes and
 * replicas" belong to the job runner that will run these (another issue); what this module gives
 * it is a way to tell whether a write already happened:
 * - an internal note written with an `idempotencyKey` ends with the line `Ref: lr-bot/<key>`;
 * - a license comment is recognized by the license file's name among the ticket's attachments
 *   (license file names are unique per request);
 * and, by default, each write first looks for that mark on the ticket (`checkFirst`) and answers
 * `written: 'already'` instead of writing twice. Crashing between the upload and the update only
 * leaves an unused upload, which Zendesk deletes when its token expires.
 */
import type { LicenseDelivery } from './config';
import type { ZendeskClient, ZendeskFailure, ZendeskResult } from './client';
import { licenseInternalNote, licensePublicReply, type LicenseCommentInput, type NoteText } from './notes';
import { failureReason } from './reasons';

export type WriteStep = 'check' | 'upload' | 'update';

export type ZendeskWriteResult =
  | {
      ok: true;
      /** `already`: the mark was found on the ticket, nothing was written. */
      written: 'now' | 'already';
      /** The audit of the ticket update (when Zendesk gave it). */
      auditId?: number;
      public: boolean;
    }
  | {
      ok: false;
      step: WriteStep;
      failure: ZendeskFailure;
      /** One line in the bot's words, for the channel notice or /license-status. */
      reason: string;
    };

export interface WriteOptions {
  /** Marks the note (`Ref: lr-bot/<key>`) so a later attempt can find it: letters, digits and . _ : - (≤ 100). */
  idempotencyKey?: string;
  /** Look for the mark before writing (default true). Needs an idempotency key for notes. */
  checkFirst?: boolean;
  /** Timeout of each call (the client's own is the upper bound). */
  timeoutMs?: number;
}

export interface LicenseFileToAttach {
  fileName: string;
  content: string | Buffer;
}

export type AttachLicenseDetails = Omit<LicenseCommentInput, 'fileName'>;

const MARKER_PREFIX = 'Ref: lr-bot/';
const KEY = /^[A-Za-z0-9._:-]{1,100}$/;
/** Comments scanned for a mark: 20 pages of 100. */
const CHECK_PAGES = 20;

/** The last line of a note written with `key`. */
export function markerLine(key: string): string {
  if (!KEY.test(key)) throw new Error('Zendesk idempotency key: letters, digits and . _ : - only (at most 100)');
  return `${MARKER_PREFIX}${key}`;
}

export interface WrittenMark {
  /** The key of `markerLine` in a comment's body. */
  idempotencyKey?: string;
  /** A file of this exact name among a comment's attachments. */
  attachmentName?: string;
}

/**
 * Whether a comment with the mark is on the ticket. `found: false` with `complete: false` means the
 * ticket has more comments than were scanned.
 */
export async function findWrittenComment(
  client: ZendeskClient,
  ticket: string | number,
  mark: WrittenMark,
  options: Pick<WriteOptions, 'timeoutMs'> = {},
): Promise<ZendeskResult<{ found: boolean; commentId?: number; complete: boolean }>> {
  const marker = mark.idempotencyKey === undefined ? undefined : markerLine(mark.idempotencyKey);
  const listed = await client.listComments(ticket, { timeoutMs: options.timeoutMs, maxPages: CHECK_PAGES });
  if (!listed.ok) return listed;
  const hit = listed.data.comments.find(
    (comment) =>
      (marker !== undefined && (comment.body ?? '').split(/\r?\n/).some((line) => line.trim() === marker)) ||
      (mark.attachmentName !== undefined &&
        comment.attachments.some((attachment) => attachment.file_name === mark.attachmentName && !attachment.deleted)),
  );
  return { ok: true, data: { found: hit !== undefined, commentId: hit?.id, complete: listed.data.complete } };
}

/**
 * Uploads the license file and attaches it to the ticket: an internal note for the engineer
 * (`internal-note`, the default) or a public reply to the requester with the activation steps and
 * the trial's end date (`public-reply`).
 */
export async function attachLicense(
  client: ZendeskClient,
  ticket: string | number,
  file: LicenseFileToAttach,
  delivery: LicenseDelivery,
  details: AttachLicenseDetails,
  options: WriteOptions = {},
): Promise<ZendeskWriteResult> {
  const isPublic = delivery === 'public-reply';
  const ref = client.ticketRef(ticket);
  if (!ref.ok) return failed('check', ref, 'the license');
  const ticketNo = ref.data.id;
  const call = { timeoutMs: options.timeoutMs };

  if (options.checkFirst !== false) {
    const seen = await findWrittenComment(client, ticketNo, { attachmentName: file.fileName }, call);
    if (!seen.ok) return failed('check', seen, `ticket ${ticketNo}`);
    if (seen.data.found) return { ok: true, written: 'already', public: isPublic };
  }

  const uploaded = await client.upload({ fileName: file.fileName, content: file.content }, call);
  if (!uploaded.ok) return failed('upload', uploaded, 'the license file');

  const text = isPublic
    ? licensePublicReply({ fileName: file.fileName, expiresOn: details.expiresOn })
    : licenseInternalNote({ ...details, fileName: file.fileName });
  const body = isPublic || options.idempotencyKey === undefined ? text.body : withMarker(text, options.idempotencyKey);
  const updated = await client.addComment(ticketNo, { body, public: isPublic, uploads: [uploaded.data.token] }, call);
  if (!updated.ok) return failed('update', updated, `ticket ${ticketNo}`);
  return { ok: true, written: 'now', auditId: updated.data.audit?.id, public: isPublic };
}

/** Adds an internal note (never public) to the ticket. */
export async function addInternalNote(
  client: ZendeskClient,
  ticket: string | number,
  note: NoteText | string,
  options: WriteOptions = {},
): Promise<ZendeskWriteResult> {
  const text = typeof note === 'string' ? { body: note } : note;
  if (text.body.trim() === '')
    return failed(
      'update',
      { ok: false, kind: 'rejected', retryable: false, message: 'Zendesk note: the body is empty' },
      'the note',
    );
  const ref = client.ticketRef(ticket);
  if (!ref.ok) return failed('check', ref, 'the note');
  const ticketNo = ref.data.id;
  const call = { timeoutMs: options.timeoutMs };
  const key = options.idempotencyKey;
  if (key !== undefined && !KEY.test(key))
    return failed(
      'check',
      { ok: false, kind: 'rejected', retryable: false, message: 'Zendesk note: invalid idempotency key' },
      'the note',
    );

  if (key !== undefined && options.checkFirst !== false) {
    const seen = await findWrittenComment(client, ticketNo, { idempotencyKey: key }, call);
    if (!seen.ok) return failed('check', seen, `ticket ${ticketNo}`);
    if (seen.data.found) return { ok: true, written: 'already', public: false };
  }

  const body = key === undefined ? text.body : withMarker(text, key);
  const updated = await client.addComment(ticketNo, { body, public: false }, call);
  if (!updated.ok) return failed('update', updated, `ticket ${ticketNo}`);
  return { ok: true, written: 'now', auditId: updated.data.audit?.id, public: false };
}

function withMarker(text: NoteText, key: string): string {
  return `${text.body.trimEnd()}\n${markerLine(key)}`;
}

const STEP_WORDS: Record<WriteStep, string> = {
  check: 'Could not check the ticket before writing',
  upload: 'Could not upload the license file to Zendesk',
  update: 'Could not update the Zendesk ticket',
};

function failed(step: WriteStep, failure: ZendeskFailure, what: string): ZendeskWriteResult {
  // Whether it is retried is the caller's (the job runner's) to say: `failure.retryable` tells it whether it can help.
  return { ok: false, step, failure, reason: `${STEP_WORDS[step]}: ${failureReason(failure, what)}` };
}
