import { z } from 'zod';
import { cronExpressionProblem } from './ops/cron-schedule';
import { zendeskCrossVariableRules, zendeskSettings, zendeskVariables } from './zendesk/config';

/**
 * The zod schema of the environment: the only place that reads configuration. Every problem is
 * reported as one line naming the variable and what it expects (see ConfigError).
 */

const usergroupList = z
  .string()
  .default('')
  .transform((raw) =>
    raw
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^S[A-Z0-9]{2,}$/, 'user group IDs look like S0123ABCD (comma-separated)')));

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value && value.trim() !== '' ? value.trim() : undefined));

const WHOLE_NUMBER_ABOVE_0 = 'must be a whole number above 0';
const positiveInt = (fallback: number) =>
  z.coerce
    .number({ error: WHOLE_NUMBER_ABOVE_0 })
    .int(WHOLE_NUMBER_ABOVE_0)
    .positive(WHOLE_NUMBER_ABOVE_0)
    .default(fallback);

const PORT_NUMBER = 'must be a port number (0-65535)';
const port = (fallback: number) =>
  z.coerce
    .number({ error: PORT_NUMBER })
    .int(PORT_NUMBER)
    .min(0, PORT_NUMBER)
    .max(65535, PORT_NUMBER)
    .default(fallback);

const variables = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'required: the bot token (xoxb-...)' })
    .regex(/^xoxb-/, 'must be a bot token starting with xoxb-'),
  SLACK_APP_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^xapp-/, 'must be an app-level token starting with xapp-')
      .optional(),
  ),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_MODE: optionalString.pipe(z.enum(['socket', 'http']).optional()),
  PORT: port(3000),
  HEALTH_PORT: port(3001),
  // /metrics and the detailed health report, apart from the public port (0 = any free port).
  METRICS_PORT: port(9464),
  SLACK_API_URL: optionalString.pipe(
    z.url({ protocol: /^https?$/, error: 'must be a URL ending in /api/' }).optional(),
  ),
  SLACK_API_TIMEOUT_MS: positiveInt(5000),
  LICENSING_CHANNEL: z
    .string({ error: 'required: the channel ID of #support_licensing-subscription (e.g. C0123ABCD)' })
    .regex(/^[CG][A-Z0-9]{2,}$/, 'must be a channel ID like C0123ABCD, not a #name'),
  LICENSE_ADAPTER: z.enum(['local', 'gitlab-issue']).default('local'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ZENDESK_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'must be the https URL of the Zendesk instance' })
    .default('https://gitlab.zendesk.com')
    .transform((url) => url.replace(/\/+$/, '')),
  // Zendesk API credentials, API URL, license delivery, timeout (src/zendesk/config.ts; unset = no Zendesk calls).
  ...zendeskVariables,
  STAR_CHECK_USERGROUPS: usergroupList,
  LICENSE_REQUESTER_USERGROUPS: usergroupList,
  LICENSE_OVERRIDE_USERGROUPS: usergroupList,
  AUTHORIZATION_MODE: z.enum(['groups', 'open']).default('groups'),
  USERGROUP_CACHE_SECONDS: positiveInt(300),
  LICENSE_SIGNING_KEY_PATH: optionalString,
  GITLAB_URL: optionalString.pipe(
    z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of the GitLab instance' }).optional(),
  ),
  GITLAB_TOKEN: optionalString,
  GITLAB_PROJECT_ID: optionalString,
  GITLAB_POLL_INTERVAL_SECONDS: positiveInt(30),
  GITLAB_TIMEOUT_MINUTES: positiveInt(30),
  SHUTDOWN_TIMEOUT_MS: positiveInt(10000),
  OUTBOX_POLL_INTERVAL_MS: positiveInt(5000),
  OUTBOX_MIN_BACKOFF_MS: positiveInt(1000),
  OUTBOX_MAX_BACKOFF_MS: positiveInt(300000),
  // Trial follow-up (issue 12): reminder lead time, the L&R group to mention, the weekly digest (UTC cron).
  LICENSE_REMINDER_HOURS: z.coerce
    .number({ error: 'must be a positive number of hours' })
    .positive('must be a positive number of hours')
    .default(48),
  LR_TEAM_USERGROUP: optionalString.pipe(
    z
      .string()
      .regex(/^S[A-Z0-9]{2,}$/, 'must be a user group ID like S0123ABCD')
      .optional(),
  ),
  STAR_DIGEST_CRON: optionalString.superRefine((value, ctx) => {
    const problem = value === undefined ? undefined : cronExpressionProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  // The shared store for several replicas (unset = embedded SQLite in DATA_DIR). The message
  // never repeats the value: the URL carries the database password.
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(
        /^postgres(ql)?:\/\/[^\s]+$/,
        'must be a PostgreSQL URL: postgres://user:password@host:5432/database (add ?sslmode=verify-full for TLS)',
      )
      .optional(),
  ),
  DATABASE_POOL_MAX: positiveInt(10),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt(2000),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt(5000),
  REQUEST_LEASE_MS: z.coerce
    .number({ error: 'must be a whole number of ms, at least 1000' })
    .int('must be a whole number of ms, at least 1000')
    .min(1000, 'must be a whole number of ms, at least 1000')
    .default(30000),
  REPLICA_ID: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9._:@-]{1,100}$/, 'letters, digits and . _ : @ - only (at most 100)')
      .optional(),
  ),
});
type Variables = z.output<typeof variables>;

