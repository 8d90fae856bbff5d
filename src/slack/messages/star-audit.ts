import { DEPLOYMENT_LABELS } from '../../policy/playbook';
import type { StarDecision } from '../../policy/star-decision';
import { formatDuration } from '../../policy/time';
import { type EmergencyOffer, timeFactsUsed, verdictGuidance } from '../../policy/verdict-guidance';
import { escapeMrkdwn, link, mentionUser } from '../mrkdwn';
import { type KnownBlock, context, section } from '../views/blocks';
import { pathLines } from '../views/star-verdict';
import { readerDate } from './reader-date';

export interface AuditMessage {
  text: string;
  blocks: KnownBlock[];
}

/**
 * Time facts for a channel read in many time zones and on later days: Slack renders `<!date>` in
 * each reader's zone, and the distance is counted from the check, not from whenever the message is
 * read (a stored message never says "2 days ago": SPEC time rules). Only the facts the path used
 * (a trial has no grace period).
 */
export function auditTimeFacts(decision: Pick<StarDecision, 'expiry' | 'path'>): string[] {
  const expiry = decision.expiry;
  if (!expiry) return [];
  const used = timeFactsUsed(decision);
  const what = expiry.deployment === 'saas' ? 'SaaS plan end' : 'License expiration';
  const fromCheck = (ms: number) =>
    ms === 0 ? 'at the check' : `${formatDuration(ms)} ${ms < 0 ? 'before' : 'after'} the check`;
  const facts: string[] = [];
  if (used.includes('expiry'))
    facts.push(`${what}: ${readerDate(expiry.expiresAt)} (${fromCheck(expiry.msUntilExpiry)})`);
  if (used.includes('grace') && expiry.graceEndsAt && expiry.msUntilGraceEnd !== undefined)
    facts.push(`Grace period end: ${readerDate(expiry.graceEndsAt)} (${fromCheck(expiry.msUntilGraceEnd)})`);
  return facts;
}

/** What the verdict said about the emergency form, in the words of the policy that decided it. */
function emergencyOfferLine(emergency: Extract<EmergencyOffer, { kind: 'offer' }>): string {
  const offered = emergency.weekday
    ? 'It is a weekday (UTC): the verdict says to ask the L&R team here first, and offers the emergency license ' +
      'form for when they cannot help in time.'
    : 'The emergency license form was offered.';
  switch (emergency.scope) {
    case 'in_scope':
      return emergency.weekday
        ? `:rotating_light: *Emergency license:* in the workflow's scope. ${offered}`
        : `:rotating_light: *Weekend emergency:* in scope. ${offered}`;
    case 'opens_soon':
      return (
        `:rotating_light: *Emergency license:* ${emergency.recorded.join(' ')} A manager may override the time ` +
        `window. ${offered}`
      );
    case 'unknown':
      return (
        ':grey_question: *Emergency license:* scope unknown, not out of scope: no expiration date was given, and ' +
        `the form checks it with the date. ${offered}`
      );
  }
}

/** The licensing-channel record of one /star-check verdict. */
export function buildStarAuditMessage(decision: StarDecision, decidedBy: string): AuditMessage {
  const { verdict } = decision;
  const lines = [
    `${verdict.emoji} *STAR check: ${escapeMrkdwn(verdict.headline)}*`,
    `*Ticket:* ${link(decision.ticketUrl)}`,
    `*Checked by:* ${mentionUser(decidedBy)}`,
  ];
  if (decision.requestType) {
    lines.push(
      `*Request:* ${DEPLOYMENT_LABELS[decision.requestType.deployment]}: ${escapeMrkdwn(decision.requestType.label)}`,
    );
  } else if (decision.deployment) {
    lines.push(`*Deployment:* ${DEPLOYMENT_LABELS[decision.deployment]}`);
  }
  const blocks: KnownBlock[] = [
    section(lines.join('\n'), 'summary'),
    section(`*Answers*\n${pathLines(decision).join('\n')}`, 'answers'),
  ];
  if (verdict.followUp) blocks.push(section(`:clipboard: *Follow-up:* ${verdict.followUp}`, 'follow_up'));
  const emergency = verdictGuidance(decision).emergency;
  if (emergency.kind === 'offer') blocks.push(section(emergencyOfferLine(emergency), 'emergency'));
  if (emergency.kind === 'ask_lr')
    blocks.push(
      section(
        `:information_source: *Not a weekend emergency:* ${emergency.recorded.join(' ')} The trial license comes ` +
          `from the L&R team (CustomersDot).`,
        'emergency',
      ),
    );
  const facts = auditTimeFacts(decision);
  if (facts.length) blocks.push(context(...facts.map((f) => `:calendar: ${f}`)));
  return {
    text: `STAR check: ${verdict.headline} for ${decision.ticketUrl} (by ${mentionUser(decidedBy)})`,
    blocks,
  };
}
