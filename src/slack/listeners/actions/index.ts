import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { RESEND_LICENSE_ACTION, RETRY_LICENSE_ACTION } from '../../messages/license-notice';
import type { AppServices } from '../../services';
import { OPEN_EMERGENCY_LICENSE_ACTION, STAR_DISPATCH_ACTION } from '../../views/star-check-ids';
import { validActionView } from '../middleware';
import { openEmergencyLicense } from './open-emergency-license';
import { resendLicense } from './resend-license';
import { retryLicense } from './retry-license';
import { starCheckRefresh } from './star-check-refresh';

/** One listener per button or dispatching input. */
export function register(app: App, services: AppServices): void {
  const button = (actionId: string) => ({ type: 'block_actions' as const, action_id: actionId });
  app.action<BlockAction<ButtonAction>>(button(OPEN_EMERGENCY_LICENSE_ACTION), validActionView, openEmergencyLicense(services));
  app.action<BlockAction<ButtonAction>>(button(RETRY_LICENSE_ACTION), validActionView, retryLicense(services));
  app.action<BlockAction<ButtonAction>>(button(RESEND_LICENSE_ACTION), validActionView, resendLicense(services));
  app.action<BlockAction>({ type: 'block_actions', action_id: STAR_DISPATCH_ACTION }, validActionView, starCheckRefresh(services));
}
