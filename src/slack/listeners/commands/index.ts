import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { AppServices } from '../../services';
import { COMMANDS } from '../../surface';
import { boundedCommandText, commandRequires } from '../middleware';
import { RouteTable } from '../route-table';
import { emergencyLicenseCommand } from './emergency-license';
import { licenseStatusCommand } from './license-status';
import { starCheckCommand } from './star-check';

/** The slash commands (`surface.ts` lists the same ones for the manifest), behind one listener. */
export function register(app: App, services: AppServices): void {
  const commands = new RouteTable<AllMiddlewareArgs & SlackCommandMiddlewareArgs>()
    .add(COMMANDS.starCheck, commandRequires(services.authz, 'star_check', starCheckCommand(services)))
    .add(
      COMMANDS.emergencyLicense,
      commandRequires(services.authz, 'request_license', emergencyLicenseCommand(services)),
    )
    .add(COMMANDS.licenseStatus, commandRequires(services.authz, 'request_license', licenseStatusCommand(services)));
  app.command(
    commands.ids,
    boundedCommandText,
    commands.listener(({ command }) => command.command),
  );
}
