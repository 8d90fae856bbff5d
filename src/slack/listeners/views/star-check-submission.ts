import { QUESTIONS, type QuestionId } from '../../../policy/star-flowchart';
import { questionInput, type StarInput } from '../../../workflows/star-check';
import { readStarCheckState } from '../../forms/star-check-form';
import type { AppServices } from '../../services';
import { STAR_BLOCKS } from '../../views/star-check-ids';
import { buildStarCheckModal, shownBlockIds } from '../../views/star-check-modal';
import { buildStarCheckRefusedView, buildStarVerdictView } from '../../views/star-verdict';
import { keptTicketBlocks } from '../../zendesk-ticket';
import type { SubmissionArgs } from '../args';

/** The modal's block for each of the service's inputs. */
const BLOCK_OF = new Map<StarInput, string>([
  ['ticket', STAR_BLOCKS.ticket],
  ['deployment', STAR_BLOCKS.deployment],
  ['requestType', STAR_BLOCKS.requestType],
  ['expirationDate', STAR_BLOCKS.expirationDate],
  ...(Object.keys(QUESTIONS) as QuestionId[]).map((id): [StarInput, string] => [
    questionInput(id),
    STAR_BLOCKS.question(id),
  ]),
]);

/** A /star-check submission: read the view, let the STAR-check service decide, render its answer. */
export function starCheckSubmission(services: AppServices) {
  return async ({ ack, body, view }: SubmissionArgs): Promise<void> => {
    const userId = body.user.id;
    const state = readStarCheckState(view);
    const shownBlocks = shownBlockIds(view);
    const shown = new Set([...BLOCK_OF].filter(([, blockId]) => shownBlocks.has(blockId)).map(([input]) => input));
    const result = await services.starCheck.submit({ slackUserId: userId, viewId: view.id }, state, shown);
    switch (result.kind) {
      case 'refused':
        await ack({ response_action: 'update', view: buildStarCheckRefusedView(result.reason) });
        return;
      case 'more-questions': {
        const timeZone = await services.timeZones.zoneOf(userId);
        const next = buildStarCheckModal(
          state,
          services.now,
          timeZone,
          'Answer the new question(s) below to reach a verdict.',
          keptTicketBlocks(view),
        );
        await ack({ response_action: 'update', view: next });
        return;
      }
      case 'errors': {
        const errors = Object.fromEntries(
          Object.entries(result.errors).map(([input, error]) => [BLOCK_OF.get(input as StarInput) ?? input, error]),
        );
        await ack({ response_action: 'errors', errors });
        return;
      }
      case 'verdict': {
        const timeZone = await services.timeZones.zoneOf(userId);
        await ack({
          response_action: 'update',
          view: buildStarVerdictView(result.decision, { timeZone, licensingChannel: services.config.licensingChannel }),
        });
        await result.finish();
      }
    }
  };
}
