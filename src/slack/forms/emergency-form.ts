import type { EmergencyRequest, RawEmergencyForm } from '../../policy/emergency-request';
import { EMERGENCY_BLOCKS as B, emergencyAction as a, JUSTIFICATION_ACTION, JUSTIFICATION_BLOCK } from '../views/emergency-license-ids';
import { dateValue, readMetadata, selectedValue, selectedValues, textValue, ViewStateValues } from './view-state';

type ViewLike = { state?: { values?: ViewStateValues }; private_metadata?: string };

export function readEmergencyForm(view: ViewLike): RawEmergencyForm {
  const v = view.state?.values;
  return {
    ticket: textValue(v, B.ticket, a('ticket')),
    deployment: selectedValue(v, B.deployment, a('deployment')),
    paidPlan: selectedValue(v, B.paid_plan, a('paid_plan')),
    prospect: selectedValue(v, B.prospect, a('prospect')),
    expirationDate: dateValue(v, B.expiration_date, a('expiration_date')),
    screenshots: selectedValues(v, B.screenshots, a('screenshots')),
    userCount: textValue(v, B.user_count, a('user_count')),
    email: textValue(v, B.email, a('email')),
    username: textValue(v, B.username, a('username')),
  };
}

export const readJustification = (view: ViewLike) => textValue(view.state?.values, JUSTIFICATION_BLOCK, JUSTIFICATION_ACTION);

/** What the form modal carries between steps (in private_metadata). */
export interface EmergencyFormMetadata {
  channelId?: string;
}

/** What the override / re-issue confirmation steps carry: the validated request, nothing else. */
export interface PendingRequestMetadata {
  request?: EmergencyRequest;
  justification?: string;
  channelId?: string;
}

export const readFormMetadata = (view: ViewLike) => readMetadata<EmergencyFormMetadata>(view.private_metadata, {});
export const readPendingMetadata = (view: ViewLike) => readMetadata<PendingRequestMetadata>(view.private_metadata, {});
