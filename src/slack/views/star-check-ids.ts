import type { QuestionId } from '../../policy/star-flowchart';

/** Block and action IDs shared by the /star-check modal builder and its parser. */
export const STAR_CHECK_CALLBACK = 'star_check';
export const STAR_VERDICT_CALLBACK = 'star_check_verdict';

export const STAR_BLOCKS = {
  ticket: 'ticket',
  deployment: 'deployment',
  requestType: 'request_type',
  expirationDate: 'expiration_date',
  question: (id: QuestionId) => `q_${id}`,
} as const;

export const STAR_ACTIONS = {
  ticket: 'star_ticket',
  deployment: 'star_deployment',
  requestType: 'star_request_type',
  expirationDate: 'star_expiration_date',
  question: (id: QuestionId) => `star_q_${id}`,
} as const;

/** Inputs that change which questions the modal shows, so they refresh it as soon as they change. */
export const STAR_DISPATCH_ACTION = /^star_(deployment|expiration_date|q_[A-Za-z0-9]+)$/;

export const OPEN_EMERGENCY_LICENSE_ACTION = 'open_emergency_license';
