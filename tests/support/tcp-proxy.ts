import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy to put between one bot replica and its PostgreSQL, to cut the link the way
 * a network partition does: `cut()` drops every open connection and leaves new ones hanging (no
 * answer, like packets lost), until `restore()`.
 */
export class TcpProxy {
  private server?: Server;
  private readonly pairs = new Set<[Socket, Socket | undefined]>();
  private cutNow = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const pair: [Socket, Socket | undefined] = [client, undefined];
      this.pairs.add(pair);
      client.on('error', () => undefined);
      client.on('close', () => {
        pair[1]?.destroy();
        this.pairs.delete(pair);
      });
      // Cut: the connection is accepted but nothing answers (a blackhole), until restore drops it.
      if (this.cutNow) return;
      const upstream = connect(this.targetPort, this.targetHost);
      pair[1] = upstream;
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Drops every connection; new ones hang unanswered. */
  cut(): void {
    this.cutNow = true;
    for (const [client, upstream] of this.pairs) {
      upstream?.destroy();
      client.destroy();
    }
  }

  /** Connects again; the connections that hung during the cut are dropped (their client reconnects). */
  restore(): void {
    this.cutNow = false;
    for (const [client, upstream] of this.pairs) if (!upstream) client.destroy();
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
