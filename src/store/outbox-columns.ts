/** The audit outbox's columns a caller may set on insert, in one order shared by both backends. */
export const OUTBOX_COLUMN_LIST = [
  'key',
  'channel',
  'text',
  'blocks',
  'thread_of_key',
  'ts',
  'version',
  'delivered_version',
  'attempts',
  'next_attempt_at',
  'last_error',
  'claimed_until',
  'post_started_at',
  'created_at',
] as const;
