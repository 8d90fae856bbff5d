import type { AppServices } from '../../services';
import { SHORTCUTS } from '../../surface';
import type { ShortcutArgs } from '../dispatch';
import { RouteTable } from '../route-table';
import { emergencyLicenseShortcut } from './emergency-license';

/** The shortcuts (`surface.ts` lists the same ones for the manifest), by callback_id. */
export function shortcutRoutes(services: AppServices): RouteTable<ShortcutArgs> {
  return new RouteTable<ShortcutArgs>().add(SHORTCUTS.emergencyLicense, emergencyLicenseShortcut(services));
}
