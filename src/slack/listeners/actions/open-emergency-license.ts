import { z } from 'zod';
import type { AppServices } from '../../services';
import { buildNotAllowedView } from '../../views/emergency-license-modal';
import { openEmergencyForm } from '../emergency-form';
import { openModal } from '../open-modal';
import type { ButtonArgs } from '../args';

/**
 * The button's value, as the verdict wrote it (`EmergencyLicensePrefill`). A button value comes
 * back from the client: anything of the wrong type is dropped, not trusted.
 */
const prefillValue = z.object({
  ticket: z.string().optional().catch(undefined),
  expirationDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .catch(undefined),
  licenseKind: z.enum(['paid', 'temporary']).optional().catch(undefined),
});

function readPrefill(value: string | undefined): z.infer<typeof prefillValue> {
  try {
    const parsed = prefillValue.safeParse(JSON.parse(value ?? ''));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** The verdict's "Open emergency license form" button: push the form, prefilled from the check. */
export function openEmergencyLicense(services: AppServices) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const decision = await services.authz.check(userId, 'request_license');
    const given = readPrefill(action.value);
    // From the verdict modal the form is pushed on top of it; from App Home it opens on its own.
    const push = body.view?.type === 'modal';
    if (!decision.allowed) {
      await openModal(client, body.trigger_id, buildNotAllowedView(decision.reason), services.logger, { push });
      return;
    }
    const prefill = {
      ...(await services.licenseIntake.prefill(userId, given.ticket, given.expirationDate)),
      licenseKind: given.licenseKind,
    };
    const { fromZendesk } = await openEmergencyForm(services, client, body.trigger_id, prefill, {}, { push });
    await fromZendesk;
  };
}
