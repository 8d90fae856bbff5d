import { webApi, type App } from '@slack/bolt';
import type { BotMetrics } from '../ops/metrics';

/** Times every ack, by payload type, at the one place all requests pass: the receiver's event. */
export function instrumentAcks(app: App, metrics: BotMetrics): void {
  const processEvent = app.processEvent.bind(app);
  const byType = new Map<string, ReturnType<typeof metrics.ackLatency.labels>>();
  const histogramFor = (type: string) => {
    let child = byType.get(type);
    if (!child) byType.set(type, (child = metrics.ackLatency.labels({ type })));
    return child;
  };
  app.processEvent = async (event) => {
    const started = performance.now();
    const body = event.body as { type?: string; command?: string; event?: { type?: string } };
    const type = body.command ? 'slash_command' : body.type === 'event_callback' ? `event:${body.event?.type ?? 'unknown'}` : (body.type ?? 'unknown');
    const ack = event.ack.bind(event);
    event.ack = async (response) => {
      histogramFor(type).observe((performance.now() - started) / 1000);
      return ack(response);
    };
    return processEvent(event);
  };
}

type ClientThis = { slackApiUrl: string };
type RequestFn = (this: ClientThis, url: string, body: unknown, headers?: unknown) => Promise<unknown>;
type BuildResultFn = (this: ClientThis, response: { url?: string }) => Promise<{ ok?: boolean }>;

const errorObservers = new Map<string, Set<(method: string) => void>>();
let requestPatched = false;

/**
 * Counts failed Web API calls by method, for every client Bolt creates (it keeps one per token,
 * apart from `app.client`). The places all of them share are the client's request function
 * (HTTP failures) and its result parser (`ok: false` answers); calls are attributed by API base URL.
 */
export function observeSlackApiErrors(apiUrl: string, metrics: BotMetrics): () => void {
  const base = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
  if (!requestPatched) {
    requestPatched = true;
    const prototype = webApi.WebClient.prototype as unknown as { makeRequest: RequestFn; buildResult: BuildResultFn };
    const notify = (client: ClientThis, url: string) => {
      const method = url.startsWith(client.slackApiUrl) ? url.slice(client.slackApiUrl.length) : 'files.upload';
      errorObservers.get(client.slackApiUrl)?.forEach((observer) => observer(method));
    };
    const makeRequest = prototype.makeRequest;
    prototype.makeRequest = async function instrumented(url, body, headers) {
      try {
        return await makeRequest.call(this, url, body, headers);
      } catch (error) {
        notify(this, url);
        throw error;
      }
    };
    const buildResult = prototype.buildResult;
    prototype.buildResult = async function instrumented(response) {
      const result = await buildResult.call(this, response);
      if (result?.ok === false && response.url) notify(this, response.url);
      return result;
    };
  }
  const observer = (method: string) => metrics.slackApiErrors.inc({ method });
  const observers = errorObservers.get(base) ?? new Set();
  observers.add(observer);
  errorObservers.set(base, observers);
  return () => observers.delete(observer);
}
