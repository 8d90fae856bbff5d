import type { App } from '@slack/bolt';
import type { AppServices } from '../../services';
import { COMMANDS } from '../../surface';
import { boundedCommandText, commandRequires } from '../middleware';
import { taken } from '../unhandled';
import { emergencyLicenseCommand } from './emergency-license';
import { licenseStatusCommand } from './license-status';
import { starCheckCommand } from './star-check';

/**
 * The slash commands (`surface.ts` lists the same ones for the manifest); text that is too long is
 * answered, not processed.
 */
export function register(app: App, services: AppServices): void {
  const { authz } = services;
  app.command(
    COMMANDS.starCheck,
    taken,
    boundedCommandText,
    commandRequires(authz, 'star_check'),
    starCheckCommand(services),
  );
  app.command(
    COMMANDS.emergencyLicense,
    taken,
    boundedCommandText,
    commandRequires(authz, 'request_license'),
    emergencyLicenseCommand(services),
  );
  app.command(
    COMMANDS.licenseStatus,
    taken,
    boundedCommandText,
    commandRequires(authz, 'request_license'),
    licenseStatusCommand(services),
  );
}
