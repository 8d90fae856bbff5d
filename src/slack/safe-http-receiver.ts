import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPModuleFunctions, HTTPReceiver, type HTTPReceiverOptions } from '@slack/bolt';
import type { Logger } from 'pino';

/**
 * Bolt's HTTPReceiver with a guard in front of its request listener.
 *
 * Why: Bolt 5.1 parses the body and then reads `body.ssl_check` inside a floating async function
 * (HTTPReceiver.handleIncomingEvent). A correctly signed POST whose body parses to something that
 * is not an object (`payload=null`, a JSON body `null`) throws there, outside any try: the
 * rejection is unhandled and Node ends the process. The guard buffers and verifies the request
 * the same way Bolt does (Bolt then reuses the buffered body), and answers 400 to a signed body
 * that is not a JSON object; anything it cannot judge (bad signature, unparseable body) is left
 * to Bolt, which answers 401/400 itself. Nothing the guard does can reject unobserved.
 */
const OBJECT_START = /^\s*(\{|%7B)/i;

/**
 * True when the body is a plain form without a `payload` field, or its JSON (body or `payload`
 * field) starts as an object: whatever Bolt parses from it is an object, or a parse error that
 * Bolt answers with 400 itself.
 */
export function cannotBeNonObject(rawBody: Buffer, contentType: string | undefined): boolean {
  const raw = rawBody.toString('utf8');
  if ((contentType ?? '').includes('application/json')) return OBJECT_START.test(raw);
  const at = raw.startsWith('payload=') ? 0 : raw.indexOf('&payload=') + 1;
  if (at === 0 && !raw.startsWith('payload=')) return true;
  return OBJECT_START.test(raw.slice(at + 'payload='.length));
}

export function createSafeHttpReceiver(
  options: HTTPReceiverOptions & { signingSecret: string },
  logger: Logger,
): HTTPReceiver {
  const receiver = new HTTPReceiver(options);
  const endpoints = new Set(
    Array.isArray(options.endpoints) ? options.endpoints : [options.endpoints ?? '/slack/events'],
  );
  const bodyLimit = HTTPModuleFunctions.defaultBodyLimit;
  const boltListener = receiver.requestListener;

  const reject = (res: ServerResponse, status: number) => {
    if (res.headersSent) return;
    res.writeHead(status);
    res.end();
  };

  const guard = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let buffered: IncomingMessage & { rawBody: Buffer };
    try {
      buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, bodyLimit);
    } catch (error) {
      const tooLarge =
        (error as { type?: string; statusCode?: number }).type === 'entity.too.large' ||
        (error as { statusCode?: number }).statusCode === 413;
      logger.warn({ error: (error as Error).message }, 'could not read a request body');
      reject(res, tooLarge ? 413 : 400);
      return;
    }
    // Every body Slack sends is a JSON object (a `payload` form field, a JSON body) or a plain form
    // (slash commands): those go to Bolt at once, which verifies and parses them as usual. Only a
    // body that cannot be an object is verified and parsed here, so the common path pays for it once.
    if (cannotBeNonObject(buffered.rawBody, req.headers['content-type'])) {
      boltListener(buffered, res);
      return;
    }
    let verified = false;
    try {
      await HTTPModuleFunctions.parseAndVerifyHTTPRequest(
        { enabled: true, signingSecret: options.signingSecret, bodyLimit },
        buffered,
      );
      verified = true;
    } catch {
      // Bolt answers (401) and logs unsigned or stale requests itself.
    }
    if (verified) {
      let body: unknown;
      let parsed = true;
      try {
        body = HTTPModuleFunctions.parseHTTPRequestBody(buffered);
      } catch {
        parsed = false; // Bolt answers a malformed body with 400 itself.
      }
      if (parsed && (body === null || typeof body !== 'object' || Array.isArray(body))) {
        logger.warn(
          {
            path: req.url,
            contentType: req.headers['content-type'],
            bodyType: body === null ? 'null' : Array.isArray(body) ? 'array' : typeof body,
          },
          'rejected a signed Slack request whose payload is not a JSON object (HTTP 400)',
        );
        reject(res, 400);
        return;
      }
    }
    boltListener(buffered, res);
  };

  receiver.requestListener = (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || !endpoints.has(path)) {
      boltListener(req, res);
      return;
    }
    guard(req, res).catch((error: unknown) => {
      const reference = randomBytes(4).toString('hex').toUpperCase();
      logger.error({ reference, error: (error as Error)?.stack ?? String(error) }, 'request guard failed');
      reject(res, 500);
    });
  };
  return receiver;
}
