import type { AppServices } from '../../services';
import { SHORTCUTS } from '../../surface';
import type { Listeners } from '../router';
import { emergencyLicenseShortcut } from './emergency-license';

/** The shortcuts (`surface.ts` lists the same ones for the manifest). */
export function register(app: Listeners, services: AppServices): void {
  app.shortcut(SHORTCUTS.emergencyLicense, emergencyLicenseShortcut(services));
}
