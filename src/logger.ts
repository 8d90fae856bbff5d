import pino, { type DestinationStream, type Logger } from 'pino';

/** Paths pino blanks out wherever they appear, so a token never reaches the log. */
const REDACTED_PATHS = [
  'token',
  '*.token',
  'botToken',
  '*.botToken',
  'appToken',
  '*.appToken',
  'signingSecret',
  '*.signingSecret',
  'headers.authorization',
  '*.headers.authorization',
  'headers["private-token"]',
  '*.headers["private-token"]',
  'licenseFile',
  '*.licenseFile',
];

const SECRET_PATTERN = /\b(xox[abpr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|glpat-[A-Za-z0-9_-]+)/g;

/** Scrubs token-shaped strings from free text (error messages can echo a request). */
export function scrubSecrets(text: string): string {
  return (
    text
      .replace(SECRET_PATTERN, (match) => `${match.slice(0, 5)}[REDACTED]`)
      // The password of a DATABASE_URL (postgres://user:password@host/db).
      .replace(/\b(postgres(?:ql)?:\/\/[^:/@\s]*):[^@\s]+@/g, '$1:[REDACTED]@')
  );
}

/**
 * The longest string a log line carries (issue 18: a 20,000-character button value was logged in
 * full); stack traces and error texts get more room. The rest is replaced by `…[+N chars]`.
 */
export const MAX_LOGGED_STRING = 2_000;
const MAX_LOGGED_ERROR = 8_000;
const ERROR_KEYS = new Set(['error', 'err', 'stack']);

export function boundString(text: string, max = MAX_LOGGED_STRING): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[+${text.length - max} chars]`;
}

/** Scrubs token-shaped strings anywhere in a log object (error messages are often nested), and bounds every string. */
export function scrubObject(value: unknown, depth = 0, key = ''): unknown {
  if (typeof value === 'string')
    return scrubSecrets(boundString(value, ERROR_KEYS.has(key) ? MAX_LOGGED_ERROR : MAX_LOGGED_STRING));
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.slice(0, 50).map((item) => scrubObject(item, depth + 1, key));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([name, item]) => [name, scrubObject(item, depth + 1, name)]),
  );
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => scrubObject(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg)) as Parameters<typeof method>,
        );
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
