import pino, { Logger } from 'pino';

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
  return text.replace(SECRET_PATTERN, (match) => `${match.slice(0, 5)}[REDACTED]`);
}

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg)) as Parameters<typeof method>,
        );
      },
    },
  });
}

export type { Logger };
