import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../src/config';

/**
 * No Docker engine runs where the tests run, so the compose files are checked as data:
 * docker-compose.yml runs PostgreSQL 15 with a health check and ONE bot service definition with
 * several replicas in Socket Mode on that database, all signing with one mounted key, publishing
 * on loopback only; docker-compose.http.yml turns the same replicas to HTTP mode behind a load
 * balancer. The replicas' health check is the image's own (tests/dockerfile.test.ts runs it per mode).
 */

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  deploy?: { replicas?: number };
  environment?: Record<string, string> | string[];
  env_file?: string | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string | string[]; interval?: string; timeout?: string; retries?: number };
  ports?: string[];
  volumes?: string[];
  secrets?: (string | { source: string; target?: string })[];
  configs?: { source: string; target: string }[];
  stop_grace_period?: string;
}

interface Compose {
  services: Record<string, Service>;
  secrets?: Record<string, { file?: string; environment?: string }>;
  configs?: Record<string, { content?: string; file?: string }>;
}

const root = join(__dirname, '..');
const read = (file: string) => parse(readFileSync(join(root, file), 'utf8')) as Compose;
const base = read('docker-compose.yml');
const httpOverride = read('docker-compose.http.yml');

/** What `docker compose -f a -f b` does with the keys used here: maps merge, `environment` by key. */
function merge(a: Compose, b: Compose): Compose {
  const services: Record<string, Service> = { ...a.services };
  for (const [name, service] of Object.entries(b.services)) {
    const before = services[name] ?? {};
    services[name] = {
      ...before,
      ...service,
      environment: { ...env(before), ...env(service) },
      ports: [...(before.ports ?? []), ...(service.ports ?? [])],
    };
  }
  return {
    services,
    secrets: { ...a.secrets, ...b.secrets },
    configs: { ...a.configs, ...b.configs },
  };
}

const env = (s: Service): Record<string, string> =>
  Array.isArray(s.environment)
    ? Object.fromEntries(s.environment.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]))
    : (s.environment ?? {});
const testCommand = (s: Service): string => [s.healthcheck?.test ?? []].flat().join(' ');
const bots = (c: Compose) => Object.entries(c.services).filter(([, s]) => s.build !== undefined);

/** The bot's configuration for a service's environment (plus the secrets .env would hold). */
function configOf(service: Service) {
  return loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-1',
    SLACK_APP_TOKEN: 'xapp-1',
    SLACK_SIGNING_SECRET: 's',
    LICENSING_CHANNEL: 'C0123ABCD',
    ...Object.fromEntries(Object.entries(env(service)).map(([k, v]) => [k, v.replace(/\$\{[^}]*\}/g, 'secret')])),
  });
}

const [dbName, db] = Object.entries(base.services).find(([, s]) => /^postgres:15(\.|-|$)/.test(s.image ?? '')) ?? [];

