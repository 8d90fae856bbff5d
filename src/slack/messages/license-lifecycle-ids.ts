/**
 * Action IDs of the follow-up buttons on a generated trial. The button's `value` is the request
 * ID, the only thing a listener reads. The reminder message carries the plain IDs; App Home lists
 * several requests in one view, where each action_id must appear once, so there the row number is
 * appended after a colon (not the request ID, which could be too long for the 255-character
 * limit). Listeners register the patterns, which match both forms.
 */
export const LICENSE_RESOLVED_ACTION = 'license_resolved';
export const LICENSE_NEEDS_LR_ACTION = 'license_needs_lr';

export const LICENSE_RESOLVED_PATTERN = /^license_resolved(?::\d+)?$/;
export const LICENSE_NEEDS_LR_PATTERN = /^license_needs_lr(?::\d+)?$/;

/** `license_resolved:3`: unique within a view that lists many requests. */
export const rowActionId = (action: typeof LICENSE_RESOLVED_ACTION | typeof LICENSE_NEEDS_LR_ACTION, row: number) =>
  `${action}:${row}`;
