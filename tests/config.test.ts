import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError, loadConfig, type Config } from '../src/config';
import { createLogger, scrubSecrets } from '../src/logger';

/**
 * createLogger(level) has no destination parameter, so pino is wrapped to write every logger it
 * creates into `mockLines` (the `mock` prefix lets jest hoist the factory).
 */
const mockLines: string[] = [];
jest.mock('pino', () => {
  const actual = jest.requireActual('pino');
  const { Writable: W } = jest.requireActual('node:stream');
  const sink = new W({
    write(chunk: Buffer, _enc: string, done: () => void) {
      mockLines.push(chunk.toString());
      done();
    },
  });
  const wrapped = (opts: unknown, stream?: unknown) => actual(opts, stream ?? sink);
  Object.assign(wrapped, actual);
  return Object.assign(wrapped, { default: wrapped, pino: wrapped, __esModule: true });
});

const BOT_TOKEN = 'xoxb-1111-2222-SuperSecretBotToken';
const APP_TOKEN = 'xapp-1-A0123-3333-SuperSecretAppToken';
const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const GITLAB_TOKEN = 'glpat-SuperSecretGitlabToken_1';

const HTTP_ENV = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, LICENSING_CHANNEL: 'C0123ABCD' };

function env(
  overrides: Record<string, string | undefined> = {},
  base: Record<string, string> = HTTP_ENV,
): NodeJS.ProcessEnv {
  const out: Record<string, string> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete out[key];
    else out[key] = value;
  }
  return out;
}

