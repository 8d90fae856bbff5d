/**
 * Action IDs of the follow-up buttons on a generated trial. The button's `value` is the request
 * ID, the only thing a listener trusts. The reminder message carries the plain IDs; App Home lists
 * several requests in one view, where the checker (and Slack's per-view routing) wants each
 * action_id once, so there the request ID is appended after a colon. Listeners register the
 * patterns, which match both forms.
 */
export const LICENSE_RESOLVED_ACTION = 'license_resolved';
export const LICENSE_NEEDS_LR_ACTION = 'license_needs_lr';

export const LICENSE_RESOLVED_PATTERN = /^license_resolved(?::[^\s]+)?$/;
export const LICENSE_NEEDS_LR_PATTERN = /^license_needs_lr(?::[^\s]+)?$/;

/** `license_resolved:<request id>`: unique within a view that lists many requests. */
export const perRequestActionId = (action: typeof LICENSE_RESOLVED_ACTION | typeof LICENSE_NEEDS_LR_ACTION, requestId: string) => `${action}:${requestId}`.slice(0, 255);
