import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * No Docker engine runs where the tests run, so docker-compose.yml is checked as data: PostgreSQL
 * 15 with a health check, two HTTP replicas built from the Dockerfile on that database, started
 * only once it is healthy, each with a /healthz health check.
 */

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string | string[]; interval?: string; timeout?: string; retries?: number };
  ports?: string[];
  volumes?: string[];
}

const compose = parse(readFileSync(join(__dirname, '..', 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};
const services = compose.services;
const env = (s: Service): Record<string, string> =>
  Array.isArray(s.environment)
    ? Object.fromEntries(s.environment.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]))
    : (s.environment ?? {});
const testCommand = (s: Service): string => [s.healthcheck?.test ?? []].flat().join(' ');

const [dbName, db] = Object.entries(services).find(([, s]) => /^postgres:15(\.|-|$)/.test(s.image ?? '')) ?? [];
const bots = Object.entries(services).filter(([, s]) => s.build !== undefined);

describe('docker-compose.yml', () => {
  it('runs PostgreSQL 15 with a readiness health check and a persistent volume', () => {
    expect(db).toBeDefined();
    expect(testCommand(db!)).toMatch(/pg_isready/);
    expect(db!.healthcheck?.retries).toBeGreaterThan(0);
    expect(db!.volumes?.some((v) => v.endsWith(':/var/lib/postgresql/data'))).toBe(true);
    // The password comes from the environment, never from the file.
    expect(env(db!).POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD(:\?[^}]*)?\}$/);
  });

  it('runs two bot replicas built from the Dockerfile, in HTTP mode, on that database', () => {
    expect(bots).toHaveLength(2);
    for (const [name, bot] of bots) {
      const build = typeof bot.build === 'string' ? { context: bot.build } : bot.build!;
      expect({ name, context: build.context, dockerfile: build.dockerfile ?? 'Dockerfile' }).toEqual({
        name,
        context: '.',
        dockerfile: 'Dockerfile',
      });
      const e = env(bot);
      expect({ name, mode: e.SLACK_MODE }).toEqual({ name, mode: 'http' });
      const url = new URL(e.DATABASE_URL.replace(/\$\{[^}]*\}/g, 'secret'));
      expect({ name, protocol: url.protocol, host: url.hostname }).toEqual({
        name,
        protocol: 'postgres:',
        host: dbName,
      });
      expect(e.DATABASE_URL).not.toMatch(/:[^:@/${}]+@/); // no literal password
    }
    // Same database for both, different host ports.
    expect(new Set(bots.map(([, b]) => env(b).DATABASE_URL)).size).toBe(1);
    expect(new Set(bots.flatMap(([, b]) => b.ports ?? []).map((p) => p.split(':')[0])).size).toBe(2);
  });

  it('starts each replica only once PostgreSQL is healthy', () => {
    for (const [name, bot] of bots) {
      const dependsOn = bot.depends_on as Record<string, { condition?: string }>;
      expect({ name, condition: dependsOn?.[dbName!]?.condition }).toEqual({ name, condition: 'service_healthy' });
    }
  });

  it('checks each replica on /healthz of its own port', () => {
    for (const [name, bot] of bots) {
      const port = env(bot).PORT ?? '3000';
      expect({ name, test: testCommand(bot) }).toEqual({
        name,
        test: expect.stringContaining(`127.0.0.1:${port}/healthz`),
      });
      expect(testCommand(bot)).toMatch(/statusCode===200/);
      expect(bot.healthcheck?.retries).toBeGreaterThan(0);
    }
  });
});
