import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type OpsHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * The private port (METRICS_PORT): /metrics and the detailed health report, for the cluster's
 * eyes only (Prometheus, an operator's port-forward). Served in both Slack modes, apart from the
 * public port, so that nothing an unauthenticated caller of the public port can reach names file
 * paths, the signing key's kind or the database. GET and HEAD only; anything else is 405, an
 * unknown path 404.
 */
export async function startMetricsServer(
  port: number,
  routes: Record<string, OpsHandler>,
  onError: (error: Error) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const handler = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!handler) {
      res.writeHead(404, { 'Cache-Control': 'no-store' }).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Cache-Control': 'no-store' }).end();
      return;
    }
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      onError(error as Error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
