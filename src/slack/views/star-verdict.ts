import { DEPLOYMENT_LABELS } from '../../policy/playbook';
import type { StarDecision } from '../../policy/star-decision';
import { describeExpiryFacts, type LicenseKind } from '../../policy/time';
import { timeFactsUsed, verdictGuidance } from '../../policy/verdict-guidance';
import { escapeMrkdwn, link, mentionChannel } from '../mrkdwn';
import { actions, type KnownBlock, button, context, divider, header, modal, section, type ModalView } from './blocks';
import { OPEN_EMERGENCY_LICENSE_ACTION, STAR_VERDICT_CALLBACK } from './star-check-ids';

/** One line per chart step: "Trial: No, a paid subscription (computed from the expiration date)". */
export function pathLines(decision: StarDecision): string[] {
  return decision.path.map(
    (step) =>
      `• ${step.question.shortLabel}: *${escapeMrkdwn(step.option.label)}*` +
      `${step.source === 'computed' ? ' _(computed from the expiration date)_' : ''}`,
  );
}

export function playbookBlocks(decision: StarDecision): KnownBlock[] {
  const type = decision.requestType;
  if (!type) return [];
  const guidance = verdictGuidance(decision);
  const steps = guidance.steps.map((s) => `• ${s}`).join('\n');
  return [
    section(
      `*Next steps (playbook, ${DEPLOYMENT_LABELS[type.deployment]}: ${escapeMrkdwn(type.label)})*` +
        `${steps ? `\n${steps}` : ''}`,
      'playbook',
    ),
    ...(guidance.warnings.length ? [context(...guidance.warnings.map((w) => `:warning: ${w}`))] : []),
  ];
}

export interface EmergencyLicensePrefill {
  ticket: string;
  expirationDate?: string;
  /** The kind of license on the instance the verdict's path implies (a trial: trial-type). */
  licenseKind?: LicenseKind;
}

/** Only the facts the path used: a trial's verdict never shows grace facts. */
export function verdictTimeFacts(decision: StarDecision, timeZone: string): string[] {
  return decision.expiry
    ? describeExpiryFacts(decision.expiry, timeZone, timeFactsUsed(decision)).map((f) => f.text)
    : [];
}

/** The verdict a manager sees at the end of /star-check, derived from the chart's own text. */
export function buildStarVerdictView(
  decision: StarDecision,
  opts: { timeZone: string; licensingChannel: string },
): ModalView {
  const { verdict } = decision;
  const blocks: KnownBlock[] = [
    header(`${verdict.headline}`),
    section(
      `${verdict.emoji} *${escapeMrkdwn(verdict.headline)}*: ${verdict.explanation}\n*Ticket:* ` +
        `${link(decision.ticketUrl)}`,
      'verdict',
    ),
  ];
  if (verdict.followUp)
    blocks.push(
      section(
        `:clipboard: *Follow-up:* ${verdict.followUp} The decision and its inputs are recorded for the feedback ` +
          `export.`,
        'follow_up',
      ),
    );
  blocks.push(section(`*Why*\n${pathLines(decision).join('\n')}`, 'path'));
  const facts = verdictTimeFacts(decision, opts.timeZone);
  if (facts.length) blocks.push(context(...facts.map((f) => `:calendar: ${f}`)));
  const playbook = playbookBlocks(decision);
  if (playbook.length) blocks.push(divider(), ...playbook);
  // The policy decides whether the form is offered (in scope, scope unknown, or the window opens within hours).
  const emergency = verdictGuidance(decision).emergency;
  if (emergency.kind === 'offer') {
    const prefill: EmergencyLicensePrefill = {
      ticket: decision.ticketUrl,
      expirationDate: decision.expiry?.expirationDate,
      licenseKind: emergency.licenseKind,
    };
    blocks.push(
      actions(
        'emergency_license',
        button('Open emergency license form', OPEN_EMERGENCY_LICENSE_ACTION, JSON.stringify(prefill), 'primary'),
      ),
    );
  }
  blocks.push(context(`This verdict goes to ${mentionChannel(opts.licensingChannel)} for the L&R team.`));
  return modal({ callbackId: STAR_VERDICT_CALLBACK, title: 'STAR verdict', close: 'Done', blocks });
}

/** Shown instead of a verdict to someone who may not run /star-check (checked on every submission). */
export function buildStarCheckRefusedView(reason: string): ModalView {
  return modal({
    callbackId: 'star_check_refused',
    title: 'STAR check',
    close: 'Close',
    blocks: [section(`:no_entry: ${reason}`, 'not_allowed')],
  });
}
