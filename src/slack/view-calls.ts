import type { WebAPICallResult, WebClient } from '@slack/web-api';
import type { HomeView, ModalView } from './views/blocks';

/**
 * The `views.*` Web API calls, with the view sent as the JSON string the API takes. Slack's method
 * reference for views.open, views.push, views.update and views.publish: "view: A view payload. This
 * must be a JSON-encoded string."
 *
 * Why not `client.views.open({ view })`: for every call, @slack/web-api 8 deep-copies its arguments
 * (`redact`: two regular expressions per key, all the way down the view) and JSON-encodes the copy for
 * a debug log line, even when debug logging is off; then it encodes the view once more to send it. A
 * modal has hundreds of keys, so that cost grows with every question on the form and lands between the
 * command and the open modal. The view is still built and type-checked as a ModalView or HomeView; only
 * its wire form is produced here, once. `apiCall` is the client's public entry point behind every
 * method (same retries, rate-limit handling and errors: a platform error still carries `data.error`).
 */

/** The ID of the view Slack answered with (views.open/push/update/publish all return the view). */
function viewIdOf(result: WebAPICallResult): string | undefined {
  const view = 'view' in result ? result.view : undefined;
  return typeof view === 'object' && view !== null && 'id' in view && typeof view.id === 'string' ? view.id : undefined;
}

/** The view Slack answered with, as a later views.update targets it (id, and the hash that guards it). */
export interface ViewTarget {
  viewId: string;
  hash?: string;
}

function targetOf(result: WebAPICallResult): ViewTarget | undefined {
  const viewId = viewIdOf(result);
  if (!viewId) return undefined;
  const view = (result as { view?: { hash?: unknown } }).view;
  return { viewId, ...(typeof view?.hash === 'string' ? { hash: view.hash } : {}) };
}

export async function openView(client: WebClient, triggerId: string, view: ModalView): Promise<ViewTarget | undefined> {
  return targetOf(await client.apiCall('views.open', { trigger_id: triggerId, view: JSON.stringify(view) }));
}

/** Pushes a modal onto the stack of the modal the trigger came from. */
export async function pushView(client: WebClient, triggerId: string, view: ModalView): Promise<ViewTarget | undefined> {
  return targetOf(await client.apiCall('views.push', { trigger_id: triggerId, view: JSON.stringify(view) }));
}

/** Replaces an open modal; with `hash`, only if nobody updated it since (else Slack answers `hash_conflict`). */
export async function updateView(
  client: WebClient,
  target: { viewId: string; hash?: string },
  view: ModalView,
): Promise<string | undefined> {
  return viewIdOf(
    await client.apiCall('views.update', {
      view_id: target.viewId,
      ...(target.hash ? { hash: target.hash } : {}),
      view: JSON.stringify(view),
    }),
  );
}

/** Publishes a user's App Home tab. */
export async function publishHome(client: WebClient, userId: string, view: HomeView): Promise<string | undefined> {
  return viewIdOf(await client.apiCall('views.publish', { user_id: userId, view: JSON.stringify(view) }));
}
