import type { DateTime } from 'luxon';
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { computeExpiryFacts, graceEndedWithinEmergencyWindow, formatRelative } from '../../../policy/time';
import { reasonOf } from '../../messages/license-notice';
import { escapeMrkdwn, mentionUser } from '../../mrkdwn';
import type { AppServices } from '../../services';
import { buildLicenseStatusView } from '../../views/emergency-license-modal';

/**
 * A retry happens later than the request: the customer may have left the emergency window since
 * (requests that a manager overrode keep their override).
 */
function retryWindowProblem(licenseExpiresOn: string, overridden: boolean, now: DateTime): string | undefined {
  if (overridden) return undefined;
  // Only Self-Managed requests reach the license adapter: SaaS is never in scope nor overridable.
  const facts = computeExpiryFacts(licenseExpiresOn, now, 'self_managed');
  if (graceEndedWithinEmergencyWindow(facts, now)) return undefined;
  return `the grace period ${facts.graceEnded ? 'ended' : 'ends'} ${formatRelative(facts.msUntilGraceEnd ?? 0)} (${facts.graceEndsAt?.toISODate()}), outside this workflow's window (grace period ended within the last 3 days, UTC).`;
}

/** "Retry" on a failed request, from the channel notice or the engineer's status modal. */
export function retryLicense(services: AppServices) {
  return async ({ ack, body, action, client, respond }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const tell = (text: string) =>
      body.view
        ? client.views.update({ view_id: body.view.id, view: { type: 'modal', title: { type: 'plain_text', text: 'Emergency license' }, close: { type: 'plain_text', text: 'Close' }, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] } })
        : respond({ response_type: 'ephemeral', replace_original: false, text });
    const decision = await services.authz.check(body.user.id, 'request_license');
    if (!decision.allowed) {
      await tell(`:no_entry: ${decision.reason}`);
      return;
    }
    const failed = await services.store.requests.getRequest(action.value ?? '');
    const window = failed ? retryWindowProblem(failed.licenseExpiresOn, Boolean(failed.overrideJustification), services.now()) : undefined;
    if (window) {
      await tell(`:no_entry: Not retried: ${window} Start a new request with \`/emergency-license\` (a manager can override the scope there).`);
      return;
    }
    const record = await services.licenses.retry(action.value ?? '');
    if (!record) {
      await tell(':information_source: This request is not failed any more (it may already be retrying): nothing was started twice. Use `/license-status` to see where it is.');
      return;
    }
    if (body.view) {
      await client.views.update({ view_id: body.view.id, view: buildLicenseStatusView(record, services.config.licensingChannel, services.licenseWarning) as never }).catch(() => undefined);
    } else {
      const where = record.status === 'generated' ? ` The license went to ${mentionUser(record.requestedBySlackId)}, who asked for it; \`/license-status\` can send you a copy.` : '';
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `Retry finished: the request is now *${record.status}*${reasonOf(record) ? ` (${escapeMrkdwn(reasonOf(record) ?? '')})` : ''}.${where}`,
      });
    }
  };
}
