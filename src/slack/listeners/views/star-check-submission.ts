import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { DEPLOYMENT_LABELS, findRequestType } from '../../../policy/playbook';
import { decideStar, decisionInputs } from '../../../policy/star-decision';
import { evaluateStarChart } from '../../../policy/star-flowchart';
import { parseTicketReference } from '../../../policy/ticket';
import { readStarCheckState } from '../../forms/star-check-form';
import { buildStarAuditMessage } from '../../messages/star-audit';
import type { AppServices } from '../../services';
import { STAR_BLOCKS } from '../../views/star-check-ids';
import { buildStarCheckModal, expiryFactsFor, shownBlockIds } from '../../views/star-check-modal';
import { buildStarCheckRefusedView, buildStarVerdictView } from '../../views/star-verdict';

const inputBlockIds = (view: { blocks: Record<string, unknown>[] }) =>
  view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id as string);

/**
 * A /star-check submission: either more questions are needed (the modal grows to show them),
 * an answer is missing or invalid (field errors), or the chart reaches a verdict.
 */
export function starCheckSubmission(services: AppServices) {
  return async ({ ack, body, view }: AllMiddlewareArgs & SlackViewMiddlewareArgs): Promise<void> => {
    const userId = body.user.id;
    // Every submission, not only the command that opened the modal: membership can be removed
    // while the modal is open, and a submission can be crafted without ever running the command.
    const access = await services.authz.check(userId, 'star_check');
    if (!access.allowed) {
      await ack({ response_action: 'update', view: buildStarCheckRefusedView(access.reason) as never });
      return;
    }
    const now = services.now();
    const state = readStarCheckState(view);
    const timeZone = await services.timeZones.zoneOf(userId);

    const nextView = buildStarCheckModal(state, () => now, timeZone, 'Answer the new question(s) below to reach a verdict.');
    const shown = shownBlockIds(view);
    if (inputBlockIds(nextView).some((id) => !shown.has(id))) {
      await ack({ response_action: 'update', view: nextView as never });
      return;
    }

    const errors: Record<string, string> = {};
    const ticket = parseTicketReference(state.ticket ?? '', services.config.zendeskBaseUrl);
    if (!ticket.ok) errors[STAR_BLOCKS.ticket] = ticket.error;
    const requestType = findRequestType(state.requestType);
    if (state.answers.kind === 'plan_license') {
      if (!state.deployment) errors[STAR_BLOCKS.deployment] = 'Pick where the customer runs GitLab.';
      if (!requestType) errors[STAR_BLOCKS.requestType] = 'Pick what the customer is asking for.';
      else if (state.deployment && requestType.deployment !== state.deployment) {
        errors[STAR_BLOCKS.requestType] = `Pick a ${DEPLOYMENT_LABELS[state.deployment]} request type (this one is for ${DEPLOYMENT_LABELS[requestType.deployment]}).`;
      }
    }
    const evaluation = evaluateStarChart(state.answers, expiryFactsFor(state, () => now));
    if (!evaluation.complete) {
      errors[STAR_BLOCKS.question(evaluation.next.id)] = evaluation.next.derivedFrom
        ? 'Answer this, or pick the expiration date above.'
        : 'Answer this question to reach a verdict.';
    }
    if (Object.keys(errors).length > 0 || !ticket.ok) {
      await ack({ response_action: 'errors', errors });
      return;
    }

    const isPlanLicense = state.answers.kind === 'plan_license';
    const decision = decideStar(
      {
        ticketUrl: ticket.url,
        answers: state.answers,
        expirationDate: state.expirationDate,
        deployment: isPlanLicense ? state.deployment : undefined,
        requestType: isPlanLicense ? requestType : undefined,
      },
      now,
    );
    if (!decision) throw new Error('STAR chart incomplete after validation');

    await ack({ response_action: 'update', view: buildStarVerdictView(decision, { timeZone, licensingChannel: services.config.licensingChannel }) as never });

    services.metrics.verdicts.inc({ verdict: decision.verdict.id });
    // After the ack: record the decision for the feedback export and post the audit message.
    await services.store.decisions.recordDecision(
      { ticketUrl: decision.ticketUrl, decidedBySlackId: userId, verdict: decision.verdict.id, inputs: decisionInputs(decision) },
      now.toJSDate(),
    );
    await services.audit.publish({
      key: `star:${view.id}`,
      channel: services.config.licensingChannel,
      ...buildStarAuditMessage(decision, userId),
    });
  };
}
