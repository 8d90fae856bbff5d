import type { AckFn, AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewResponseAction } from '@slack/bolt';
import { EmergencyRequest, summarizeScope, validateEmergencyForm } from '../../../policy/emergency-request';
import type { ScopeDecision } from '../../../policy/emergency-scope';
import type { LicenseRequestInput } from '../../../store/types';
import type { AppServices } from '../../services';
import type { Capability } from '../../authorization';
import { buildLicenseStatusView, buildNotAllowedView, buildReissueConfirmView } from '../../views/emergency-license-modal';

/** What Bolt hands a view_submission listener. */
export type Submission = AllMiddlewareArgs & SlackViewMiddlewareArgs;

/** The submission's ack, typed for the response actions a view_submission may answer with. */
export const viewAck = (submission: Submission) => submission.ack as AckFn<ViewResponseAction>;

/** Replaces the modal with a refusal: nothing is stored or generated. */
export const refuseWith = (submission: Submission, reason: string) =>
  viewAck(submission)({ response_action: 'update', view: buildNotAllowedView(reason) as never });

/**
 * Checks every capability a submission needs; on the first refusal the modal is replaced by
 * the reason and false is returned, so the caller stops there.
 */
export async function allowedOrRefused(services: AppServices, submission: Submission, capabilities: readonly Capability[]): Promise<boolean> {
  for (const capability of capabilities) {
    const decision = await services.authz.check(submission.body.user.id, capability);
    if (!decision.allowed) {
      await refuseWith(submission, decision.reason);
      return false;
    }
  }
  return true;
}

export function toRequestInput(
  request: EmergencyRequest,
  scope: ScopeDecision,
  opts: { slackUserId: string; idempotencyKey: string; adapter: string; justification?: string; note?: string },
): LicenseRequestInput {
  return {
    ticketUrl: request.ticketUrl,
    email: request.email,
    userCount: request.userCount,
    requestedBySlackId: opts.slackUserId,
    requestedByUsername: request.username,
    licenseExpiresOn: request.expirationDate,
    overrideJustification: opts.justification,
    scopeSummary: `${summarizeScope(scope)}${opts.note ? ` ${opts.note}` : ''}`,
    adapter: opts.adapter,
    idempotencyKey: opts.idempotencyKey,
  };
}

/** Re-checks a request carried in private_metadata as if it had just been typed in the form. */
export function revalidate(request: EmergencyRequest | undefined, services: AppServices) {
  if (!request) return undefined;
  const result = validateEmergencyForm(
    {
      ticket: request.ticketUrl,
      deployment: request.deployment,
      paidPlan: request.paidPlan ? 'yes' : 'no',
      prospect: request.prospect ? 'yes' : 'no',
      expirationDate: request.expirationDate,
      screenshots: ['dashboard', 'license_page'],
      userCount: String(request.userCount),
      email: request.email,
      username: request.username,
    },
    services.config.zendeskBaseUrl,
    services.now(),
  );
  return result.ok ? result : undefined;
}

export interface StartLicenseArgs {
  request: EmergencyRequest;
  scope: ScopeDecision;
  /** Which step of the modal submitted it; with the view ID it makes the request's idempotency key. */
  stage: 'submit' | 'override' | 'reissue';
  justification?: string;
  channelId?: string;
}

/**
 * The common end of every path that may generate a license: ask before a duplicate, store the
 * request, ack with the status view, and only then call the adapter.
 */
export async function startLicenseRequest(services: AppServices, submission: Submission, args: StartLicenseArgs): Promise<void> {
  const { request, scope } = args;
  const ack = viewAck(submission);
  const viewId = submission.view.id;
  const slackUserId = submission.body.user.id;
  const reissueConfirmed = args.stage === 'reissue';
  if (!reissueConfirmed) {
    const duplicates = await services.licenses.findDuplicates(request);
    if (duplicates.length > 0) {
      await ack({
        response_action: 'update',
        view: buildReissueConfirmView(request, duplicates, { request, justification: args.justification, channelId: args.channelId }) as never,
      });
      return;
    }
  }
  const { record, created } = await services.licenses.submit(
    toRequestInput(request, scope, {
      slackUserId,
      idempotencyKey: `${viewId}:${args.stage}`,
      adapter: services.config.licenseAdapter,
      justification: args.justification,
      note: reissueConfirmed ? '(Re-issue confirmed by the requester.)' : undefined,
    }),
  );
  await ack({ response_action: 'update', view: buildLicenseStatusView(record, services.config.licensingChannel, services.licenseWarning) as never });
  await services.store.savePreferences(slackUserId, { gitlabUsername: request.username }, services.now().toJSDate());
  // A repeated delivery of the same submission finds the record already there: the first one is handling it.
  if (!created) return;
  const done = await services.licenses.process(record.id);
  await submission.client.views
    .update({ view_id: viewId, view: buildLicenseStatusView(done, services.config.licensingChannel, services.licenseWarning) as never })
    .catch((error: unknown) => services.logger.debug({ error: (error as Error).message }, 'status modal closed before the license was ready'));
}
