import { z } from 'zod';
import type { RawEmergencyForm } from '../../policy/emergency-request';
import {
  EMERGENCY_BLOCKS as B,
  emergencyAction as a,
  JUSTIFICATION_ACTION,
  JUSTIFICATION_BLOCK,
} from '../views/emergency-license-ids';
import { dateValue, selectedValue, selectedValues, textValue, type ViewStateValues } from './view-state';

type ViewLike = { state?: { values?: ViewStateValues }; private_metadata?: string };

export function readEmergencyForm(view: ViewLike): RawEmergencyForm {
  const v = view.state?.values;
  return {
    ticket: textValue(v, B.ticket, a('ticket')),
    deployment: selectedValue(v, B.deployment, a('deployment')),
    paidPlan: selectedValue(v, B.paid_plan, a('paid_plan')),
    prospect: selectedValue(v, B.prospect, a('prospect')),
    expirationDate: dateValue(v, B.expiration_date, a('expiration_date')),
    licenseKind: selectedValue(v, B.license_kind, a('license_kind')),
    screenshots: selectedValues(v, B.screenshots, a('screenshots')),
    userCount: textValue(v, B.user_count, a('user_count')),
    email: textValue(v, B.email, a('email')),
    username: textValue(v, B.username, a('username')),
  };
}

export const readJustification = (view: ViewLike) =>
  textValue(view.state?.values, JUSTIFICATION_BLOCK, JUSTIFICATION_ACTION);

/**
 * What every step of the emergency modal carries in private_metadata: only a hint of where it was
 * opened. The facts of a request between steps are kept on the server (open_requests, keyed by
 * the view ID); anything else a client sends back here is ignored.
 */
export interface EmergencyFormMetadata {
  channelId?: string;
}

const metadataSchema = z.object({
  channelId: z
    .string()
    .regex(/^[CGD][A-Z0-9]{1,40}$/)
    .optional(),
});

/** Parsed metadata, or undefined when it is not what the bot wrote (not JSON, not an object, wrong types). */
export function readFormMetadata(view: ViewLike): EmergencyFormMetadata | undefined {
  const raw = view.private_metadata;
  if (raw === undefined || raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const result = metadataSchema.safeParse(parsed);
  return result.success ? { channelId: result.data.channelId } : undefined;
}
