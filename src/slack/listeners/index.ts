import type { App, BlockAction, ButtonAction } from '@slack/bolt';
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
import { appHomeOpened } from './events/app-home-opened';
import { boundedCommandText, commandRequires, validActionView, validSubmittedView } from './middleware';
import { emergencyLicenseShortcut } from './shortcuts/emergency-license';
import { emergencyLicenseSubmission } from './views/emergency-license-submission';
import { emergencyOverrideSubmission } from './views/emergency-override-submission';
import { emergencyReissueSubmission } from './views/emergency-reissue-submission';
import { starCheckSubmission } from './views/star-check-submission';

/** Every listener the bot has; `surface.ts` lists the same commands and shortcut for the manifest. */
export function registerListeners(app: App, services: AppServices, notifier: LicenseNotifier): void {
  app.command(COMMANDS.starCheck, boundedCommandText, commandRequires(services.authz, 'star_check'), starCheckCommand(services));
  app.command(COMMANDS.emergencyLicense, boundedCommandText, commandRequires(services.authz, 'request_license'), emergencyLicenseCommand(services));
  app.command(COMMANDS.licenseStatus, boundedCommandText, commandRequires(services.authz, 'request_license'), licenseStatusCommand(services));

  app.shortcut(SHORTCUTS.emergencyLicense, emergencyLicenseShortcut(services));

  app.view(STAR_CHECK_CALLBACK, validSubmittedView, starCheckSubmission(services));
  app.view(EMERGENCY_CALLBACKS.form, validSubmittedView, emergencyLicenseSubmission(services));
  app.view(EMERGENCY_CALLBACKS.override, validSubmittedView, emergencyOverrideSubmission(services));
  app.view(EMERGENCY_CALLBACKS.reissue, validSubmittedView, emergencyReissueSubmission(services));

  app.action({ type: 'block_actions', action_id: STAR_DISPATCH_ACTION }, validActionView, starCheckRefresh(services));
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: OPEN_EMERGENCY_LICENSE_ACTION }, openEmergencyLicense(services));
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: RETRY_LICENSE_ACTION }, retryLicense(services));
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: RESEND_LICENSE_ACTION }, resendLicense(services, notifier));

  app.event('app_home_opened', appHomeOpened(services));
}
