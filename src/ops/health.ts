import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HealthProbe {
  slackAuthVerified(): boolean;
  /** Async for a networked database (PostgreSQL); the embedded store answers at once. */
  storeWritable(): boolean | Promise<boolean>;
  outboxBacklog(): Promise<number>;
  shuttingDown(): boolean;
  /** Extra facts an operator needs (e.g. which signing key is in use, the last audit delivery error). */
  details?(): Record<string, unknown>;
}

/** GET /healthz: 200 when ready to take work, 503 otherwise, with the facts either way. */
export function healthHandler(probe: HealthProbe) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const slackAuth = probe.slackAuthVerified();
    const storeWritable = await Promise.resolve(probe.storeWritable()).catch(() => false);
    const backlog = await probe.outboxBacklog().catch(() => -1);
    const ready = slackAuth && storeWritable && backlog >= 0 && !probe.shuttingDown();
    res.writeHead(ready ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(
      JSON.stringify({ status: ready ? 'ok' : 'unavailable', slackAuth, storeWritable, outboxBacklog: backlog, shuttingDown: probe.shuttingDown(), ...probe.details?.() }),
    );
  };
}
