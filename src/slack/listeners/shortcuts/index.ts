import type { App } from '@slack/bolt';
import type { AppServices } from '../../services';
import { SHORTCUTS } from '../../surface';
import { emergencyLicenseShortcut } from './emergency-license';

export function register(app: App, services: AppServices): void {
  app.shortcut(SHORTCUTS.emergencyLicense, emergencyLicenseShortcut(services));
}
