import { z } from 'zod';

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

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const envSchema = z
  .object({
    SLACK_BOT_TOKEN: z.string({ error: 'required: the bot token (xoxb-...)' }).regex(/^xoxb-/, 'must be a bot token starting with xoxb-'),
    SLACK_APP_TOKEN: optionalString.pipe(z.string().regex(/^xapp-/, 'must be an app-level token starting with xapp-').optional()),
    SLACK_SIGNING_SECRET: optionalString,
    SLACK_MODE: optionalString.pipe(z.enum(['socket', 'http']).optional()),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
    SLACK_API_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'must be a URL ending in /api/' }).optional()),
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
    STAR_CHECK_USERGROUPS: usergroupList,
    LICENSE_REQUESTER_USERGROUPS: usergroupList,
    LICENSE_OVERRIDE_USERGROUPS: usergroupList,
    AUTHORIZATION_MODE: z.enum(['groups', 'open']).default('groups'),
    USERGROUP_CACHE_SECONDS: positiveInt(300),
    LICENSE_SIGNING_KEY_PATH: optionalString,
    GITLAB_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of the GitLab instance' }).optional()),
    GITLAB_TOKEN: optionalString,
    GITLAB_PROJECT_ID: optionalString,
    GITLAB_POLL_INTERVAL_SECONDS: positiveInt(30),
    GITLAB_TIMEOUT_MINUTES: positiveInt(30),
    SHUTDOWN_TIMEOUT_MS: positiveInt(10000),
    OUTBOX_POLL_INTERVAL_MS: positiveInt(5000),
    OUTBOX_MIN_BACKOFF_MS: positiveInt(1000),
    OUTBOX_MAX_BACKOFF_MS: positiveInt(300000),
  });

export interface Config {
  slack: {
    botToken: string;
    appToken?: string;
    signingSecret?: string;
    mode: 'socket' | 'http';
    port: number;
    healthPort: number;
    apiUrl?: string;
    apiTimeoutMs: number;
  };
  licensingChannel: string;
  licenseAdapter: 'local' | 'gitlab-issue';
  dataDir: string;
  logLevel: string;
  zendeskBaseUrl: string;
  authorization: {
    mode: 'groups' | 'open';
    starCheckGroups: string[];
    requesterGroups: string[];
    overrideGroups: string[];
    cacheSeconds: number;
  };
  licenseSigningKeyPath?: string;
  gitlab?: {
    url: string;
    token: string;
    projectId: string;
    pollIntervalMs: number;
    timeoutMs: number;
  };
  shutdownTimeoutMs: number;
  outbox: { pollIntervalMs: number; minBackoffMs: number; maxBackoffMs: number };
}

/** Rules that involve several variables, checked on the raw values so they are reported with the rest. */
function crossVariableProblems(env: Record<string, string | undefined>): [string, string][] {
  const problems: [string, string][] = [];
  const mode = env.SLACK_MODE ?? (env.SLACK_APP_TOKEN ? 'socket' : 'http');
  if (mode === 'socket' && !env.SLACK_APP_TOKEN) problems.push(['SLACK_APP_TOKEN', 'required in socket mode: an app-level token (xapp-...) with connections:write']);
  if (mode === 'http' && !env.SLACK_SIGNING_SECRET) problems.push(['SLACK_SIGNING_SECRET', "required in http mode: the app's signing secret"]);
  if (env.SLACK_API_URL && !env.SLACK_API_URL.endsWith('/api/')) problems.push(['SLACK_API_URL', 'must end with /api/']);
  if (env.LICENSE_ADAPTER === 'gitlab-issue') {
    for (const name of ['GITLAB_URL', 'GITLAB_TOKEN', 'GITLAB_PROJECT_ID']) {
      if (!env[name]) problems.push([name, 'required when LICENSE_ADAPTER=gitlab-issue']);
    }
  }
  return problems;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  // An empty variable (`PORT=` in .env) means "not set": it takes the default, never the value 0.
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = envSchema.safeParse(given);
  const problems = new Map<string, string>();
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = issue.path.length > 0 ? String(issue.path[0]) : 'environment';
      const message = issue.code === 'invalid_type' && given[variable] === undefined && !issue.message.startsWith('required') ? 'required' : issue.message;
      if (!problems.has(variable)) problems.set(variable, message);
    }
  }
  for (const [variable, message] of crossVariableProblems(given)) if (!problems.has(variable)) problems.set(variable, message);
  if (problems.size > 0 || !parsed.success) throw new ConfigError([...problems].map(([variable, message]) => `${variable}: ${message}`));
  const e = parsed.data;
  return {
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      appToken: e.SLACK_APP_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      mode: e.SLACK_MODE ?? (e.SLACK_APP_TOKEN ? 'socket' : 'http'),
      port: e.PORT,
      healthPort: e.HEALTH_PORT,
      apiUrl: e.SLACK_API_URL,
      apiTimeoutMs: e.SLACK_API_TIMEOUT_MS,
    },
    licensingChannel: e.LICENSING_CHANNEL,
    licenseAdapter: e.LICENSE_ADAPTER,
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    zendeskBaseUrl: e.ZENDESK_BASE_URL,
    authorization: {
      mode: e.AUTHORIZATION_MODE,
      starCheckGroups: e.STAR_CHECK_USERGROUPS,
      requesterGroups: e.LICENSE_REQUESTER_USERGROUPS,
      overrideGroups: e.LICENSE_OVERRIDE_USERGROUPS,
      cacheSeconds: e.USERGROUP_CACHE_SECONDS,
    },
    licenseSigningKeyPath: e.LICENSE_SIGNING_KEY_PATH,
    gitlab:
      e.GITLAB_URL && e.GITLAB_TOKEN && e.GITLAB_PROJECT_ID
        ? {
            url: e.GITLAB_URL.replace(/\/+$/, ''),
            token: e.GITLAB_TOKEN,
            projectId: e.GITLAB_PROJECT_ID,
            pollIntervalMs: e.GITLAB_POLL_INTERVAL_SECONDS * 1000,
            timeoutMs: e.GITLAB_TIMEOUT_MINUTES * 60_000,
          }
        : undefined,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    outbox: { pollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS, minBackoffMs: e.OUTBOX_MIN_BACKOFF_MS, maxBackoffMs: e.OUTBOX_MAX_BACKOFF_MS },
  };
}
