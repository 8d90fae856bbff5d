import type { FetchFunction } from '@slack/web-api';
import type { Body as AckedBody } from '../ops/ack-guard';
import type { BotMetrics } from '../ops/metrics';

/** The response type of the client's `fetch` option (the package exports the function type only). */
type FetchResponse = Awaited<ReturnType<FetchFunction>>;

/**
 * Times every ack, by payload type: the `onAck` of the ack guard (src/ops/ack-guard.ts), which sees
 * every acknowledgement at `App.processEvent`, the one entry point of every receiver.
 */
export function ackLatencyRecorder(metrics: BotMetrics): (body: AckedBody, seconds: number) => void {
  const byType = new Map<string, ReturnType<typeof metrics.ackLatency.labels>>();
  return (body, seconds) => {
    const type = body.command
      ? 'slash_command'
      : body.type === 'event_callback'
        ? `event:${body.event?.type ?? 'unknown'}`
        : (body.type ?? 'unknown');
    let histogram = byType.get(type);
    if (!histogram) byType.set(type, (histogram = metrics.ackLatency.labels({ type })));
    histogram.observe(seconds);
  };
}

/**
 * A `fetch` for the WebClient's public `fetch` option that counts failed Web API requests by method:
 * no answer (network error, timeout), an HTTP status other than 200 (Slack uses 200 for everything
 * but rate limits and outages), or an `ok: false` answer. Every client Bolt creates (one per token,
 * apart from `app.client`) takes the same `clientOptions`, so all of them are counted. Each attempt
 * counts: a call the client retries after a failure shows up once per failed attempt.
 */
export function countingSlackFetch(
  apiUrl: string,
  onError: (method: string) => void,
  base: FetchFunction = globalThis.fetch,
): FetchFunction {
  const prefix = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
  return async (url, init) => {
    const href = String(url);
    // Uploads go to URLs Slack hands out (files.uploadV2), not to the API base.
    const method = href.startsWith(prefix) ? href.slice(prefix.length).split('?')[0] : 'files.upload';
    let response: FetchResponse;
    try {
      response = await base(url, init);
    } catch (error) {
      onError(method);
      throw error;
    }
    if (response.status !== 200) {
      onError(method);
      return response;
    }
    return answerChecked(response, () => onError(method));
  };
}

/**
 * The same response, with the body the client reads checked for `ok: false` on the way through
 * (parsed once more only when unusual). Its own `text`/`json` shadow the prototype's on this one
 * object: no wrapper object per call, and the client still gets a real Response.
 */
function answerChecked(response: FetchResponse, onNotOk: () => void): FetchResponse {
  const readText = response.text.bind(response);
  const readJson = response.json.bind(response);
  const check = (text: string) => {
    // Slack writes `ok` first; anything else is parsed to be sure.
    if (text.startsWith('{"ok":true')) return;
    if (text.startsWith('{"ok":false')) return onNotOk();
    try {
      if ((JSON.parse(text) as { ok?: unknown } | null)?.ok === false) onNotOk();
    } catch {
      onNotOk(); // the client reads an unparsable answer as ok: false too
    }
  };
  return Object.assign(response, {
    text: async () => {
      const text = await readText();
      check(text);
      return text;
    },
    json: async () => {
      const data: unknown = await readJson();
      if ((data as { ok?: unknown } | null)?.ok === false) onNotOk();
      return data;
    },
  });
}
