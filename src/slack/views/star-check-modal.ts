import type { DateTime } from 'luxon';
import { type ChartQuestion, evaluateStarChart } from '../../policy/star-flowchart';
import { DEPLOYMENT_LABELS, type Deployment, REQUEST_TYPES, requestTypesFor } from '../../policy/playbook';
import { expiryFactsOf } from '../../policy/star-decision';
import { describeExpiryFacts, type ExpiryFacts } from '../../policy/time';
import { timeFactsUsed } from '../../policy/verdict-guidance';
import type { StarCheckState } from '../forms/star-check-form';
import { escapeMrkdwn } from '../mrkdwn';
import {
  type KnownBlock,
  context,
  datePicker,
  input,
  LIMITS,
  modal,
  option,
  plainText,
  radioButtons,
  section,
  textInput,
  type ModalView,
} from './blocks';
import { STAR_ACTIONS, STAR_BLOCKS, STAR_CHECK_CALLBACK } from './star-check-ids';

export const TICKET_MAX_LENGTH = 200;

/**
 * `now` is read only when a date needs it: most views are built before any date is known. The date
 * is read with the deployment's rules, so nothing is computed until the deployment is picked.
 */
export function expiryFactsFor(
  state: Pick<StarCheckState, 'expirationDate' | 'deployment'>,
  now: () => DateTime,
): ExpiryFacts | undefined {
  return state.expirationDate && state.deployment
    ? expiryFactsOf(state.expirationDate, state.deployment, now())
    : undefined;
}

function questionBlock(question: ChartQuestion, state: StarCheckState, derivable: boolean): KnownBlock {
  const hint = derivable
    ? `${question.help ? `${question.help} ` : ''}Leave empty if you picked the expiration date above: the bot ` +
      `computes the answer.`
    : question.help;
  return input(
    { blockId: STAR_BLOCKS.question(question.id), label: question.prompt, hint, optional: derivable, dispatch: true },
    radioButtons(STAR_ACTIONS.question(question.id), question.options, state.answers[question.id]),
  );
}

function requestTypeBlock(deployment: Deployment | undefined, selected: string | undefined): KnownBlock {
  const groups = (deployment ? [deployment] : (['self_managed', 'saas'] as Deployment[])).map((d) => ({
    label: plainText(DEPLOYMENT_LABELS[d], LIMITS.optionGroupLabel),
    options: requestTypesFor(d).map((t) => option({ value: t.id, label: t.label })),
  }));
  const initial = REQUEST_TYPES.find((t) => t.id === selected && (!deployment || t.deployment === deployment));
  return input(
    {
      blockId: STAR_BLOCKS.requestType,
      label: 'What is the customer asking for?',
      hint: "Picks the playbook's next steps shown with the verdict.",
    },
    {
      type: 'static_select',
      action_id: STAR_ACTIONS.requestType,
      placeholder: plainText('Pick the request type', LIMITS.placeholder),
      option_groups: groups,
      ...(initial ? { initial_option: option({ value: initial.id, label: initial.label }) } : {}),
    },
  );
}

/**
 * The /star-check modal for the answers given so far: the ticket, the kind of ticket, then only
 * the chart questions on the path taken. Questions the expiration date can answer are replaced
 * by the computed facts once a date is picked.
 */
export function buildStarCheckModal(
  state: StarCheckState,
  now: () => DateTime,
  timeZone = 'UTC',
  notice?: string,
  /** What Zendesk said about the ticket (src/slack/zendesk-ticket.ts), shown below the ticket field. */
  ticketBlocks: KnownBlock[] = [],
): ModalView {
  const expiry = expiryFactsFor(state, now);
  const evaluation = evaluateStarChart(state.answers, expiry);
  const steps = [
    ...evaluation.path.map((s) => ({ question: s.question, computed: s.source === 'computed' })),
    ...(evaluation.complete ? [] : [{ question: evaluation.next, computed: false }]),
  ];

  const blocks: KnownBlock[] = [
    context(
      "The handbook's STAR validity flowchart, one question at a time. The verdict is posted to the licensing channel.",
    ),
  ];
  if (notice) blocks.push(section(`:point_down: ${escapeMrkdwn(notice)}`, 'notice'));
  blocks.push(
    input(
      {
        blockId: STAR_BLOCKS.ticket,
        // No host and no hint: the label says what to enter, the Zendesk host is configured
        // (ZENDESK_BASE_URL), and a wrong entry's error shows it.
        label: 'Zendesk ticket (URL or number)',
      },
      textInput(STAR_ACTIONS.ticket, { initial: state.ticket, maxLength: TICKET_MAX_LENGTH }),
    ),
    ...ticketBlocks,
  );

  let dateShown = false;
  for (const { question, computed } of steps) {
    if (question.derivedFrom && !dateShown) {
      dateShown = true;
      blocks.push(
        input(
          {
            blockId: STAR_BLOCKS.expirationDate,
            label: 'License/plan expiration date',
            hint:
              'A Self-Managed license stops at 00:00 UTC on this date; a SaaS plan runs through it. With ' +
              'where the customer runs GitLab (above), the grace period and the 24-hour questions are ' +
              'computed from it. Unknown? Leave it empty and answer them below.',
            optional: true,
            dispatch: true,
          },
          datePicker(STAR_ACTIONS.expirationDate, state.expirationDate, 'Pick the expiration date'),
        ),
      );
      const facts = expiry ? describeExpiryFacts(expiry, timeZone, timeFactsUsed(evaluation)) : [];
      if (facts.length) blocks.push(context(...facts.map((fact) => `:calendar: ${fact.text}`)));
      else if (state.expirationDate && !state.deployment)
        blocks.push(
          context(
            ':point_up: Pick where the customer runs GitLab: the date is read differently for Self-Managed and SaaS.',
          ),
        );
    }
    if (computed) continue;
    blocks.push(questionBlock(question, state, question.derivedFrom !== undefined));
    if (question.id === 'kind' && state.answers.kind === 'plan_license') {
      blocks.push(
        input(
          { blockId: STAR_BLOCKS.deployment, label: 'Where does the customer run GitLab?', dispatch: true },
          radioButtons(
            STAR_ACTIONS.deployment,
            (Object.keys(DEPLOYMENT_LABELS) as Deployment[]).map((d) => ({ value: d, label: DEPLOYMENT_LABELS[d] })),
            state.deployment,
          ),
        ),
        requestTypeBlock(state.deployment, state.requestType),
      );
    }
  }

  return modal({
    callbackId: STAR_CHECK_CALLBACK,
    title: 'STAR check',
    submit: 'Get verdict',
    close: 'Cancel',
    blocks,
    privateMetadata: JSON.stringify({ channelId: state.channelId }),
  });
}

/** The question blocks currently shown, so a submission can tell "unanswered" from "not shown yet". */
export function shownBlockIds(view: { blocks?: { block_id?: string }[] }): Set<string> {
  return new Set((view.blocks ?? []).map((b) => b.block_id).filter((id): id is string => typeof id === 'string'));
}
