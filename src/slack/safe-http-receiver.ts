import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPModuleFunctions, HTTPReceiver, type HTTPReceiverOptions } from '@slack/bolt';
import type { Logger } from 'pino';
import { truncate } from '../shared/text';

/**
 * Bolt's HTTPReceiver with a guard in front of its request listener.
 *
 * Why: Bolt 5.1 parses the body and then reads `body.ssl_check` inside a floating async function
 * (HTTPReceiver.handleIncomingEvent). A correctly signed POST whose body parses to something that
 * is not an object (`payload=null`, a JSON body `null`, and every other spelling Bolt reads the
 * same way) throws there, outside any try: no answer is ever sent and the rejection is unhandled.
 * The guard reads the body with Bolt's own parser (HTTPModuleFunctions.parseHTTPRequestBody: form
 * keys decoded, only the exact content type `application/x-www-form-urlencoded` read as a form,
 * every other type parsed as JSON), so it judges exactly what Bolt would see. A body Bolt parses to
 * an object, or cannot parse at all (Bolt answers 400 itself), goes to Bolt at once; a signed body
 * that parses to anything else is answered 400 here. Unsigned requests are left to Bolt (401).
 * Nothing the guard does can reject unobserved.
 */

/** What Bolt's parser makes of a body: an object (or a parse error Bolt answers itself), or not. */
export function boltParsesToNonObject(
  buffered: Pick<IncomingMessage, 'headers'> & { rawBody: Buffer },
): { nonObject: false } | { nonObject: true; bodyType: string } {
  let body: unknown;
  try {
    body = HTTPModuleFunctions.parseHTTPRequestBody(buffered as IncomingMessage & { rawBody: Buffer });
  } catch {
    return { nonObject: false };
  }
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) return { nonObject: false };
  return { nonObject: true, bodyType: body === null ? 'null' : Array.isArray(body) ? 'array' : typeof body };
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
    // Bolt's own parser decides: what it reads as an object (every body Slack sends) or cannot
    // read at all goes to Bolt, which verifies and answers as usual.
    const judged = boltParsesToNonObject(buffered);
    if (!judged.nonObject) {
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
      logger.warn(
        {
          path: req.url,
          contentType: truncate(String(req.headers['content-type'] ?? ''), 100),
          bodyType: judged.bodyType,
        },
        'rejected a signed Slack request whose payload is not a JSON object (HTTP 400)',
      );
      reject(res, 400);
      return;
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
