import type { AppServices } from '../../services';
import { COMMANDS } from '../../surface';
import { boundedCommandText, commandRequires } from '../middleware';
import type { Listeners } from '../router';
import { emergencyLicenseCommand } from './emergency-license';
import { licenseStatusCommand } from './license-status';
import { starCheckCommand } from './star-check';

/**
 * The slash commands (`surface.ts` lists the same ones for the manifest); text that is too long is
 * answered, not processed.
 */
export function register(app: Listeners, services: AppServices): void {
  const { authz } = services;
  app.command(COMMANDS.starCheck, boundedCommandText, commandRequires(authz, 'star_check'), starCheckCommand(services));
  app.command(
    COMMANDS.emergencyLicense,
    boundedCommandText,
    commandRequires(authz, 'request_license'),
    emergencyLicenseCommand(services),
  );
  app.command(
    COMMANDS.licenseStatus,
    boundedCommandText,
    commandRequires(authz, 'request_license'),
    licenseStatusCommand(services),
  );
}