describe('docker-compose.yml', () => {
  it('runs PostgreSQL 15 with a readiness health check and a persistent volume', () => {
    expect(db).toBeDefined();
    expect(testCommand(db!)).toMatch(/pg_isready/);
    expect(db!.healthcheck?.retries).toBeGreaterThan(0);
    expect(db!.volumes?.some((v) => v.endsWith(':/var/lib/postgresql/data'))).toBe(true);
    // The password comes from the environment, never from the file.
    expect(env(db!).POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD(:\?[^}]*)?\}$/);
  });

  it('defines the bot once, built from the Dockerfile, with several replicas on that database', () => {
    expect(bots(base)).toHaveLength(1);
    const [, bot] = bots(base)[0];
    const build = typeof bot.build === 'string' ? { context: bot.build } : bot.build!;
    expect({ context: build.context, dockerfile: build.dockerfile ?? 'Dockerfile' }).toEqual({
      context: '.',
      dockerfile: 'Dockerfile',
    });
    expect(bot.deploy?.replicas).toBeGreaterThanOrEqual(2);
    const e = env(bot);
    const url = new URL(e.DATABASE_URL.replace(/\$\{[^}]*\}/g, 'secret'));
    expect({ protocol: url.protocol, host: url.hostname }).toEqual({ protocol: 'postgres:', host: dbName });
    expect(e.DATABASE_URL).not.toMatch(/:[^:@/${}]+@/); // no literal password
    expect((bot.depends_on as Record<string, { condition?: string }>)[dbName!]?.condition).toBe('service_healthy');
    expect(configOf(bot).database.url).toMatch(/^postgres:\/\//);
  });

  it('runs in Socket Mode by default (no inbound traffic, so several replicas need no load balancer)', () => {
    const [, bot] = bots(base)[0];
    expect(configOf(bot).slack.mode).toBe('socket');
    // Nothing publishes the HTTP port: Slack reaches no replica, each replica dials out.
    expect((bot.ports ?? []).filter((p) => p.endsWith(`:${configOf(bot).slack.port}`))).toEqual([]);
  });

  it('mounts one signing key, the same for every replica, and points the bot at it', () => {
    expect(Object.keys(base.secrets ?? {})).toHaveLength(1);
    const [name, secret] = Object.entries(base.secrets!)[0];
    expect(secret.file).toMatch(/\.pem$/);
    const [, bot] = bots(base)[0];
    const mounts = (bot.secrets ?? []).map((s) => (typeof s === 'string' ? { source: s } : s));
    expect(mounts).toEqual([{ source: name }]);
    // A secret without `target` is mounted at /run/secrets/<name>.
    expect(configOf(bot).licenseSigningKeyPath).toBe(`/run/secrets/${name}`);
    // The key must not be in the image's data folder, where each replica would make its own.
    expect(bot.volumes ?? []).toEqual([]);
  });

  it('publishes ports on loopback only', () => {
    for (const compose of [base, httpOverride]) {
      for (const [name, service] of Object.entries(compose.services)) {
        for (const port of service.ports ?? [])
          expect({ name, port }).toEqual({ name, port: expect.stringMatching(/^127\.0\.0\.1:/) });
      }
    }
    // The metrics range has a host port for every replica, and room to scale.
    const [, bot] = bots(base)[0];
    const metrics = (bot.ports ?? []).find((p) => p.endsWith(`:${env(bot).METRICS_PORT}`));
    const [from, to] =
      /^127\.0\.0\.1:(\d+)-(\d+):/
        .exec(metrics ?? '')
        ?.slice(1)
        .map(Number) ?? [];
    expect(to - from + 1).toBeGreaterThanOrEqual(2 * bot.deploy!.replicas!);
  });

  it("leaves the replicas' health check to the image (which probes the port of the running mode)", () => {
    for (const [, bot] of bots(merge(base, httpOverride))) expect(bot.healthcheck).toBeUndefined();
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
  });

  it('gives replicas longer to stop than the bot takes to shut down', () => {
    const [, bot] = bots(base)[0];
    const grace = Number(/^(\d+)s$/.exec(bot.stop_grace_period ?? '')?.[1]);
    // main.ts exits at the latest SHUTDOWN_TIMEOUT_MS + 2 s after SIGTERM.
    expect(grace * 1000).toBeGreaterThanOrEqual(configOf(bot).shutdownTimeoutMs + 2000);
  });
});

describe('docker-compose.http.yml (HTTP mode variant)', () => {
  const merged = merge(base, httpOverride);

  it('turns the same single bot definition to HTTP mode', () => {
    expect(bots(merged)).toHaveLength(1);
    const [, bot] = bots(merged)[0];
    expect(configOf(bot).slack.mode).toBe('http');
    expect(bot.deploy?.replicas).toBeGreaterThanOrEqual(2);
  });

  it('puts a load balancer over every replica, on loopback', () => {
    const [botName, bot] = bots(merged)[0];
    const port = configOf(bot).slack.port;
    const balancers = Object.entries(merged.services).filter(([, s]) => s.configs?.length);
    expect(balancers).toHaveLength(1);
    const [, lb] = balancers[0];
    const conf = merged.configs?.[lb.configs![0].source]?.content ?? '';
    expect(conf).toContain(`server ${botName}:${port} resolve;`);
    expect(conf).toMatch(/proxy_pass http:\/\/bots;/);
    expect(lb.ports).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+:8080$/)]);
    expect(conf).toMatch(/listen 8080;/);
  });
});
