import { truncate } from '../../../shared/text';
import type { ButtonOutcome } from '../../../workflows/license-lifecycle';
import { mentionUser } from '../../mrkdwn';
import type { AppServices } from '../../services';
import type { ButtonArgs } from '../args';

/** Request IDs are UUIDs (36 characters); anything much longer is not one. */
const MAX_REQUEST_ID = 100;

const ANSWERS: Record<'resolved' | 'needs_lr', (outcome: ButtonOutcome) => string> = {
  resolved: (result) =>
    result.outcome === 'done'
      ? ':white_check_mark: Marked *Resolved*: no more reminders for this trial.'
      : result.outcome === 'already'
        ? `:information_source: Already resolved` +
          `${result.resolution.resolvedBySlackId ? ` by ${mentionUser(result.resolution.resolvedBySlackId)}` : ''}` +
          `: nothing changed.`
        : ':information_source: This request has no generated trial to follow up (it is pending, failed or refused).',
  needs_lr: (result) =>
    result.outcome === 'done'
      ? ':sos: L&R was asked in the licensing channel; the request stays open.'
      : result.outcome === 'already'
        ? result.resolution.resolvedAt
          ? ':information_source: This trial is already resolved: L&R was not asked.'
          : `:information_source: L&R was already asked` +
            `${result.resolution.needsLrBySlackId ? ` by ${mentionUser(result.resolution.needsLrBySlackId)}` : ''}` +
            `.`
        : ':information_source: This request has no generated trial to follow up (it is pending, failed or refused).',
};

/**
 * "Resolved" and "Needs L&R" on the reminder (thread, DM) and on App Home. Requesters only
 * (request_license, like /license-status). Ack first; the answer is ephemeral where the click
 * came from a message; on App Home the refreshed dashboard is the answer.
 */
export function licenseFollowUpButton(services: AppServices, which: 'resolved' | 'needs_lr') {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const fromHome = body.view?.type === 'home';
    const tell = (text: string) =>
      fromHome
        ? Promise.resolve()
        : respond({ response_type: 'ephemeral', replace_original: false, text }).then(() => undefined);
    const decision = await services.authz.check(userId, 'request_license');
    if (!decision.allowed) {
      await tell(`:no_entry: ${decision.reason}`);
      return;
    }
    // A request ID is a UUID: a longer value cannot name a request (it is looked up as none, and
    // logged bounded, never in full).
    const value = action.value ?? '';
    const requestId = value.length <= MAX_REQUEST_ID ? value : '';
    const result =
      which === 'resolved'
        ? await services.lifecycle.resolve(requestId, userId)
        : await services.lifecycle.needsLr(requestId, userId);
    services.logger.info(
      {
        requestId: truncate(value, MAX_REQUEST_ID),
        ...(value.length > MAX_REQUEST_ID ? { valueLength: value.length } : {}),
        by: userId,
        action: which,
        outcome: result.outcome,
      },
      'trial follow-up button',
    );
    await tell(ANSWERS[which](result)).catch(() => undefined);
    // The owner's home is refreshed by the workflow; the clicker may be someone else.
    if (fromHome) await services.lifecycle.refreshHome(userId).catch(() => undefined);
  };
}
