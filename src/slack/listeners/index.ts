import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import type { LicenseNotifier } from '../../workflows/emergency-license';
import { RESEND_LICENSE_ACTION, RETRY_LICENSE_ACTION } from '../messages/license-notice';
import type { AppServices } from '../services';
import { COMMANDS, SHORTCUTS } from '../surface';
import { EMERGENCY_CALLBACKS } from '../views/emergency-license-ids';
import { OPEN_EMERGENCY_LICENSE_ACTION, STAR_CHECK_CALLBACK, STAR_DISPATCH_ACTION } from '../views/star-check-ids';
import { openEmergencyLicense } from './actions/open-emergency-license';
import { resendLicense } from './actions/resend-license';
import { retryLicense } from './actions/retry-license';
import { starCheckRefresh } from './actions/star-check-refresh';
import { emergencyLicenseCommand } from './commands/emergency-license';
import { licenseStatusCommand } from './commands/license-status';
import { starCheckCommand } from './commands/star-check';
import { registerLifecycleListeners } from './lifecycle';
import { boundedCommandText, commandRequires, validActionView, validSubmittedView } from './middleware';
import { emergencyLicenseShortcut } from './shortcuts/emergency-license';
import { emergencyLicenseSubmission } from './views/emergency-license-submission';
import { emergencyOverrideSubmission } from './views/emergency-override-submission';
import { emergencyReissueSubmission } from './views/emergency-reissue-submission';
import { starCheckSubmission } from './views/star-check-submission';

type ViewArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs;
type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;

const exactly = (ids: string[]) => new RegExp(`^(?:${ids.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);

/**
 * Every listener the bot has; `surface.ts` lists the same commands and shortcut for the manifest.
 * View submissions and button clicks each go through one listener that routes by ID: Bolt runs
 * every registered listener's middleware on every request, so fewer listeners keep each ack cheap.
 */
export function registerListeners(app: App, services: AppServices, notifier: LicenseNotifier): void {
  app.command(COMMANDS.starCheck, boundedCommandText, commandRequires(services.authz, 'star_check'), starCheckCommand(services));
  app.command(COMMANDS.emergencyLicense, boundedCommandText, commandRequires(services.authz, 'request_license'), emergencyLicenseCommand(services));
  app.command(COMMANDS.licenseStatus, boundedCommandText, commandRequires(services.authz, 'request_license'), licenseStatusCommand(services));

  app.shortcut(SHORTCUTS.emergencyLicense, emergencyLicenseShortcut(services));

  const submissions: Record<string, (args: ViewArgs) => Promise<void>> = {
    [STAR_CHECK_CALLBACK]: starCheckSubmission(services),
    [EMERGENCY_CALLBACKS.form]: emergencyLicenseSubmission(services),
    [EMERGENCY_CALLBACKS.override]: emergencyOverrideSubmission(services),
    [EMERGENCY_CALLBACKS.reissue]: emergencyReissueSubmission(services),
  };
  app.view({ type: 'view_submission', callback_id: exactly(Object.keys(submissions)) }, validSubmittedView, (args) => submissions[args.view.callback_id](args));

  const buttons: Record<string, (args: ButtonArgs) => Promise<void>> = {
    [OPEN_EMERGENCY_LICENSE_ACTION]: openEmergencyLicense(services),
    [RETRY_LICENSE_ACTION]: retryLicense(services),
    [RESEND_LICENSE_ACTION]: resendLicense(services, notifier),
  };
  const refreshStarCheck = starCheckRefresh(services);
  const actionIds = new RegExp(`${exactly(Object.keys(buttons)).source}|${STAR_DISPATCH_ACTION.source}`);
  app.action({ type: 'block_actions', action_id: actionIds }, validActionView, async (args) => {
    const button = buttons[args.action.action_id];
    return button ? button(args as ButtonArgs) : refreshStarCheck(args as AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>);
  });

  // App Home (the dashboard), the trial follow-up buttons (issue 12).
  registerLifecycleListeners(app, services);
}