/** How much longer than the longest Slack call (SLACK_API_TIMEOUT_MS) a request lease must be. */
export const LEASE_MARGIN_MS = 1000;

const GITLAB_VARIABLES = ['GITLAB_URL', 'GITLAB_TOKEN', 'GITLAB_PROJECT_ID'] as const;

/**
 * Rules that involve several variables. They run even when single variables already failed
 * (`when`), so that one start reports every problem; the values may then be unparsed, hence the
 * defensive reads.
 */
function crossVariableRules(e: Variables, ctx: z.RefinementCtx<Variables>): void {
  const problem = (variable: string, message: string) => ctx.addIssue({ code: 'custom', path: [variable], message });
  const mode = e.SLACK_MODE ?? (e.SLACK_APP_TOKEN ? 'socket' : 'http');
  if (mode === 'socket' && !e.SLACK_APP_TOKEN)
    problem('SLACK_APP_TOKEN', 'required in socket mode: an app-level token (xapp-...) with connections:write');
  if (mode === 'http' && !e.SLACK_SIGNING_SECRET)
    problem('SLACK_SIGNING_SECRET', "required in http mode: the app's signing secret");
  if (typeof e.SLACK_API_URL === 'string' && !e.SLACK_API_URL.endsWith('/api/'))
    problem('SLACK_API_URL', 'must end with /api/');
  // The private port must not be the public one: the details would be public again.
  const publicPort = mode === 'socket' ? e.HEALTH_PORT : e.PORT;
  if (Number(e.METRICS_PORT) !== 0 && Number(e.METRICS_PORT) === Number(publicPort))
    problem(
      'METRICS_PORT',
      `must differ from ${mode === 'socket' ? 'HEALTH_PORT' : 'PORT'} (${publicPort}): /metrics and the ` +
        `detailed health report are for the cluster only`,
    );
  // The request lease fences the Slack calls of a license hand-over (issue 18): a call must end
  // before the lease it was made under can pass to another replica, with a second to spare for
  // the store write and clock skew.
  const leaseMs = Number(e.REQUEST_LEASE_MS);
  const slackTimeoutMs = Number(e.SLACK_API_TIMEOUT_MS);
  if (Number.isFinite(leaseMs) && Number.isFinite(slackTimeoutMs) && leaseMs < slackTimeoutMs + LEASE_MARGIN_MS)
    problem(
      'REQUEST_LEASE_MS',
      `must be at least SLACK_API_TIMEOUT_MS + ${LEASE_MARGIN_MS} (${slackTimeoutMs + LEASE_MARGIN_MS} ms): a ` +
        `license DM sent under the lease must end before another replica can take the request over`,
    );
  // No silent fallback to the local adapter: asking for GitLab without its settings stops the start.
  if (e.LICENSE_ADAPTER === 'gitlab-issue') {
    for (const name of GITLAB_VARIABLES) if (!e[name]) problem(name, 'required when LICENSE_ADAPTER=gitlab-issue');
  }
  zendeskCrossVariableRules(e, problem);
}

