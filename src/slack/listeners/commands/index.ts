import type { App } from '@slack/bolt';
import type { AppServices } from '../../services';
import { COMMANDS } from '../../surface';
import { boundedCommandText, commandRequires } from '../middleware';
import { emergencyLicenseCommand } from './emergency-license';
import { licenseStatusCommand } from './license-status';
import { starCheckCommand } from './star-check';

/** The slash commands; `surface.ts` lists the same ones for the manifest. */
export function register(app: App, services: AppServices): void {
  app.command(
    COMMANDS.starCheck,
    boundedCommandText,
    commandRequires(services.authz, 'star_check'),
    starCheckCommand(services),
  );
  app.command(
    COMMANDS.emergencyLicense,
    boundedCommandText,
    commandRequires(services.authz, 'request_license'),
    emergencyLicenseCommand(services),
  );
  app.command(
    COMMANDS.licenseStatus,
    boundedCommandText,
    commandRequires(services.authz, 'request_license'),
    licenseStatusCommand(services),
  );
}
