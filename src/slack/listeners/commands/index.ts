import type { AppServices } from '../../services';
import { COMMANDS } from '../../surface';
import type { CommandArgs } from '../dispatch';
import { boundedCommandText, commandRequires } from '../middleware';
import { RouteTable } from '../route-table';
import { emergencyLicenseCommand } from './emergency-license';
import { licenseStatusCommand } from './license-status';
import { starCheckCommand } from './star-check';

/**
 * The slash commands (`surface.ts` lists the same ones for the manifest), by command name; text that
 * is too long is answered, not processed.
 */
export function commandRoutes(services: AppServices): RouteTable<CommandArgs> {
  const { authz } = services;
  return new RouteTable<CommandArgs>(boundedCommandText)
    .add(COMMANDS.starCheck, commandRequires(authz, 'star_check', starCheckCommand(services)))
    .add(COMMANDS.emergencyLicense, commandRequires(authz, 'request_license', emergencyLicenseCommand(services)))
    .add(COMMANDS.licenseStatus, commandRequires(authz, 'request_license', licenseStatusCommand(services)));
}
