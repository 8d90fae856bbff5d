import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HealthProbe {
  slackAuthVerified(): boolean;
  /** Async for a networked database (PostgreSQL); the embedded store answers at once. */
  storeWritable(): boolean | Promise<boolean>;
  outboxBacklog(): Promise<number>;
  shuttingDown(): boolean;
  /** Which store this is (`sqlite` / `postgres` and where, without a password). */
  database?(): { backend: 'sqlite' | 'postgres'; location: string };
  /** Extra facts an operator needs (e.g. which signing key is in use, the last audit delivery error). */
  details?(): Record<string, unknown>;
}

/**
 * How long the probe waits for the database: a load balancer or kubelet asks with a timeout of
 * its own (the Dockerfile's: 4 s), and a hung database must read as "not ready", not as no answer.
 */
export const DATABASE_PROBE_TIMEOUT_MS = 1500;

function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise.catch(() => fallback), timeout]).finally(() => clearTimeout(timer));
}

async function readiness(probe: HealthProbe) {
  const slackAuth = probe.slackAuthVerified();
  const started = performance.now();
  const storeWritable = await within(Promise.resolve(probe.storeWritable()), DATABASE_PROBE_TIMEOUT_MS, false);
  const databaseMs = Math.round(performance.now() - started);
  const backlog = storeWritable ? await within(probe.outboxBacklog(), DATABASE_PROBE_TIMEOUT_MS, -1) : -1;
  const ready = slackAuth && storeWritable && backlog >= 0 && !probe.shuttingDown();
  return { slackAuth, storeWritable, databaseMs, backlog, ready };
}

/**
 * Public /healthz and /readyz (readiness) on the Slack port or HEALTH_PORT: 200 when ready to
 * take work, 503 otherwise, and nothing else. An unauthenticated caller learns no facts (no
 * paths, no key kind, no database): those are on METRICS_PORT ({@link healthHandler}). HEAD is
 * answered like GET (Node sends no body for HEAD).
 */
export function publicHealthHandler(probe: HealthProbe) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { ready } = await readiness(probe);
    res.writeHead(ready ? 200 : 503, { 'Cache-Control': 'no-store', 'Content-Length': '0' });
    res.end();
  };
}

/** Public /livez: 200 while the process answers at all, with no body (see {@link livenessHandler}). */
export function publicLivenessHandler() {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'Cache-Control': 'no-store', 'Content-Length': '0' });
    res.end();
  };
}

/**
 * The detailed /healthz and /readyz on METRICS_PORT (the cluster's eyes only): 200 when ready to
 * take work, 503 otherwise (Slack auth not verified, the database not writable or not answering
 * within {@link DATABASE_PROBE_TIMEOUT_MS}, shutting down), with the facts either way.
 */
export function healthHandler(probe: HealthProbe) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { slackAuth, storeWritable, databaseMs, backlog, ready } = await readiness(probe);
    const database = probe.database
      ? { database: { ...probe.database(), reachable: storeWritable, probeMs: databaseMs } }
      : {};
    res.writeHead(ready ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(
      JSON.stringify({
        status: ready ? 'ok' : 'unavailable',
        slackAuth,
        storeWritable,
        outboxBacklog: backlog,
        shuttingDown: probe.shuttingDown(),
        ...database,
        ...probe.details?.(),
      }),
    );
  };
}

/**
 * GET /livez (liveness): 200 while the process answers at all. It deliberately ignores the
 * database: restarting every replica because PostgreSQL is down would not bring it back.
 */
export function livenessHandler() {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify({ status: 'alive' }));
  };
}