/** The settings of the gitlab-issue adapter, when all three connection variables are given. */
function gitlabSettings(e: Variables) {
  if (!e.GITLAB_URL || !e.GITLAB_TOKEN || !e.GITLAB_PROJECT_ID) return undefined;
  return {
    url: e.GITLAB_URL.replace(/\/+$/, ''),
    token: e.GITLAB_TOKEN,
    projectId: e.GITLAB_PROJECT_ID,
    pollIntervalMs: e.GITLAB_POLL_INTERVAL_SECONDS * 1000,
    timeoutMs: e.GITLAB_TIMEOUT_MINUTES * 60_000,
  };
}
export type GitLabSettings = NonNullable<ReturnType<typeof gitlabSettings>>;

/** The adapter and its settings, as one value: `gitlab-issue` always comes with its GitLab settings. */
function licenseAdapter(
  e: Variables,
): { licenseAdapter: 'local'; gitlab?: GitLabSettings } | { licenseAdapter: 'gitlab-issue'; gitlab: GitLabSettings } {
  const gitlab = gitlabSettings(e);
  if (e.LICENSE_ADAPTER === 'local') return { licenseAdapter: 'local', gitlab };
  // crossVariableRules made the three variables required, so this cannot happen after a successful parse.
  if (!gitlab) throw new Error('LICENSE_ADAPTER=gitlab-issue without GitLab settings');
  return { licenseAdapter: 'gitlab-issue', gitlab };
}

const envSchema = variables.superRefine(crossVariableRules, { when: () => true }).transform((e) => ({
  slack: {
    botToken: e.SLACK_BOT_TOKEN,
    appToken: e.SLACK_APP_TOKEN,
    signingSecret: e.SLACK_SIGNING_SECRET,
    mode: e.SLACK_MODE ?? (e.SLACK_APP_TOKEN ? ('socket' as const) : ('http' as const)),
    port: e.PORT,
    healthPort: e.HEALTH_PORT,
    /** /metrics and the detailed health report (the cluster's eyes only); 0 = any free port. */
    metricsPort: e.METRICS_PORT,
    apiUrl: e.SLACK_API_URL,
    apiTimeoutMs: e.SLACK_API_TIMEOUT_MS,
  },
  licensingChannel: e.LICENSING_CHANNEL,
  ...licenseAdapter(e),
  dataDir: e.DATA_DIR,
  logLevel: e.LOG_LEVEL,
  zendeskBaseUrl: e.ZENDESK_BASE_URL,
  /** Set when Zendesk credentials are configured; undefined = tickets are neither read nor written. */
  zendesk: zendeskSettings(e),
  authorization: {
    mode: e.AUTHORIZATION_MODE,
    starCheckGroups: e.STAR_CHECK_USERGROUPS,
    requesterGroups: e.LICENSE_REQUESTER_USERGROUPS,
    overrideGroups: e.LICENSE_OVERRIDE_USERGROUPS,
    cacheSeconds: e.USERGROUP_CACHE_SECONDS,
  },
  licenseSigningKeyPath: e.LICENSE_SIGNING_KEY_PATH,
  shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  outbox: {
    pollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS,
    minBackoffMs: e.OUTBOX_MIN_BACKOFF_MS,
    maxBackoffMs: e.OUTBOX_MAX_BACKOFF_MS,
  },
  lifecycle: {
    reminderHours: e.LICENSE_REMINDER_HOURS,
    lrTeamUsergroup: e.LR_TEAM_USERGROUP,
    starDigestCron: e.STAR_DIGEST_CRON,
  },
  database: {
    /** Set: PostgreSQL (several replicas); unset: SQLite in dataDir. */
    url: e.DATABASE_URL,
    poolMax: e.DATABASE_POOL_MAX,
    connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
  },
  replica: {
    /** Names this process in request leases; undefined = derived at start (see composition/lease-owner.ts). */
    id: e.REPLICA_ID,
    requestLeaseMs: e.REQUEST_LEASE_MS,
  },
}));