/** The ConfigError loadConfig throws for this environment (fails the test if it does not throw one). */
function problemsFor(e: NodeJS.ProcessEnv): string[] {
  let caught: unknown;
  try {
    loadConfig(e);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  return (caught as ConfigError).problems;
}

describe('loadConfig: valid environments', () => {
  it('a minimal http configuration, with every default of the contract', () => {
    const config = loadConfig(env());
    // toMatchObject: the config grows (others add settings); these are the contract's values.
    expect(config).toMatchObject<Partial<Config>>({
      slack: {
        botToken: BOT_TOKEN,
        appToken: undefined,
        signingSecret: SIGNING_SECRET,
        mode: 'http',
        port: 3000,
        healthPort: 3001,
        metricsPort: 9464,
        apiUrl: undefined,
        apiTimeoutMs: 5000,
      },
      licensingChannel: 'C0123ABCD',
      licenseAdapter: 'local',
      dataDir: './data',
      logLevel: 'info',
      zendeskBaseUrl: 'https://gitlab.zendesk.com',
      authorization: {
        mode: 'groups',
        starCheckGroups: [],
        requesterGroups: [],
        overrideGroups: [],
        cacheSeconds: 300,
      },
      licenseSigningKeyPath: undefined,
      gitlab: undefined,
      shutdownTimeoutMs: 10000,
    });
  });

  it('infers socket mode from SLACK_APP_TOKEN (no signing secret needed)', () => {
    const config = loadConfig(env({ SLACK_APP_TOKEN: APP_TOKEN, SLACK_SIGNING_SECRET: undefined }));
    expect(config.slack.mode).toBe('socket');
    expect(config.slack.appToken).toBe(APP_TOKEN);
  });

  it('SLACK_MODE=http wins over an app token (then the signing secret is required)', () => {
    expect(loadConfig(env({ SLACK_APP_TOKEN: APP_TOKEN, SLACK_MODE: 'http' })).slack.mode).toBe('http');
    expect(
      problemsFor(env({ SLACK_APP_TOKEN: APP_TOKEN, SLACK_MODE: 'http', SLACK_SIGNING_SECRET: undefined })),
    ).toEqual([expect.stringMatching(/^SLACK_SIGNING_SECRET: /)]);
  });

  it('treats empty optional variables as unset (as in .env.example)', () => {
    const config = loadConfig(
      env({
        SLACK_MODE: '',
        SLACK_API_URL: '',
        SLACK_APP_TOKEN: '',
        STAR_CHECK_USERGROUPS: '',
        LICENSE_SIGNING_KEY_PATH: '  ',
        GITLAB_URL: '',
      }),
    );
    expect(config.slack.mode).toBe('http');
    expect(config.slack.apiUrl).toBeUndefined();
    expect(config.licenseSigningKeyPath).toBeUndefined();
  });

  it('parses everything that can be set', () => {
    const config = loadConfig(
      env({
        SLACK_API_URL: 'http://127.0.0.1:9999/api/',
        PORT: '8080',
        HEALTH_PORT: '0',
        SLACK_API_TIMEOUT_MS: '1500',
        LICENSE_ADAPTER: 'gitlab-issue',
        GITLAB_URL: 'https://gitlab.example.com/',
        GITLAB_TOKEN,
        GITLAB_PROJECT_ID: '42',
        GITLAB_POLL_INTERVAL_SECONDS: '5',
        GITLAB_TIMEOUT_MINUTES: '2',
        DATA_DIR: '/var/lib/bot',
        LOG_LEVEL: 'debug',
        ZENDESK_BASE_URL: 'https://example.zendesk.com/',
        STAR_CHECK_USERGROUPS: 'S0123ABCD, S0456EFGH',
        LICENSE_REQUESTER_USERGROUPS: 'S0789',
        LICENSE_OVERRIDE_USERGROUPS: ' S0AAA ,, ',
        AUTHORIZATION_MODE: 'open',
        USERGROUP_CACHE_SECONDS: '60',
        SHUTDOWN_TIMEOUT_MS: '2000',
        LICENSE_SIGNING_KEY_PATH: '/keys/license.pem',
      }),
    );
    expect(config.slack).toMatchObject({
      apiUrl: 'http://127.0.0.1:9999/api/',
      port: 8080,
      healthPort: 0,
      apiTimeoutMs: 1500,
    });
    expect(config.gitlab).toEqual({
      url: 'https://gitlab.example.com',
      token: GITLAB_TOKEN,
      projectId: '42',
      pollIntervalMs: 5000,
      timeoutMs: 120_000,
    });
    expect(config.zendeskBaseUrl).toBe('https://example.zendesk.com');
    expect(config.authorization).toEqual({
      mode: 'open',
      starCheckGroups: ['S0123ABCD', 'S0456EFGH'],
      requesterGroups: ['S0789'],
      overrideGroups: ['S0AAA'],
      cacheSeconds: 60,
    });
    expect(config).toMatchObject({
      dataDir: '/var/lib/bot',
      logLevel: 'debug',
      licenseAdapter: 'gitlab-issue',
      shutdownTimeoutMs: 2000,
      licenseSigningKeyPath: '/keys/license.pem',
    });
  });

  it('.env.example as shipped asks for the values only the admin has, and documents the defaults', () => {
    const example = parseDotenv(readFileSync(join(__dirname, '..', '.env.example')));
    let problems: string[] = [];
    try {
      loadConfig(example);
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    // No placeholder passes for a real value: the start names exactly what must be filled in.
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'LICENSING_CHANNEL',
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
    ]);
    const config = loadConfig({
      ...example,
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      LICENSING_CHANNEL: 'C0123ABCD',
    });
    expect(config.slack.mode).toBe('socket');
    expect(config).toMatchObject({
      dataDir: './data',
      logLevel: 'info',
      licenseAdapter: 'local',
      zendeskBaseUrl: 'https://gitlab.zendesk.com',
    });
    expect(config.slack.port).toBe(3000);
    expect(config.authorization.mode).toBe('groups');
  });
});

