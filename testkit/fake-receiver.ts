/**
 * A Bolt receiver for in-process tests, in the style of bolt-js's own test helpers (FakeReceiver):
 * the test hands a body straight to `app.processEvent({ body, ack })`, skipping HTTP and signing.
 *
 * The answer is shaped like the one Bolt's HTTPReceiver would send (HTTPModuleFunctions): status 200
 * with an empty body for a bare ack, the string as is, an object as JSON; 500 when the app threw
 * before acking; 404 when nothing acked within `unhandledRequestTimeoutMs` (Bolt's 3 s). So the
 * e2e assertions on `res.status` / `res.body` / `res.json()` read the same in both transports.
 * Signatures, body parsing, malformed bodies and the guard around them are what the HTTP tests cover.
 */
import type { App, Receiver } from '@slack/bolt';
import type { SlackHttpResponse } from './signed-request';

export interface FakeReceiverOptions {
  /** Like Bolt's `unhandledRequestTimeoutMillis` (default 3001 ms). */
  unhandledRequestTimeoutMs?: number;
}

export interface DeliveryOptions {
  /** `X-Slack-Retry-Num` / `X-Slack-Retry-Reason` of an HTTP redelivery. */
  retryNum?: number;
  retryReason?: string;
}

function response(status: number, body: string): SlackHttpResponse {
  return {
    status,
    headers: body.startsWith('{') ? { 'content-type': 'application/json' } : {},
    body,
    elapsedMs: 0,
    json() {
      try {
        return JSON.parse(body);
      } catch {
        throw new Error(`response body is not JSON (HTTP ${status}): ${JSON.stringify(body.slice(0, 500))}`);
      }
    },
  };
}

export class FakeReceiver implements Receiver {
  private app: App | undefined;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly options: FakeReceiverOptions = {}) {}

  init(app: App): void {
    this.app = app;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  /** Waits for the listeners still running after their ack (as a server lets in-flight requests finish). */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  /**
   * Delivers a parsed body as HTTPReceiver would after verifying it: a slash command's form fields, an
   * interaction's `payload` object, or an Events API envelope. Resolves with the ack as Slack would see it.
   */
  send(body: Record<string, unknown>, options: DeliveryOptions = {}): Promise<SlackHttpResponse> {
    const app = this.app;
    if (!app) return Promise.reject(new Error('FakeReceiver: the app has not been built with this receiver'));
    const started = performance.now();
    if (body.type === 'url_verification')
      return Promise.resolve(response(200, JSON.stringify({ challenge: body.challenge })));
    if (body.ssl_check !== undefined) return Promise.resolve(response(200, ''));
    return new Promise<SlackHttpResponse>((resolve) => {
      let answered = false;
      const answer = (status: number, text: string) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        resolve({ ...response(status, text), elapsedMs: performance.now() - started });
      };
      const timer = setTimeout(() => answer(404, ''), this.options.unhandledRequestTimeoutMs ?? 3001);
      let acked = false;
      const ack = async (reply?: unknown): Promise<void> => {
        // Bolt refuses a second ack of the same request (ReceiverMultipleAckError); so does Slack.
        if (acked) throw new Error('FakeReceiver: ack() was called more than once');
        acked = true;
        answer(200, !reply ? '' : typeof reply === 'string' ? reply : JSON.stringify(reply));
      };
      const processing = app
        .processEvent({ body, ack, retryNum: options.retryNum, retryReason: options.retryReason })
        .catch(() => answer(500, ''))
        .finally(() => this.pending.delete(processing));
      this.pending.add(processing);
    });
  }
}