/** The bot's configuration: exactly what the schema produces. */
export type Config = z.output<typeof envSchema>;

/** Variables whose values are numbers: a problem with one repeats what was given (see {@link shown}). */
const NUMERIC = new Set(
  Object.entries(variables.shape)
    .filter(([, schema]) => numericSchema(schema))
    .map(([name]) => name),
);

function numericSchema(schema: z.ZodType): boolean {
  const def = schema._zod.def as { type: string; innerType?: z.ZodType };
  if (def.type === 'number') return true;
  return def.innerType !== undefined && numericSchema(def.innerType);
}

/**
 * What was given, for the message: short values are repeated (`got 'abc'`), long ones only
 * described, since a pasted token or password may sit in the wrong variable and messages never
 * show secrets.
 */
function shown(value: string): string {
  const looksSecret = value.length > 12 || /^(xox|xapp|glpat|gl[a-z]+-)/i.test(value) || /['\n]/.test(value);
  return looksSecret ? `got a ${value.length}-character value (not shown: it may be a secret)` : `got '${value}'`;
}

/**
 * `.env` lines whose value starts with `#` (`LICENSING_CHANNEL=#support_licensing-subscription`):
 * dotenv reads `#` as the start of a comment, so such a variable arrives empty. Maps each variable
 * to the text after `=`.
 */
export function commentedOutValues(dotenvText: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of dotenvText.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(#.*?)\s*$/.exec(line);
    if (match) found.set(match[1], match[2]);
  }
  return found;
}

function commentedOutProblem(variable: string, value: string): string {
  const because = `empty, because \`#\` starts a comment in .env`;
  if (variable === 'LICENSING_CHANNEL')
    return (
      `${because} (its line reads LICENSING_CHANNEL=${value}): put the channel ID (C…) there instead of the ` +
      `#name: open the channel, click its name; the ID is at the bottom of About`
    );
  // Not repeated: the value of another variable may be a secret.
  return `${because} (its line's value starts with #): quote the value ("…") or write it without the #`;
}

export interface LoadOptions {
  /** The text of the `.env` file the environment was read from, to explain values it hid as comments. */
  dotenvText?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv, options: LoadOptions = {}): Config {
  // An empty variable (`PORT=` in .env) means "not set": it takes the default, never the value 0.
  const given = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = envSchema.safeParse(given);
  if (parsed.success) return parsed.data;
  const commentedOut = options.dotenvText ? commentedOutValues(options.dotenvText) : new Map<string, string>();
  const problems = new Map<string, string>();
  for (const issue of parsed.error.issues) {
    const variable = issue.path.length > 0 ? String(issue.path[0]) : 'environment';
    const value = given[variable];
    let message =
      issue.code === 'invalid_type' && value === undefined && !issue.message.startsWith('required')
        ? 'required'
        : issue.message;
    const hidden = commentedOut.get(variable);
    if (value === undefined && hidden !== undefined) message = commentedOutProblem(variable, hidden);
    else if (typeof value === 'string' && NUMERIC.has(variable)) message = `${message}, ${shown(value)}`;
    if (!problems.has(variable)) problems.set(variable, message);
  }
  throw new ConfigError([...problems].map(([variable, message]) => `${variable}: ${message}`));
}