describe('loadConfig: every problem names its variable', () => {
  it.each<[string, Record<string, string | undefined>, string, RegExp | null]>([
    ['SLACK_BOT_TOKEN missing', { SLACK_BOT_TOKEN: undefined }, 'SLACK_BOT_TOKEN', /required/],
    ['SLACK_BOT_TOKEN a user token', { SLACK_BOT_TOKEN: 'xoxp-1-2-3' }, 'SLACK_BOT_TOKEN', /xoxb-/],
    ['SLACK_BOT_TOKEN an app token', { SLACK_BOT_TOKEN: APP_TOKEN }, 'SLACK_BOT_TOKEN', /xoxb-/],
    ['SLACK_APP_TOKEN not xapp', { SLACK_APP_TOKEN: 'xoxb-in-the-wrong-slot' }, 'SLACK_APP_TOKEN', /xapp-/],
    ['socket mode without app token', { SLACK_MODE: 'socket' }, 'SLACK_APP_TOKEN', /socket/],
    ['SLACK_MODE invalid', { SLACK_MODE: 'websocket' }, 'SLACK_MODE', null],
    ['http mode without signing secret', { SLACK_SIGNING_SECRET: undefined }, 'SLACK_SIGNING_SECRET', /http/],
    ['LICENSING_CHANNEL missing', { LICENSING_CHANNEL: undefined }, 'LICENSING_CHANNEL', /required/],
    [
      'LICENSING_CHANNEL as #name',
      { LICENSING_CHANNEL: '#support_licensing-subscription' },
      'LICENSING_CHANNEL',
      /channel ID/,
    ],
    ['LICENSING_CHANNEL a user ID', { LICENSING_CHANNEL: 'U0123ABCD' }, 'LICENSING_CHANNEL', null],
    ['SLACK_API_URL without /api/', { SLACK_API_URL: 'https://slack.com/api' }, 'SLACK_API_URL', /\/api\//],
    ['SLACK_API_URL not a URL', { SLACK_API_URL: 'slack api' }, 'SLACK_API_URL', null],
    ['PORT not a number', { PORT: 'http' }, 'PORT', null],
    ['PORT out of range', { PORT: '70000' }, 'PORT', null],
    ['PORT negative', { PORT: '-1' }, 'PORT', null],
    ['PORT fractional', { PORT: '80.5' }, 'PORT', null],
    ['HEALTH_PORT not a number', { HEALTH_PORT: 'x' }, 'HEALTH_PORT', null],
    ['SLACK_API_TIMEOUT_MS zero', { SLACK_API_TIMEOUT_MS: '0' }, 'SLACK_API_TIMEOUT_MS', null],
    [
      'STAR_CHECK_USERGROUPS with a #name',
      { STAR_CHECK_USERGROUPS: 'S0123ABCD,#managers' },
      'STAR_CHECK_USERGROUPS',
      /S0123ABCD/,
    ],
    [
      'LICENSE_REQUESTER_USERGROUPS with a handle',
      { LICENSE_REQUESTER_USERGROUPS: '@support-managers' },
      'LICENSE_REQUESTER_USERGROUPS',
      null,
    ],
    [
      'LICENSE_OVERRIDE_USERGROUPS with a channel ID',
      { LICENSE_OVERRIDE_USERGROUPS: 'C0123ABCD' },
      'LICENSE_OVERRIDE_USERGROUPS',
      null,
    ],
    [
      'LICENSE_OVERRIDE_USERGROUPS lowercase',
      { LICENSE_OVERRIDE_USERGROUPS: 's0123abcd' },
      'LICENSE_OVERRIDE_USERGROUPS',
      null,
    ],
    ['AUTHORIZATION_MODE invalid', { AUTHORIZATION_MODE: 'everyone' }, 'AUTHORIZATION_MODE', null],
    ['LICENSE_ADAPTER invalid', { LICENSE_ADAPTER: 'mechanizer' }, 'LICENSE_ADAPTER', null],
    ['LOG_LEVEL invalid', { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL', null],
    ['ZENDESK_BASE_URL not a URL', { ZENDESK_BASE_URL: 'gitlab.zendesk.com' }, 'ZENDESK_BASE_URL', null],
    ['GITLAB_URL not a URL', { GITLAB_URL: 'gitlab' }, 'GITLAB_URL', null],
    [
      'GITLAB_POLL_INTERVAL_SECONDS not a number',
      { GITLAB_POLL_INTERVAL_SECONDS: 'often' },
      'GITLAB_POLL_INTERVAL_SECONDS',
      null,
    ],
    ['USERGROUP_CACHE_SECONDS negative', { USERGROUP_CACHE_SECONDS: '-5' }, 'USERGROUP_CACHE_SECONDS', null],
    ['SHUTDOWN_TIMEOUT_MS not a number', { SHUTDOWN_TIMEOUT_MS: 'soon' }, 'SHUTDOWN_TIMEOUT_MS', null],
  ])('%s', (_, overrides, variable, message) => {
    const problems = problemsFor(env(overrides));
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem.startsWith(`${variable}: `)).toBe(true);
    if (message) expect(problems.join('\n')).toMatch(message);
  });

  it('the gitlab-issue adapter without GITLAB_* names each missing variable', () => {
    expect(problemsFor(env({ LICENSE_ADAPTER: 'gitlab-issue' }))).toEqual([
      'GITLAB_URL: required when LICENSE_ADAPTER=gitlab-issue',
      'GITLAB_TOKEN: required when LICENSE_ADAPTER=gitlab-issue',
      'GITLAB_PROJECT_ID: required when LICENSE_ADAPTER=gitlab-issue',
    ]);
    expect(
      problemsFor(
        env({ LICENSE_ADAPTER: 'gitlab-issue', GITLAB_URL: 'https://gitlab.example.com', GITLAB_PROJECT_ID: '1' }),
      ),
    ).toEqual(['GITLAB_TOKEN: required when LICENSE_ADAPTER=gitlab-issue']);
  });

  it('the gitlab-issue adapter always comes with its GitLab settings (the type has no other case)', () => {
    const config = loadConfig(
      env({
        LICENSE_ADAPTER: 'gitlab-issue',
        GITLAB_URL: 'https://gitlab.example.com/',
        GITLAB_TOKEN,
        GITLAB_PROJECT_ID: '7',
      }),
    );
    if (config.licenseAdapter !== 'gitlab-issue') throw new Error('expected the gitlab-issue adapter');
    // Narrowed by the adapter alone, no `config.gitlab &&` check:
    // composition/license-adapter.ts cannot fall back to local.
    expect(config.gitlab.url).toBe('https://gitlab.example.com');
    expect(config.gitlab).toMatchObject({ projectId: '7', pollIntervalMs: 30_000, timeoutMs: 30 * 60_000 });
    // @ts-expect-error a gitlab-issue configuration without GitLab settings is not a Config
    const incomplete: Config = { ...config, gitlab: undefined };
    expect(incomplete.licenseAdapter).toBe('gitlab-issue');
  });

  it('reports several independent problems of the same pass together', () => {
    const problems = problemsFor(
      env({ SLACK_BOT_TOKEN: 'nope', LICENSING_CHANNEL: '#x', PORT: 'x', AUTHORIZATION_MODE: 'all' }),
    );
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'AUTHORIZATION_MODE',
      'LICENSING_CHANNEL',
      'PORT',
      'SLACK_BOT_TOKEN',
    ]);
  });

  it('the message is one line per problem, prefixed for the operator', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig(env({ SLACK_BOT_TOKEN: undefined, LICENSING_CHANNEL: undefined }));
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error?.message).toBe(`Invalid configuration: ${error?.problems.join('; ')}`);
    expect(error?.problems).toHaveLength(2);
  });
});

