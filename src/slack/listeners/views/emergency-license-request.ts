import type { AckFn, AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewResponseAction } from '@slack/bolt';
import { EmergencyRequest, summarizeScope, validateEmergencyForm } from '../../../policy/emergency-request';
import { MALFORMED_FORM_MESSAGE } from '../../forms/view-payload';
import type { ScopeDecision } from '../../../policy/emergency-scope';
import type { LicenseAdapterName } from '../../../licenses/types';
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
  opts: { slackUserId: string; idempotencyKey: string; adapter: LicenseAdapterName; justification?: string; note?: string },
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

/** A modal whose private_metadata is not what the bot wrote: say so, do nothing. */
export const refuseMalformed = (submission: Submission) => refuseWith(submission, MALFORMED_FORM_MESSAGE);

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * Re-checks the facts the server kept for an open request with the same rules as the form, as if
 * they had just been typed in (the form only continues when both screenshots were confirmed).
 */
export function revalidate(facts: Record<string, unknown> | undefined, services: AppServices) {
  if (!facts) return undefined;
  const result = validateEmergencyForm(
    {
      ticket: str(facts.ticketUrl),
      deployment: str(facts.deployment),
      paidPlan: facts.paidPlan === true ? 'yes' : facts.paidPlan === false ? 'no' : undefined,
      prospect: facts.prospect === true ? 'yes' : facts.prospect === false ? 'no' : undefined,
      expirationDate: str(facts.expirationDate),
      screenshots: ['dashboard', 'license_page'],
      userCount: typeof facts.userCount === 'number' ? String(facts.userCount) : undefined,
      email: str(facts.email),
      username: str(facts.username),
    },
    services.config.zendeskBaseUrl,
    services.now(),
  );
  return result.ok ? result : undefined;
}

/**
 * The open request a confirmation/override view may continue: kept by the server for this view,
 * for this user, at this step. Anything else (a view the bot never answered this way, another
 * user's view) is not open.
 */
export async function openRequestFor(services: AppServices, submission: Submission, stage: 'override' | 'reissue') {
  const open = await services.store.openRequests.getOpenRequest(submission.view.id);
  if (!open || open.stage !== stage || open.slackUserId !== submission.body.user.id) return undefined;
  return open;
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
  const input = toRequestInput(request, scope, {
    slackUserId,
    idempotencyKey: `${viewId}:${args.stage}`,
    adapter: services.config.licenseAdapter,
    justification: args.justification,
    note: reissueConfirmed ? '(Re-issue confirmed by the requester.)' : undefined,
  });
  // A confirmed re-issue skips the duplicate check; every other path checks and inserts in one
  // atomic step, so of simultaneous requests for one ticket or email only one makes a license.
  const result = reissueConfirmed
    ? await services.licenses.submit(input).then(({ record, created }) => ({ outcome: created ? ('created' as const) : ('existing' as const), record }))
    : await services.licenses.request(input);
  if (result.outcome === 'duplicates') {
    // The facts the confirmation may go on with stay here, keyed by this view, not in the modal.
    await services.store.openRequests.saveOpenRequest(
      { viewId, slackUserId, stage: 'reissue', facts: { ...request }, justification: args.justification, channelId: args.channelId },
      services.now().toJSDate(),
    );
    await ack({ response_action: 'update', view: buildReissueConfirmView(request, result.duplicates, { channelId: args.channelId }) as never });
    return;
  }
  const { record } = result;
  const created = result.outcome === 'created';
  await ack({ response_action: 'update', view: buildLicenseStatusView(record, services.config.licensingChannel, services.licenseWarning) as never });
  await services.store.preferences.savePreferences(slackUserId, { gitlabUsername: request.username }, services.now().toJSDate());
  // A repeated delivery of the same submission finds the record already there: the first one is handling it.
  if (!created) return;
  const done = await services.licenses.process(record.id);
  await submission.client.views
    .update({ view_id: viewId, view: buildLicenseStatusView(done, services.config.licensingChannel, services.licenseWarning) as never })
    .catch((error: unknown) => services.logger.debug({ error: (error as Error).message }, 'status modal closed before the license was ready'));
}
