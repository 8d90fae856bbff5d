import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDocument, stringify } from 'yaml';

/**
 * The Slack app manifest for HTTP mode, in one paste, derived from manifest.yml (Socket Mode):
 *   npm run manifest -- --url https://bot.example.com          (YAML)
 *   npm run manifest -- --url https://bot.example.com --json   (JSON)
 * Socket Mode is switched off and the slash commands, interactivity and event subscriptions all
 * get the request URL `<url>/slack/events` (Bolt's default path, where the bot listens on PORT).
 */

export const EVENTS_PATH = '/slack/events';

interface Manifest {
  features?: { slash_commands?: { url?: string }[] };
  settings?: {
    socket_mode_enabled?: boolean;
    interactivity?: { is_enabled: boolean; request_url?: string };
    event_subscriptions?: { request_url?: string; bot_events?: string[] };
  };
}

export class ManifestUrlError extends Error {}

/** `<url>/slack/events` for the public base URL (or the full request URL) of the bot. */
export function requestUrl(given: string): string {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new ManifestUrlError(
      `--url must be the public https URL of the bot, like https://bot.example.com; got '${given}'`,
    );
  }
  if (url.protocol !== 'https:')
    throw new ManifestUrlError(`--url must start with https:// (Slack sends requests over TLS only); got '${given}'`);
  if (url.search || url.hash) throw new ManifestUrlError(`--url takes no query or fragment; got '${given}'`);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith(EVENTS_PATH) ? path : `${path}${EVENTS_PATH}`;
  return url.toString();
}

/** manifest.yml's content switched to HTTP mode with every request URL set to `requestUrl`. */
export function httpManifest(socketModeManifest: string, url: string): Manifest {
  const doc = parseDocument(socketModeManifest, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`manifest.yml is not valid YAML: ${doc.errors[0].message}`);
  const manifest = doc.toJS() as Manifest;
  const settings = (manifest.settings ??= {});
  settings.socket_mode_enabled = false;
  settings.interactivity = { ...settings.interactivity, is_enabled: true, request_url: url };
  if (settings.event_subscriptions)
    settings.event_subscriptions = { ...settings.event_subscriptions, request_url: url };
  for (const command of manifest.features?.slash_commands ?? []) command.url = url;
  return manifest;
}

/** manifest.yml of the checkout or image this file runs from (src/tools or dist/src/tools). */
function manifestPath(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'manifest.yml')) && existsSync(join(dir, 'package.json')))
      return join(dir, 'manifest.yml');
  }
  throw new Error(`manifest.yml not found above ${__dirname}`);
}

function main(argv: string[]): void {
  const at = argv.indexOf('--url');
  const given = at >= 0 ? argv[at + 1] : undefined;
  if (!given) {
    process.stderr.write('Usage: npm run manifest -- --url https://<public host of the bot> [--json]\n');
    process.exit(2);
  }
  try {
    const manifest = httpManifest(readFileSync(manifestPath(), 'utf8'), requestUrl(given));
    process.stdout.write(argv.includes('--json') ? `${JSON.stringify(manifest, null, 2)}\n` : stringify(manifest));
  } catch (error) {
    if (!(error instanceof ManifestUrlError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}

if (require.main === module) main(process.argv.slice(2));