describe('loadConfig: bugs and gaps', () => {
  // .env.example ships `VAR=` lines; empty means "unset" for every optional string variable.
  // An empty PORT / HEALTH_PORT must not silently become port 0 (a random port).
  it.each(['PORT', 'HEALTH_PORT'])('an empty %s is the default or a ConfigError, never port 0', (variable) => {
    let config: Config | undefined;
    try {
      config = loadConfig(env({ [variable]: '' }));
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.join('\n')).toMatch(new RegExp(`^${variable}: `, 'm'));
      return;
    }
    expect(variable === 'PORT' ? config.slack.port : config.slack.healthPort).toBe(variable === 'PORT' ? 3000 : 3001);
  });

  // The schema's own message says "must be the https URL of the Zendesk instance".
  it.each(['ftp://gitlab.zendesk.com', 'mailto:support@gitlab.com', 'file:///etc/passwd'])(
    'ZENDESK_BASE_URL=%s (not a web URL) is refused',
    (url) => {
      expect(problemsFor(env({ ZENDESK_BASE_URL: url }))).toEqual([expect.stringMatching(/^ZENDESK_BASE_URL: /)]);
    },
  );

  // "Every problem is reported as one line": a missing bot token must not hide a missing
  // signing secret or a bad SLACK_API_URL until the next start.
  it('reports cross-variable problems together with field problems', () => {
    const problems = problemsFor(
      env({ SLACK_BOT_TOKEN: undefined, SLACK_SIGNING_SECRET: undefined, SLACK_API_URL: 'https://slack.com/api' }),
    );
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'SLACK_API_URL',
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
    ]);
  });
});

