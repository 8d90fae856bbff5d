import type { AppServices } from '../../services';
import type { Capability } from '../../authorization';
import { COMMANDS } from '../../surface';
import type { CommandArgs } from '../dispatch';
import { boundedCommandText, commandRequires } from '../middleware';
import { type Handler, RouteTable } from '../route-table';
import { emergencyLicenseCommand } from './emergency-license';
import { licenseStatusCommand } from './license-status';
import { starCheckCommand } from './star-check';

/** The slash commands (`surface.ts` lists the same ones for the manifest), by command name. */
export function commandRoutes(services: AppServices): RouteTable<CommandArgs> {
  const command = (capability: Capability, handler: Handler<CommandArgs>) =>
    boundedCommandText(commandRequires(services.authz, capability, handler));
  return new RouteTable<CommandArgs>()
    .add(COMMANDS.starCheck, command('star_check', starCheckCommand(services)))
    .add(COMMANDS.emergencyLicense, command('request_license', emergencyLicenseCommand(services)))
    .add(COMMANDS.licenseStatus, command('request_license', licenseStatusCommand(services)));
}
