import type { EmergencyField } from '../../policy/emergency-request';

export const EMERGENCY_CALLBACKS = {
  form: 'emergency_license',
  override: 'emergency_license_override',
  reissue: 'emergency_license_reissue',
  status: 'emergency_license_status',
  refused: 'emergency_license_refused',
} as const;

/** Block IDs equal the validation field names, so field errors map onto blocks one to one. */
export const EMERGENCY_BLOCKS: Record<EmergencyField, EmergencyField> = {
  ticket: 'ticket',
  deployment: 'deployment',
  paid_plan: 'paid_plan',
  prospect: 'prospect',
  expiration_date: 'expiration_date',
  license_kind: 'license_kind',
  screenshots: 'screenshots',
  user_count: 'user_count',
  email: 'email',
  username: 'username',
};

export const emergencyAction = (field: EmergencyField) => `emergency_${field}`;

export const JUSTIFICATION_BLOCK = 'justification';
export const JUSTIFICATION_ACTION = 'emergency_justification';