describe('loadConfig never echoes secrets', () => {
  const secrets = [BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, GITLAB_TOKEN];

  function expectNoSecret(error: unknown): void {
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    const everything = [
      e.message,
      e.stack ?? '',
      String(e),
      JSON.stringify(e),
      JSON.stringify(e.problems),
      ...e.problems,
    ].join('\n');
    for (const secret of secrets) expect(everything).not.toContain(secret);
    // Not even a recognisable part of one.
    expect(everything).not.toMatch(/SuperSecret/);
  }

  it.each([
    ['a bot token in the app token slot', { SLACK_APP_TOKEN: BOT_TOKEN }],
    ['an app token in the bot token slot', { SLACK_BOT_TOKEN: APP_TOKEN, SLACK_APP_TOKEN: APP_TOKEN }],
    ['a token pasted as the channel', { LICENSING_CHANNEL: BOT_TOKEN }],
    [
      'a token pasted as the mode',
      {
        SLACK_MODE: BOT_TOKEN,
        AUTHORIZATION_MODE: APP_TOKEN,
        LOG_LEVEL: GITLAB_TOKEN,
        LICENSE_ADAPTER: SIGNING_SECRET,
      },
    ],
    ['a token pasted as URLs', { SLACK_API_URL: BOT_TOKEN, ZENDESK_BASE_URL: APP_TOKEN, GITLAB_URL: GITLAB_TOKEN }],
    [
      'a token pasted as numbers and groups',
      { PORT: BOT_TOKEN, SHUTDOWN_TIMEOUT_MS: GITLAB_TOKEN, STAR_CHECK_USERGROUPS: `S0123,${APP_TOKEN}` },
    ],
    [
      'gitlab adapter with a token but no URL',
      {
        LICENSE_ADAPTER: 'gitlab-issue',
        GITLAB_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_BOT_TOKEN: 'xoxp-SuperSecretUser',
      },
    ],
  ])('%s', (_, overrides) => {
    let caught: unknown;
    try {
      loadConfig(env({ ...overrides }));
    } catch (error) {
      caught = error;
    }
    expectNoSecret(caught);
  });
});

// ---------------------------------------------------------------------------------------------
// Logger

describe('scrubSecrets', () => {
  it.each([
    [`token ${BOT_TOKEN} leaked`, 'token xoxb-[REDACTED] leaked'],
    [`Bearer ${APP_TOKEN}`, 'Bearer xapp-[REDACTED]'],
    [`PRIVATE-TOKEN: ${GITLAB_TOKEN}`, 'PRIVATE-TOKEN: glpat[REDACTED]'],
    ['xoxp-123-456-789abc and xoxa-2-x and xoxr-9', 'xoxp-[REDACTED] and xoxa-[REDACTED] and xoxr-[REDACTED]'],
    [`url?token=${BOT_TOKEN}&x=1`, 'url?token=xoxb-[REDACTED]&x=1'],
    [`{"token":"${BOT_TOKEN}"}`, '{"token":"xoxb-[REDACTED]"}'],
    ['nothing secret here: xoxb is a word, glpat too', 'nothing secret here: xoxb is a word, glpat too'],
  ])('scrubSecrets(%j)', (input, expected) => {
    expect(scrubSecrets(input)).toBe(expected);
  });

  it('scrubs every occurrence', () => {
    const out = scrubSecrets(`${BOT_TOKEN} ${BOT_TOKEN} ${GITLAB_TOKEN}`);
    expect(out).not.toMatch(/SuperSecret/);
  });
});

