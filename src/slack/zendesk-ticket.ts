/**
 * The Zendesk read path in Slack (issue 20, Read): a form opens at once with what the person typed,
 * then the ticket's facts are read within a short budget and the open modal is updated with them
 * (views.update with the view's hash). Nothing here runs before an ack or a views.open.
 *
 * CUSTOMER TEXT: subject, organization, requester and file names come from Zendesk and are hostile.
 * They are shown only in plain_text objects (no mentions, links, formatting or emoji codes are
 * parsed there), stripped of invisible characters and cut to a bound; the bot's own words (labels,
 * warnings, failure reasons) are the only mrkdwn.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import { isPlatformError, slackErrorCode } from '../shared/slack-errors';
import { truncate } from '../shared/text';
import { readTicketFacts, ticketWarnings, type TicketFacts, type ZendeskClient } from '../zendesk';
import { escapeMrkdwn, link, stripInvisible } from './mrkdwn';
import { updateView } from './view-calls';
import type { ContextBlock, KnownBlock, ModalView } from './views/blocks';

/** Time for the whole read (ticket and comments, then requester and organization). */
export const TICKET_READ_BUDGET_MS = 2500;
/** File names listed at most; the rest is counted ("and 12 more"). */
export const MAX_LISTED_IMAGES = 10;
const MAX_FACT_CHARS = 300;
const MAX_IMAGE_LIST_CHARS = 1500;

/** What the form shows about the ticket: still reading, the facts, or one line why not. */
export type TicketLookup =
  { kind: 'reading' } | { kind: 'facts'; facts: TicketFacts } | { kind: 'unavailable'; reason: string };

export const ZENDESK_BLOCKS = {
  reading: 'zendesk_reading',
  status: 'zendesk_status',
  facts: 'zendesk_facts',
  images: 'zendesk_images',
  warnings: 'zendesk_warnings',
  notes: 'zendesk_notes',
} as const;

/** Customer text as a plain_text element: no markup is parsed; emoji codes stay text too. */
export function customerText(text: string, max = MAX_FACT_CHARS) {
  const clean = stripInvisible(text).replace(/\s+/g, ' ').trim();
  return { type: 'plain_text' as const, text: truncate(clean || '(empty)', max), emoji: false };
}

/** The bot's own words as a context element (the only mrkdwn next to customer text). */
export const label = (text: string) => ({ type: 'mrkdwn' as const, text });

export function contextBlock(blockId: string, elements: ContextBlock['elements']): ContextBlock {
  return { type: 'context', block_id: blockId, elements };
}

export interface TicketBlockOptions {
  brief?: boolean;
  requester?: boolean;
  unreadHint?: string;
}

/**
 * The blocks that show a ticket lookup in a form (put right below the ticket field). `brief`: the
 * organization, subject and status only (the STAR check's first step), or the one line why not;
 * `requester` shows the requester's email in a brief lookup too. `unreadHint` follows the reason
 * a ticket was not read (what to do instead, in the bot's words).
 */
