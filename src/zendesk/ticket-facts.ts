/**
 * What the bot reads from a Zendesk ticket for the forms (SPEC "Zendesk: the ticket as source and
 * destination", Read): the requester's email, the organization's name, the subject and status, and
 * the image attachments on the ticket (names and count).
 *
 * The ticket and its comments are read at once, then the requester and the organization at once,
 * all within one time budget. Only the ticket itself is required: a requester, an organization or
 * comments that cannot be read leave that part empty with a one-line note, and a ticket that cannot
 * be read gives one plain reason (not found, no permission, rate limited, Zendesk unavailable, too
 * slow) so the form can say it and work as without Zendesk.
 *
 * CUSTOMER TEXT: `subject`, `requester.name`, `requester.email`, `organization.name` and the image
 * names are written by customers and are returned raw (only cut to a sane length). Whoever shows
 * them must escape them like every other user text — in Slack, src/slack/mrkdwn.ts `escapeMrkdwn`
 * (or `quoteUserText` for free text) and plain_text fields; this module imports no Slack code.
 * The `notes` and `reason` strings are the bot's own words (they never quote Zendesk's answer).
 */
import type { ZendeskClient, ZendeskFailure } from './client';
import { failureReason } from './reasons';
import type { ZendeskComment } from './schemas';
import { truncate } from '../shared/text';

export interface TicketImage {
  /** File name as uploaded (customer text). */
  name: string;
  contentType?: string;
  size?: number;
  /** Pasted into the comment's body rather than attached. */
  inline: boolean;
  /** On a public comment (false: an internal note). */
  public: boolean;
}

export interface TicketFacts {
  ticketId: number;
  /** `<ZENDESK_BASE_URL>/agent/tickets/<id>` */
  ticketUrl: string;
  /** Customer text. */
  subject?: string;
  /** new, open, pending, hold, solved, closed (as Zendesk says). */
  status: string;
  /** Solved or closed: a new request on it deserves a warning. */
  solvedOrClosed: boolean;
  /** Undefined when the ticket has no requester or the user could not be read (see `notes`). */
  requester?: { id: number; name?: string; email?: string };
  /** Undefined when the ticket has no organization or it could not be read (see `notes`). */
  organization?: { id: number; name?: string };
  /**
   * The images on the ticket's comments, oldest first; undefined when the comments could not be
   * read. `complete` is false when the ticket has more comments than were read.
   */
  images?: { count: number; files: TicketImage[]; complete: boolean };
  /** One line per part that could not be read, in the bot's words. */
  notes: string[];
}

export type TicketFactsResult =
  { ok: true; facts: TicketFacts } | { ok: false; reason: string; failure: ZendeskFailure };

export interface TicketFactsOptions {
  /** Time budget for everything (default: the client's call timeout). */
  budgetMs?: number;
  /** Pages of 100 comments read at most (default 3). */
  maxCommentPages?: number;
}

const IMAGE_EXTENSIONS = /\.(png|jpe?g|gif|webp|bmp|heic|heif|tiff?)$/i;
/** Lengths kept from customer text (Zendesk's own limits are in this range). */
const MAX_TEXT = { subject: 500, name: 255, email: 320, fileName: 255 } as const;