describe('createLogger', () => {
  const logged = (): string => mockLines.join('');
  beforeEach(() => {
    mockLines.length = 0;
  });

  it('writes JSON lines with the level label', () => {
    createLogger('info').info({ a: 1 }, 'hello');
    const line = JSON.parse(mockLines[0]) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', a: 1, msg: 'hello' });
  });

  it('honours the level', () => {
    const logger = createLogger('warn');
    logger.info('not shown');
    logger.warn('shown');
    expect(logged()).not.toContain('not shown');
    expect(logged()).toContain('shown');
  });

  it('scrubs xoxb-/xapp-/glpat- tokens in messages and format arguments', () => {
    const logger = createLogger('info');
    logger.info(`Slack said no to ${BOT_TOKEN}`);
    logger.warn({ key: 'x' }, `app token ${APP_TOKEN}`);
    logger.error('GitLab %s refused %s', GITLAB_TOKEN, BOT_TOKEN);
    expect(mockLines).toHaveLength(3);
    expect(logged()).not.toMatch(/SuperSecret/);
    expect(logged()).toContain('xoxb-[REDACTED]');
    expect(logged()).toContain('xapp-[REDACTED]');
    expect(logged()).toContain('glpat[REDACTED]');
  });

  it('redacts token-named fields, at the top level and one level down', () => {
    const logger = createLogger('info');
    logger.info(
      {
        token: BOT_TOKEN,
        botToken: BOT_TOKEN,
        appToken: APP_TOKEN,
        signingSecret: SIGNING_SECRET,
        licenseFile: 'LICENSE-CONTENT',
      },
      'top',
    );
    logger.info(
      {
        gitlab: { token: GITLAB_TOKEN },
        slack: { botToken: BOT_TOKEN, appToken: APP_TOKEN, signingSecret: SIGNING_SECRET },
        record: { licenseFile: 'LICENSE-CONTENT' },
      },
      'nested',
    );
    logger.info({ headers: { authorization: `Bearer ${BOT_TOKEN}`, 'private-token': GITLAB_TOKEN } }, 'headers');
    logger.info(
      { request: { headers: { authorization: `Bearer ${BOT_TOKEN}`, 'private-token': GITLAB_TOKEN } } },
      'nested headers',
    );
    expect(mockLines).toHaveLength(4);
    expect(logged()).not.toMatch(/SuperSecret|8f742231b10e|LICENSE-CONTENT/);
    const top = JSON.parse(mockLines[0]) as Record<string, unknown>;
    expect(top).toMatchObject({
      token: '[REDACTED]',
      botToken: '[REDACTED]',
      appToken: '[REDACTED]',
      signingSecret: '[REDACTED]',
      licenseFile: '[REDACTED]',
    });
  });

  it('child loggers redact and scrub too', () => {
    const child = createLogger('info').child({ component: 'outbox' });
    child.warn({ token: GITLAB_TOKEN }, `failed with ${BOT_TOKEN}`);
    expect(logged()).not.toMatch(/SuperSecret/);
  });

  // The code base logs errors as `{ error: (error as Error).message }` (outbox dispatcher,
  // authorization, workflow, user time zones...). Only string arguments go through scrubSecrets,
  // so a token echoed in an error message reaches the log through that field.
  it('scrubs a token echoed in an error message logged as a field', () => {
    const logger = createLogger('info');
    logger.warn(
      { key: 'license:1', error: `An API error occurred: invalid_auth (token ${BOT_TOKEN})` },
      'audit message not delivered yet; will retry',
    );
    expect(logged()).not.toMatch(/SuperSecret/);
  });
});

