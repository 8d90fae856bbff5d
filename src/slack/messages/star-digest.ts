import type { StarDigest, TicketToLabel } from '../../policy/star-digest';
import { escapeMrkdwn, link, mentionUser } from '../mrkdwn';
import { type KnownBlock, context, header, LIMITS, section } from '../views/blocks';
import { readerDate, readerDateOfIso } from './reader-date';
import type { AuditMessage } from './star-audit';

/** Blocks kept free for the header, counts, the list heading and the "more" note. */
const FIXED_BLOCKS = 6;

function ticketLine(ticket: TicketToLabel): string {
  return (
    `• ${link(ticket.ticketUrl)}: decided by ${mentionUser(ticket.decidedBySlackId)} ` +
    `${readerDateOfIso(ticket.decidedAt)}`
  );
}

/** Packs whole lines into sections of at most `max` characters, so no link is cut in half. */
function packLines(lines: string[], max: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const item of lines) {
    const next = current ? `${current}\n${item}` : item;
    if (next.length <= max) current = next;
    else {
      if (current) chunks.push(current);
      current = item.length <= max ? item : '';
    }
  }
  if (current) chunks.push(current);
  return chunks;
}

/**
 * The weekly STAR digest for the licensing channel: the week's verdicts by outcome and the
 * "No need for STAR" tickets the manager still has to label, each with its ticket link.
 */
export function buildStarDigestMessage(digest: StarDigest): AuditMessage {
  const { start, end } = digest.period;
  const period = `${readerDate(start)} to ${readerDate(end)}`;
  const counts = digest.byVerdict.map(
    ({ verdict, count }) => `${verdict.emoji} *${escapeMrkdwn(verdict.headline)}*: ${count}`,
  );
  for (const unknown of digest.unknownVerdicts)
    counts.push(`:grey_question: *${escapeMrkdwn(unknown.verdict)}* (no longer in the chart): ${unknown.count}`);

  const blocks: KnownBlock[] = [
    header('Weekly STAR digest'),
    context(`${digest.total} STAR check${digest.total === 1 ? '' : 's'} from ${period}`),
    section(counts.join('\n'), 'digest_counts'),
  ];
  if (digest.toLabel.length === 0) {
    blocks.push(section(':tada: No "No need for STAR" tickets to label this week.', 'digest_to_label'));
  } else {
    blocks.push(
      section(
        `*To label: ${digest.toLabel.length} "No need for STAR" ticket${digest.toLabel.length === 1 ? '' : 's'}` +
          `*. Manager: collect data for feedback and label the STAR issue.`,
        'digest_to_label',
      ),
    );
    const shownChunks = packLines(digest.toLabel.map(ticketLine), LIMITS.sectionText).slice(
      0,
      LIMITS.messageBlocks - FIXED_BLOCKS,
    );
    shownChunks.forEach((chunk) => blocks.push(section(chunk)));
    const shown = shownChunks.reduce((n, chunk) => n + chunk.split('\n').length, 0);
    if (shown < digest.toLabel.length) {
      blocks.push(
        context(
          `…and ${digest.toLabel.length - shown} more: the feedback export of STAR decisions lists every one with ` +
            `its inputs (ask whoever runs the bot for it).`,
        ),
      );
    }
  }
  return {
    text: `Weekly STAR digest: ${digest.total} checks, ${digest.toLabel.length} "No need for STAR" ticket(s) to label`,
    blocks,
  };
}
