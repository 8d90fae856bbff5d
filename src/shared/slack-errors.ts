import { ErrorCode, type WebAPIPlatformError } from '@slack/web-api';

/**
 * Reading the errors @slack/web-api throws, in one place. Each error class carries an `ErrorCode`;
 * the code is checked rather than `instanceof`, so an error from another copy of the package (or a
 * test double built the same way) is read alike.
 */

const codeOf = (error: unknown) =>
  typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;

/** Slack answered `ok: false`: `data.error` says why (e.g. `expired_trigger_id`). */
export function isPlatformError(error: unknown, slackError?: string): error is WebAPIPlatformError {
  if (codeOf(error) !== ErrorCode.PlatformError) return false;
  return slackError === undefined || (error as WebAPIPlatformError).data?.error === slackError;
}

/** Slack's own error code for a platform error (`not_in_channel`), else the error's message, for logs and records. */
export function slackErrorCode(error: unknown): string {
  if (isPlatformError(error)) return error.data.error;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Slack certainly did not act on the call: it answered `ok: false`, or refused it as rate limited.
 * A timeout, a network error or an HTTP 5xx may still have been acted on (the answer was lost).
 */
export function slackRefused(error: unknown): boolean {
  return isPlatformError(error) || codeOf(error) === ErrorCode.RateLimitedError;
}