export function ticketLookupBlocks(
  lookup: TicketLookup | undefined,
  { brief = false, requester, unreadHint = 'Fill in the form by hand.' }: TicketBlockOptions = {},
): KnownBlock[] {
  if (!lookup) return [];
  if (lookup.kind === 'reading')
    return [contextBlock(ZENDESK_BLOCKS.reading, [label(':hourglass_flowing_sand: Reading the ticket in Zendesk…')])];
  if (lookup.kind === 'unavailable') {
    const hint = unreadHint ? ` ${unreadHint}` : '';
    return [
      contextBlock(ZENDESK_BLOCKS.status, [
        label(`:warning: Not read from Zendesk: ${escapeMrkdwn(truncate(lookup.reason, 300))}${hint}`),
      ]),
    ];
  }
  const { facts } = lookup;
  const blocks: KnownBlock[] = [];
  const shown: ContextBlock['elements'] = [label(`From Zendesk ${link(facts.ticketUrl, `#${facts.ticketId}`)}:`)];
  if (facts.organization?.name) shown.push(label('*Organization:*'), customerText(facts.organization.name));
  if (facts.subject) shown.push(label('*Subject:*'), customerText(facts.subject));
  if (facts.requester?.email && (requester ?? !brief))
    shown.push(label('*Requester:*'), customerText(facts.requester.email));
  shown.push(label(`*Status:* ${escapeMrkdwn(truncate(facts.status, 40))}`));
  blocks.push(contextBlock(ZENDESK_BLOCKS.facts, shown));
  if (brief) return blocks;
  if (facts.images) {
    const { count, files, complete } = facts.images;
    const counted = `${count}${complete ? '' : '+'}`;
    if (count === 0) blocks.push(contextBlock(ZENDESK_BLOCKS.images, [label(`*Images on the ticket:* none`)]));
    else {
      const listed = files.slice(0, MAX_LISTED_IMAGES).map((f) => stripInvisible(f.name).trim() || '(no name)');
      const more = count - listed.length;
      // The count of what is not listed survives the cut: the names are cut, not the tail.
      const tail = more > 0 ? ` and ${more} more` : '';
      const names = customerText(listed.join(', '), MAX_IMAGE_LIST_CHARS - tail.length);
      blocks.push(
        contextBlock(ZENDESK_BLOCKS.images, [
          label(`*Images on the ticket (${counted}):*`),
          { ...names, text: `${names.text}${tail}` },
        ]),
      );
    }
  }
  const warnings = ticketWarnings(facts);
  if (warnings.length)
    blocks.push(
      contextBlock(
        ZENDESK_BLOCKS.warnings,
        warnings.map((w) => label(`:warning: *${escapeMrkdwn(w)}*`)),
      ),
    );
  if (facts.notes.length)
    blocks.push(
      contextBlock(
        ZENDESK_BLOCKS.notes,
        facts.notes.slice(0, 5).map((n) => label(escapeMrkdwn(n))),
      ),
    );
  return blocks;
}

/**
 * The ticket's blocks of a view Slack sent back (a STAR check refreshed after an answer keeps what
 * the ticket said), without the "reading" line.
 */
export function keptTicketBlocks(view: { blocks?: unknown[] }): KnownBlock[] {
  return (view.blocks ?? []).filter((b): b is KnownBlock => {
    const id = (b as { block_id?: unknown }).block_id;
    return typeof id === 'string' && id.startsWith('zendesk_') && id !== ZENDESK_BLOCKS.reading;
  });
}

/** Reads the ticket within the budget; never throws. */
export async function lookUpTicket(
  zendesk: ZendeskClient,
  ticket: string,
  budgetMs = TICKET_READ_BUDGET_MS,
): Promise<TicketLookup> {
  try {
    const result = await readTicketFacts(zendesk, ticket, { budgetMs });
    return result.ok ? { kind: 'facts', facts: result.facts } : { kind: 'unavailable', reason: result.reason };
  } catch {
    return { kind: 'unavailable', reason: 'Zendesk could not be read.' };
  }
}

/** A ticket the client may read (a number or a URL of ZENDESK_BASE_URL); anything else is left to validation. */
export function readableTicket(zendesk: ZendeskClient | undefined, ticket: string | undefined): string | undefined {
  if (!zendesk || !ticket) return undefined;
  return zendesk.ticketRef(ticket).ok ? ticket : undefined;
}

/** The requester's email, when it is one the email field would take. */
export function requesterEmail(lookup: TicketLookup): string | undefined {
  if (lookup.kind !== 'facts') return undefined;
  const email = lookup.facts.requester?.email;
  return email && z.email().max(254).safeParse(email).success ? email : undefined;
}

/**
 * Reads the ticket, then replaces the open modal with `build(lookup)`, with the hash views.open
 * answered: when the modal changed since (the person moved on), Slack answers `hash_conflict` and
 * the form is left as it is.
 */
export async function updateWithTicket(opts: {
  zendesk: ZendeskClient;
  ticket: string;
  client: WebClient;
  target: { viewId: string; hash?: string };
  build: (lookup: TicketLookup) => ModalView;
  logger: Logger;
  budgetMs?: number;
}): Promise<void> {
  const lookup = await lookUpTicket(opts.zendesk, opts.ticket, opts.budgetMs);
  if (lookup.kind === 'unavailable') opts.logger.info({ reason: lookup.reason }, 'ticket not read from Zendesk');
  try {
    await updateView(opts.client, opts.target, opts.build(lookup));
  } catch (error) {
    if (isPlatformError(error, 'hash_conflict') || isPlatformError(error, 'not_found')) {
      opts.logger.debug({ error: slackErrorCode(error) }, 'form changed or closed before the ticket was read');
      return;
    }
    opts.logger.warn({ error: slackErrorCode(error) }, 'could not show the ticket read from Zendesk');
  }
}
