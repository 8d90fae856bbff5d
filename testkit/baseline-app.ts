/**
 * The floor for benchmarks: a bare Bolt app in HTTP mode whose `/star-check` only acks and opens a
 * small fixed modal. Whatever the real bot costs on top of this is ours.
 *
 *   PORT=3000 SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=xoxb-... SLACK_API_URL=http://127.0.0.1:4000/api/ \
 *     node dist/testkit/baseline-app.js
 *
 * Bolt 5 notes: `app.start()` resolves with the http.Server (so `server.address().port` is the bound
 * port when listening on 0) and accepts a listen-options object; `auth.test` is called once at
 * `app.init()` (deferInitialization) instead of from the constructor, so a failing fake rejects here.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, LogLevel, type Logger } from '@slack/bolt';

export interface BaselineAppOptions {
  /** 0 = let the OS choose; the real port is returned. */
  port: number;
  signingSecret: string;
  botToken: string;
  /** Web API base URL, ending in /api/ (the fake Slack's `apiUrl`). */
  slackApiUrl: string;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Bolt/WebClient log level (default ERROR, to keep benchmark and test output quiet). */
  logLevel?: LogLevel;
  /** A @slack/logger-compatible logger (default: Bolt's console logger). */
  logger?: Logger;
  /** WebClient retries (default: 2 quick retries, so a failing fake cannot hang a run for the default ~30 minutes). */
  retryConfig?: { retries: number; factor?: number; minTimeout?: number; maxTimeout?: number; randomize?: boolean };
  /** WebClient request timeout in ms (default 5000). */
  timeoutMs?: number;
  /** How long stop() waits for views.open calls still in flight before closing (default 2000 ms). */
  drainTimeoutMs?: number;
}

export interface BaselineApp {
  port: number;
  stop(): Promise<void>;
}

export const BASELINE_CALLBACK_ID = 'baseline_star_check';

export const BASELINE_MODAL = {
  type: 'modal' as const,
  callback_id: BASELINE_CALLBACK_ID,
  title: { type: 'plain_text' as const, text: 'STAR check' },
  submit: { type: 'plain_text' as const, text: 'Check' },
  close: { type: 'plain_text' as const, text: 'Cancel' },
  blocks: [
    {
      type: 'input' as const,
      block_id: 'ticket',
      label: { type: 'plain_text' as const, text: 'Zendesk ticket link' },
      element: { type: 'plain_text_input' as const, action_id: 'ticket_url' },
    },
  ],
};

export async function startBaselineApp(options: BaselineAppOptions): Promise<BaselineApp> {
  const app = new App({
    token: options.botToken,
    signingSecret: options.signingSecret,
    logLevel: options.logLevel ?? LogLevel.ERROR,
    ...(options.logger ? { logger: options.logger } : {}),
    deferInitialization: true,
    clientOptions: {
      slackApiUrl: options.slackApiUrl,
      retryConfig: options.retryConfig ?? { retries: 2, factor: 1, minTimeout: 50, maxTimeout: 50 },
      timeout: options.timeoutMs ?? 5000,
    },
  });

  // Web API calls still running after the ack; stop() lets them finish so they do not hit a fake that is gone.
  const inFlight = new Set<Promise<unknown>>();
  app.command('/star-check', async ({ ack, body, client }) => {
    await ack();
    const opening = client.views.open({ trigger_id: body.trigger_id, view: BASELINE_MODAL });
    inFlight.add(opening);
    try {
      await opening;
    } finally {
      inFlight.delete(opening);
    }
  });

  await app.init();
  const server = (await app.start({ port: options.port, host: options.host ?? '127.0.0.1' })) as Server;
  const port = (server.address() as AddressInfo).port;

  let stopped: Promise<void> | undefined;
  return {
    port,
    stop() {
      stopped ??= (async () => {
        const closing = app.stop(); // stops accepting connections; resolves once every connection has ended
        server.closeIdleConnections();
        if (inFlight.size > 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            Promise.allSettled([...inFlight]),
            new Promise((resolve) => {
              timer = setTimeout(resolve, options.drainTimeoutMs ?? 2000);
            }),
          ]);
          clearTimeout(timer);
        }
        // keep-alive clients (load generators) would otherwise hold HTTPReceiver.stop() open
        server.closeAllConnections();
        await closing;
      })();
      return stopped;
    },
  };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`baseline-app: ${name} is required`);
    process.exit(2);
  }
  return value;
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? '3000');
  startBaselineApp({
    port,
    signingSecret: required('SLACK_SIGNING_SECRET'),
    botToken: required('SLACK_BOT_TOKEN'),
    slackApiUrl: required('SLACK_API_URL'),
  })
    .then((baseline) => {
      console.log(JSON.stringify({ msg: 'baseline app listening', port: baseline.port }));
      const shutdown = () => {
        baseline.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            console.error(error);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    })
    .catch((error: unknown) => {
      console.error('baseline-app failed to start:', error);
      process.exit(1);
    });
}
