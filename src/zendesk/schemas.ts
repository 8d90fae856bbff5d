/**
 * The parts of Zendesk's REST API v2 answers the bot relies on, checked with zod at the trust
 * boundary instead of cast (Zendesk API reference: Tickets, Users, Organizations, Ticket Comments,
 * Ticket Attachments "Upload Files"). Strict where a wrong value would mislead (ids, the upload
 * token), lenient where Zendesk's shape varies (nullable names, optional attachment fields), and a
 * list keeps its usable items: one odd comment must not hide the others.
 *
 * Every string read here (subject, names, emails, file names, comment bodies) is customer input:
 * kept raw, to be escaped by whoever renders it.
 */
import { z } from 'zod';

const id = z.number().int().positive();
/** A nullable string Zendesk may also omit; null and absent both become undefined. */
const text = z
  .string()
  .nullish()
  .catch(undefined)
  .transform((value) => value ?? undefined);
const optionalId = id
  .nullish()
  .catch(undefined)
  .transform((value) => value ?? undefined);

/** Ticket statuses (Tickets API "status"); anything else is kept as given. */
export const TICKET_STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;

export const ticketSchema = z.object({
  id,
  subject: text,
  status: z.string(),
  requester_id: optionalId,
  organization_id: optionalId,
  created_at: text,
  updated_at: text,
});
export type ZendeskTicket = z.output<typeof ticketSchema>;
export const ticketAnswerSchema = z.object({ ticket: ticketSchema });

export const userSchema = z.object({
  id,
  name: text,
  email: text,
});
export type ZendeskUser = z.output<typeof userSchema>;
export const userAnswerSchema = z.object({ user: userSchema });

export const organizationSchema = z.object({
  id,
  name: text,
});
export type ZendeskOrganization = z.output<typeof organizationSchema>;
export const organizationAnswerSchema = z.object({ organization: organizationSchema });

export const attachmentSchema = z.object({
  id,
  file_name: z.string(),
  content_type: text,
  content_url: text,
  size: z.number().nonnegative().optional().catch(undefined),
  inline: z.boolean().optional().catch(undefined),
  deleted: z.boolean().optional().catch(undefined),
});
export type ZendeskAttachment = z.output<typeof attachmentSchema>;

/** A list whose usable items are kept. */
const usableItems = <T extends z.ZodType>(item: T) =>
  z
    .array(z.unknown())
    .nullish()
    .transform((items) =>
      (items ?? []).flatMap((value) => {
        const parsed = item.safeParse(value);
        return parsed.success ? [parsed.data] : [];
      }),
    );

export const commentSchema = z.object({
  id,
  public: z.boolean().catch(false),
  author_id: optionalId,
  body: text,
  created_at: text,
  attachments: usableItems(attachmentSchema),
});
export type ZendeskComment = z.output<typeof commentSchema>;

/**
 * One page of `GET tickets/{id}/comments`: offset pagination (`next_page` URL) or cursor pagination
 * (`meta.has_more` + `links.next`), whichever Zendesk answered.
 */
export const commentPageSchema = z.object({
  comments: usableItems(commentSchema),
  next_page: text,
  meta: z.object({ has_more: z.boolean().optional(), after_cursor: text }).optional().catch(undefined),
  links: z.object({ next: text }).optional().catch(undefined),
});
export type ZendeskCommentPage = z.output<typeof commentPageSchema>;

/** `POST uploads` answer: the token goes into a comment's `uploads`. */
export const uploadAnswerSchema = z.object({
  upload: z.object({
    token: z.string().min(1),
    expires_at: text,
    attachment: attachmentSchema.optional().catch(undefined),
  }),
});
export type ZendeskUpload = z.output<typeof uploadAnswerSchema>['upload'];

/** `PUT tickets/{id}` answer: the ticket, and the audit of the change (its id, when given). */
export const ticketUpdateAnswerSchema = z.object({
  ticket: ticketSchema,
  audit: z.object({ id: optionalId }).optional().catch(undefined),
});
export type ZendeskTicketUpdate = z.output<typeof ticketUpdateAnswerSchema>;

/**
 * Error answers: `{"error":"RecordNotFound","description":"Not found"}`,
 * `{"error":{"title":…,"message":…}}`, `{"error":"RecordInvalid","description":…,"details":{…}}`.
 */
export const errorAnswerSchema = z.looseObject({
  error: z.unknown().optional(),
  description: z.unknown().optional(),
  details: z.unknown().optional(),
});
