/**
 * The Zendesk settings (SPEC "Zendesk: the ticket as source and destination", CONTRACT variables):
 * credentials, the REST API's base URL, how the license is delivered and the per-call timeout.
 *
 * `src/config.ts` spreads `zendeskVariables` into its schema, calls `zendeskCrossVariableRules` from
 * its cross-variable rules and puts `zendeskSettings(e)` in the parsed configuration. Without
 * credentials the settings are `undefined`: the bot neither reads nor writes tickets.
 *
 * The secrets live in a `ZendeskCredentials` object that prints as `[REDACTED]` (JSON, `util.inspect`,
 * template strings), so logging the whole configuration cannot leak them.
 */
import { inspect } from 'node:util';
import { z } from 'zod';

export const LICENSE_DELIVERIES = ['internal-note', 'public-reply'] as const;
export type LicenseDelivery = (typeof LICENSE_DELIVERIES)[number];

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value && value.trim() !== '' ? value.trim() : undefined));

/** The ZENDESK_* variables besides ZENDESK_BASE_URL (which src/config.ts already owns). */
export const zendeskVariables = {
  ZENDESK_EMAIL: optionalString.pipe(
    z.email({ error: 'must be the email address of the Zendesk agent the API token belongs to' }).optional(),
  ),
  ZENDESK_API_TOKEN: optionalString,
  ZENDESK_OAUTH_TOKEN: optionalString,
  ZENDESK_API_URL: optionalString.pipe(
    z.url({ protocol: /^https?$/, error: 'must be the URL of the Zendesk REST API, ending in /api/v2/' }).optional(),
  ),
  ZENDESK_LICENSE_DELIVERY: z
    .enum(LICENSE_DELIVERIES, { error: 'must be internal-note or public-reply' })
    .default('internal-note'),
  ZENDESK_TIMEOUT_MS: z.coerce.number().int().positive().max(60_000, 'at most 60000 (ms)').default(5000),
};

/** What the rules below read: the variables above plus ZENDESK_BASE_URL (already without trailing slash). */
export interface ZendeskVariables {
  ZENDESK_BASE_URL: string;
  ZENDESK_EMAIL?: string;
  ZENDESK_API_TOKEN?: string;
  ZENDESK_OAUTH_TOKEN?: string;
  ZENDESK_API_URL?: string;
  ZENDESK_LICENSE_DELIVERY: LicenseDelivery;
  ZENDESK_TIMEOUT_MS: number;
}

/**
 * Rules between the variables, reported like src/config.ts reports its own: one line per variable.
 * The messages never repeat a value (they are secrets).
 */
export function zendeskCrossVariableRules(
  e: Partial<ZendeskVariables>,
  problem: (variable: string, message: string) => void,
): void {
  const apiToken = typeof e.ZENDESK_API_TOKEN === 'string';
  const oauth = typeof e.ZENDESK_OAUTH_TOKEN === 'string';
  if (apiToken && oauth)
    problem('ZENDESK_OAUTH_TOKEN', 'set either ZENDESK_OAUTH_TOKEN or ZENDESK_EMAIL + ZENDESK_API_TOKEN, not both');
  if (apiToken && !e.ZENDESK_EMAIL)
    problem('ZENDESK_EMAIL', 'required with ZENDESK_API_TOKEN: the email address of the agent who owns the token');
  if (typeof e.ZENDESK_API_URL === 'string' && !/\/api\/v2\/$/.test(e.ZENDESK_API_URL))
    problem('ZENDESK_API_URL', 'must end with /api/v2/');
}

/** API token (`email/token:apitoken`, HTTP Basic) or OAuth access token (Bearer). */
export type ZendeskAuth = { kind: 'api-token'; email: string; apiToken: string } | { kind: 'oauth'; token: string };

const REDACTED = '[REDACTED]';

/**
 * Holds the credentials and hands out the Authorization header. Every way of printing it
 * (JSON.stringify, pino, util.inspect, `${…}`) shows `[REDACTED]`; the secret is readable only
 * through `authorizationHeader()` and `secrets()` (for scrubbing messages).
 */
export class ZendeskCredentials {
  readonly #auth: ZendeskAuth;

  constructor(auth: ZendeskAuth) {
    const secret = auth.kind === 'oauth' ? auth.token : auth.apiToken;
    if (typeof secret !== 'string' || secret.trim() === '') throw new Error('Zendesk credentials: empty token');
    if (auth.kind === 'api-token' && (typeof auth.email !== 'string' || !auth.email.includes('@')))
      throw new Error('Zendesk credentials: an API token needs the agent email address');
    this.#auth = auth.kind === 'oauth' ? { kind: 'oauth', token: auth.token.trim() } : { ...auth };
  }

  get kind(): ZendeskAuth['kind'] {
    return this.#auth.kind;
  }

  authorizationHeader(): string {
    const auth = this.#auth;
    if (auth.kind === 'oauth') return `Bearer ${auth.token}`;
    return `Basic ${Buffer.from(`${auth.email}/token:${auth.apiToken}`, 'utf8').toString('base64')}`;
  }

  /** Strings that must never appear in a message: the token, and the Basic header value. */
  secrets(): string[] {
    const auth = this.#auth;
    const header = this.authorizationHeader();
    const secret = auth.kind === 'oauth' ? auth.token : auth.apiToken;
    return [secret, header, header.replace(/^(Basic|Bearer) /, '')];
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

export interface ZendeskSettings {
  /** The Zendesk whose tickets are read and written (ticket URLs on any other host are refused). */
  baseUrl: string;
  /** Base URL of the REST API, ending in `/api/v2/`. */
  apiUrl: string;
  credentials: ZendeskCredentials;
  licenseDelivery: LicenseDelivery;
  /** Upper bound of each API call. */
  timeoutMs: number;
}

/** The settings, or undefined when no credentials are configured (the bot then never calls Zendesk). */
export function zendeskSettings(e: ZendeskVariables): ZendeskSettings | undefined {
  let auth: ZendeskAuth | undefined;
  if (e.ZENDESK_OAUTH_TOKEN) auth = { kind: 'oauth', token: e.ZENDESK_OAUTH_TOKEN };
  else if (e.ZENDESK_API_TOKEN && e.ZENDESK_EMAIL)
    auth = { kind: 'api-token', email: e.ZENDESK_EMAIL, apiToken: e.ZENDESK_API_TOKEN };
  if (!auth) return undefined;
  const baseUrl = e.ZENDESK_BASE_URL.replace(/\/+$/, '');
  return {
    baseUrl,
    apiUrl: e.ZENDESK_API_URL ?? `${baseUrl}/api/v2/`,
    credentials: new ZendeskCredentials(auth),
    licenseDelivery: e.ZENDESK_LICENSE_DELIVERY,
    timeoutMs: e.ZENDESK_TIMEOUT_MS,
  };
}

/** The variables alone, for callers that do not go through src/config.ts (tools, tests). */
export const zendeskEnvSchema = z
  .object({
    ZENDESK_BASE_URL: z
      .url({ protocol: /^https?$/ })
      .default('https://gitlab.zendesk.com')
      .transform((url) => url.replace(/\/+$/, '')),
    ...zendeskVariables,
  })
  .superRefine((e, ctx) =>
    zendeskCrossVariableRules(e, (variable, message) => ctx.addIssue({ code: 'custom', path: [variable], message })),
  )
  .transform((e) => zendeskSettings(e));