describe('empty variables mean "not set"', () => {
  it('an empty DATA_DIR takes the default folder', () => {
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      LICENSING_CHANNEL: 'C0123ABCD',
      DATA_DIR: '',
    });
    expect(config.dataDir).toBe('./data');
  });
});

// ---------------------------------------------------------------------------------------------
// HA (issue 11): the shared PostgreSQL store and request leases

describe('loadConfig: database selection', () => {
  const DB_PASSWORD = 'SuperSecretDbPassword';

  it('without DATABASE_URL the embedded SQLite store is used, with the documented pool and lease defaults', () => {
    const config = loadConfig(env());
    expect(config.database).toEqual({ url: undefined, poolMax: 10, connectTimeoutMs: 2000, statementTimeoutMs: 5000 });
    expect(config.replica).toEqual({ id: undefined, requestLeaseMs: 30000 });
  });

  it('DATABASE_URL selects PostgreSQL; pool, timeouts, lease and replica name can be set', () => {
    const url = `postgresql://bot:${DB_PASSWORD}@db.internal:5432/lr?sslmode=verify-full`;
    const config = loadConfig(
      env({
        DATABASE_URL: url,
        DATABASE_POOL_MAX: '4',
        DATABASE_CONNECT_TIMEOUT_MS: '1500',
        DATABASE_STATEMENT_TIMEOUT_MS: '3000',
        REQUEST_LEASE_MS: '20000',
        REPLICA_ID: 'bot-0',
      }),
    );
    expect(config.database).toEqual({ url, poolMax: 4, connectTimeoutMs: 1500, statementTimeoutMs: 3000 });
    expect(config.replica).toEqual({ id: 'bot-0', requestLeaseMs: 20000 });
  });

  it.each([
    ['a MySQL URL', { DATABASE_URL: `mysql://bot:${DB_PASSWORD}@db/lr` }, 'DATABASE_URL'],
    ['a pool of 0', { DATABASE_POOL_MAX: '0' }, 'DATABASE_POOL_MAX'],
    ['a lease below a second', { REQUEST_LEASE_MS: '500' }, 'REQUEST_LEASE_MS'],
    ['a replica name with spaces', { REPLICA_ID: 'bot 1' }, 'REPLICA_ID'],
    // Issue 18: the lease fences license DMs, so it must outlast the longest Slack call (the client timeout).
    ['a lease shorter than the Slack call it fences', { REQUEST_LEASE_MS: '5500' }, 'REQUEST_LEASE_MS'],
    // The private port (details, /metrics) must not be the public one.
    ['METRICS_PORT on the public PORT', { PORT: '8080', METRICS_PORT: '8080' }, 'METRICS_PORT'],
    [
      'a lease no longer than a raised Slack timeout',
      { REQUEST_LEASE_MS: '20000', SLACK_API_TIMEOUT_MS: '20000' },
      'REQUEST_LEASE_MS',
    ],
  ])('refuses %s, naming the variable and never the password', (_, overrides, variable) => {
    let caught: unknown;
    try {
      loadConfig(env(overrides));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems.map((p) => p.split(':')[0])).toEqual([variable]);
    expect(JSON.stringify((caught as ConfigError).problems)).not.toContain(DB_PASSWORD);
  });

  it('a lease of at least SLACK_API_TIMEOUT_MS + 1 s is taken, and the refusal says why', () => {
    expect(loadConfig(env({ REQUEST_LEASE_MS: '2000', SLACK_API_TIMEOUT_MS: '1000' })).replica.requestLeaseMs).toBe(
      2000,
    );
    expect(() => loadConfig(env({ REQUEST_LEASE_MS: '1999', SLACK_API_TIMEOUT_MS: '1000' }))).toThrow(
      /REQUEST_LEASE_MS: must be at least SLACK_API_TIMEOUT_MS \+ 1000 \(2000 ms\)/,
    );
  });

  it('the password of a database URL never reaches the log', () => {
    expect(scrubSecrets(`connect failed: postgres://bot:${DB_PASSWORD}@db:5432/lr`)).toBe(
      'connect failed: postgres://bot:[REDACTED]@db:5432/lr',
    );
  });
});

