import type { AckFn, ViewResponseAction } from '@slack/bolt';
import type { Refused, StartResult } from '../../../workflows/emergency-license-service';
import { MALFORMED_FORM_MESSAGE } from '../../forms/view-payload';
import type { AppServices } from '../../services';
import {
  buildLicenseStatusView,
  buildNotAllowedView,
  buildReissueConfirmView,
} from '../../views/emergency-license-modal';
import { slackErrorCode } from '../../../shared/slack-errors';
import type { SubmissionArgs } from '../args';

/**
 * Rendering shared by the emergency modal's three submissions (form, override, re-issue): they
 * end the same ways, so they answer the same way.
 */

/** A view_submission as the dispatcher hands it over. */
export type Submission = SubmissionArgs;

/** The submission's ack, typed for the response actions a view_submission may answer with. */
export const viewAck = (submission: Submission) => submission.ack as AckFn<ViewResponseAction>;

/** Who submitted which view, as the emergency-license service takes it. */
export const submitter = (submission: Submission) => ({
  slackUserId: submission.body.user.id,
  viewId: submission.view.id,
});

/** Replaces the modal with a refusal: nothing is stored or generated. */
export const refuseWith = (submission: Submission, reason: string) =>
  viewAck(submission)({ response_action: 'update', view: buildNotAllowedView(reason) });

/** A modal whose private_metadata is not what the bot wrote: say so, do nothing. */
export const refuseMalformed = (submission: Submission) => refuseWith(submission, MALFORMED_FORM_MESSAGE);

/**
 * Answers a request the service refused, started or needs confirmed: ack with the view, and only
 * then let the service run the adapter; the status modal then shows how it ended.
 */
export async function answerStart(
  services: AppServices,
  submission: Submission,
  result: Refused | StartResult,
): Promise<void> {
  const ack = viewAck(submission);
  if (result.kind === 'refused') return refuseWith(submission, result.reason);
  if (result.kind === 'needs-confirmation') {
    await ack({
      response_action: 'update',
      view: buildReissueConfirmView(result.request, result.duplicates, { channelId: result.channelId }),
    });
    return;
  }
  const { licensingChannel } = services.config;
  await ack({
    response_action: 'update',
    view: buildLicenseStatusView(result.record, licensingChannel, services.licenseWarning),
  });
  const done = await result.finish();
  if (!done) return;
  await submission.client.views
    .update({
      view_id: submission.view.id,
      view: buildLicenseStatusView(done, licensingChannel, services.licenseWarning),
    })
    .catch((error: unknown) =>
      services.logger.debug({ error: slackErrorCode(error) }, 'status modal closed before the license was ready'),
    );
}
