import type { App } from '@slack/bolt';
import type { AppServices } from '../../services';
import { SHORTCUTS } from '../../surface';
import { taken } from '../unhandled';
import { emergencyLicenseShortcut } from './emergency-license';

/** The shortcuts (`surface.ts` lists the same ones for the manifest). */
export function register(app: App, services: AppServices): void {
  app.shortcut(SHORTCUTS.emergencyLicense, taken, emergencyLicenseShortcut(services));
}