export async function readTicketFacts(
  client: ZendeskClient,
  reference: string | number,
  options: TicketFactsOptions = {},
): Promise<TicketFactsResult> {
  const ref = client.ticketRef(reference);
  if (!ref.ok) return { ok: false, reason: ref.message, failure: ref };
  const budget = Math.max(1, options.budgetMs ?? client.timeoutMs);
  const deadline = performance.now() + budget;
  const left = () => Math.floor(deadline - performance.now());
  const ticketNo = ref.data.id;

  const [ticket, comments] = await Promise.all([
    client.getTicket(ticketNo, { timeoutMs: budget }),
    client.listComments(ticketNo, {
      timeoutMs: budget,
      totalTimeoutMs: budget,
      maxPages: options.maxCommentPages ?? 3,
    }),
  ]);
  if (!ticket.ok) return { ok: false, reason: failureReason(ticket, `ticket ${ticketNo}`), failure: ticket };

  const notes: string[] = [];
  const { requester_id: requesterId, organization_id: organizationId } = ticket.data;
  const remaining = left();
  const tooSlow = (what: string) => `${capitalize(what)} not read: Zendesk was too slow.`;
  const [user, organization] = await Promise.all([
    requesterId === undefined || remaining <= 0 ? undefined : client.getUser(requesterId, { timeoutMs: remaining }),
    organizationId === undefined || remaining <= 0
      ? undefined
      : client.getOrganization(organizationId, { timeoutMs: remaining }),
  ]);

  let requester: TicketFacts['requester'];
  if (requesterId !== undefined) {
    if (!user) notes.push(tooSlow("the requester's details"));
    else if (!user.ok) notes.push(`The requester's details not read: ${failureReason(user, 'the requester')}`);
    else {
      requester = {
        id: user.data.id,
        name: cut(user.data.name, MAX_TEXT.name),
        email: cut(user.data.email, MAX_TEXT.email),
      };
      if (!requester.email) notes.push('The requester has no email address in Zendesk.');
    }
  } else notes.push('The ticket has no requester.');

  let org: TicketFacts['organization'];
  if (organizationId !== undefined) {
    if (!organization) notes.push(tooSlow("the organization's name"));
    else if (!organization.ok)
      notes.push(`The organization not read: ${failureReason(organization, 'the organization')}`);
    else org = { id: organization.data.id, name: cut(organization.data.name, MAX_TEXT.name) };
  }

  let images: TicketFacts['images'];
  if (comments.ok) {
    const files = imagesOf(comments.data.comments);
    images = { count: files.length, files, complete: comments.data.complete };
    if (!comments.data.complete) notes.push('The ticket has more comments than were read: there may be more images.');
  } else notes.push(`The attachments not read: ${failureReason(comments, 'the comments')}`);

  const status = ticket.data.status;
  return {
    ok: true,
    facts: {
      ticketId: ticket.data.id,
      ticketUrl: ref.data.url,
      subject: cut(ticket.data.subject, MAX_TEXT.subject),
      status,
      solvedOrClosed: status === 'solved' || status === 'closed',
      requester,
      organization: org,
      images,
      notes,
    },
  };
}

/** Image attachments (by content type or file name), deleted ones left out, each attachment once. */
export function imagesOf(comments: readonly ZendeskComment[]): TicketImage[] {
  const seen = new Set<number>();
  const images: TicketImage[] = [];
  for (const comment of comments) {
    for (const attachment of comment.attachments) {
      if (attachment.deleted || seen.has(attachment.id)) continue;
      const isImage =
        attachment.content_type?.toLowerCase().startsWith('image/') || IMAGE_EXTENSIONS.test(attachment.file_name);
      if (!isImage) continue;
      seen.add(attachment.id);
      images.push({
        name: cut(attachment.file_name, MAX_TEXT.fileName) ?? '',
        contentType: attachment.content_type,
        size: attachment.size,
        inline: attachment.inline === true,
        public: comment.public,
      });
    }
  }
  return images;
}

/** Screenshots the emergency workflow needs (Admin Area → Subscription, and Overview → Dashboard). */
export const SCREENSHOTS_NEEDED = 2;

/**
 * Warnings a form shows next to the facts, in the bot's words (no customer text): fewer images than
 * the workflow needs, and a solved or closed ticket.
 */
export function ticketWarnings(facts: TicketFacts): string[] {
  const warnings: string[] = [];
  if (facts.images && facts.images.count < SCREENSHOTS_NEEDED && facts.images.complete) {
    warnings.push(
      facts.images.count === 0
        ? `No images are attached to the ticket: the workflow needs ${SCREENSHOTS_NEEDED} screenshots.`
        : `Only 1 image is attached to the ticket: the workflow needs ${SCREENSHOTS_NEEDED} screenshots.`,
    );
  }
  if (facts.solvedOrClosed) warnings.push(`The ticket is ${facts.status}.`);
  return warnings;
}

function cut(value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  return truncate(trimmed, max);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