describe('loadConfig: problems in plain words', () => {
  it.each([
    [{ PORT: 'abc' }, "PORT: must be a port number (0-65535), got 'abc'"],
    [{ HEALTH_PORT: '70000' }, "HEALTH_PORT: must be a port number (0-65535), got '70000'"],
    [{ PORT: '80.5' }, "PORT: must be a port number (0-65535), got '80.5'"],
    [{ SHUTDOWN_TIMEOUT_MS: 'ten' }, "SHUTDOWN_TIMEOUT_MS: must be a whole number above 0, got 'ten'"],
    [{ DATABASE_POOL_MAX: '0' }, "DATABASE_POOL_MAX: must be a whole number above 0, got '0'"],
    [{ REQUEST_LEASE_MS: '500' }, "REQUEST_LEASE_MS: must be a whole number of ms, at least 1000, got '500'"],
    [{ LICENSE_REMINDER_HOURS: 'soon' }, "LICENSE_REMINDER_HOURS: must be a positive number of hours, got 'soon'"],
  ])('%j reads "%s" (no zod wording such as "expected number, received NaN")', (overrides, expected) => {
    expect(problemsFor(env(overrides))).toEqual([expected]);
  });

  it('does not repeat a long value given for a number: it may be a pasted secret', () => {
    const [problem] = problemsFor(env({ PORT: BOT_TOKEN }));
    expect(problem).toBe(
      'PORT: must be a port number (0-65535), ' +
        `got a ${BOT_TOKEN.length}-character value (not shown: it may be a secret)`,
    );
  });

  it('explains a LICENSING_CHANNEL that .env hid as a comment, and asks for the channel ID', () => {
    const dotenvText = '# audit channel\nLICENSING_CHANNEL=#support_licensing-subscription\n';
    // What dotenv makes of that line: an empty value, which loadConfig treats as unset.
    expect(parseDotenv(dotenvText)).toEqual({ LICENSING_CHANNEL: '' });
    let caught: ConfigError | undefined;
    try {
      loadConfig(env({ LICENSING_CHANNEL: '' }), { dotenvText });
    } catch (error) {
      caught = error as ConfigError;
    }
    expect(caught?.problems).toEqual([
      'LICENSING_CHANNEL: empty, because `#` starts a comment in .env (its line reads ' +
        'LICENSING_CHANNEL=#support_licensing-subscription): put the channel ID (C…) there instead of the #name: ' +
        'open the channel, click its name; the ID is at the bottom of About',
    ]);
  });

  it('says "required" as before when the .env line is simply empty, or there is no .env', () => {
    expect(() => loadConfig(env({ LICENSING_CHANNEL: '' }), { dotenvText: 'LICENSING_CHANNEL=\n' })).toThrow(
      /LICENSING_CHANNEL: required/,
    );
    expect(() => loadConfig(env({ LICENSING_CHANNEL: undefined }))).toThrow(/LICENSING_CHANNEL: required/);
  });

  it('names a commented-out secret without repeating it', () => {
    const dotenvText = 'SLACK_SIGNING_SECRET=#8f742231b10e8888\n';
    let caught: ConfigError | undefined;
    try {
      loadConfig(env({ SLACK_SIGNING_SECRET: undefined }), { dotenvText });
    } catch (error) {
      caught = error as ConfigError;
    }
    expect(caught?.problems).toEqual([
      "SLACK_SIGNING_SECRET: empty, because `#` starts a comment in .env (its line's value starts with #): " +
        'quote the value ("…") or write it without the #',
    ]);
    expect(caught?.message).not.toContain('8f742231');
  });
});
