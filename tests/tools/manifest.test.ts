import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EVENTS_PATH, httpManifest, ManifestUrlError, requestUrl } from '../../src/tools/manifest';
import { compileSchema, formatErrors } from '../support/slack-manifest-schema';

/**
 * `npm run manifest -- --url https://bot.example.com` prints the HTTP-mode manifest in one paste:
 * valid against Slack's manifest schema, and manifest.yml with exactly the HTTP-mode edits.
 */

const root = join(__dirname, '..', '..');
const socketText = readFileSync(join(root, 'manifest.yml'), 'utf8');
const socket = parse(socketText) as Record<string, unknown>;
const URL_ = 'https://bot.example.com/slack/events';

/** Runs the tool as `npm run manifest --` would (from the sources, to skip the build). */
function run(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    ['-r', require.resolve('ts-node/register/transpile-only'), join(root, 'src', 'tools', 'manifest.ts'), ...args],
    { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH, TS_NODE_PROJECT: join(root, 'tsconfig.json') } },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the HTTP-mode Slack manifest', () => {
  const manifest = httpManifest(socketText, URL_);

  it("is valid against Slack's app manifest schema", () => {
    const validate = compileSchema();
    const valid = validate(manifest);
    expect(formatErrors(validate.errors)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('is manifest.yml with Socket Mode off and every request URL on /slack/events, nothing else changed', () => {
    const expected = structuredClone(socket) as {
      features: { slash_commands: Record<string, unknown>[] };
      settings: Record<string, Record<string, unknown> | boolean>;
    };
    expected.settings.socket_mode_enabled = false;
    (expected.settings.interactivity as Record<string, unknown>).request_url = URL_;
    (expected.settings.event_subscriptions as Record<string, unknown>).request_url = URL_;
    for (const command of expected.features.slash_commands) command.url = URL_;
    expect(manifest).toEqual(expected);
    // Six places in all: three commands, interactivity, events, and the mode.
    expect(JSON.stringify(manifest).split(URL_).length - 1).toBe(expected.features.slash_commands.length + 2);
  });

  it.each([
    ['https://bot.example.com', URL_],
    ['https://bot.example.com/', URL_],
    ['https://bot.example.com/slack/events', URL_],
    ['https://example.com/lr-bot/', `https://example.com/lr-bot${EVENTS_PATH}`],
    ['https://bot.example.com:8443', `https://bot.example.com:8443${EVENTS_PATH}`],
  ])('--url %s gives request URL %s', (given, expected) => {
    expect(requestUrl(given)).toBe(expected);
  });

  it.each([
    ['http://bot.example.com', /must start with https:\/\//],
    ['bot.example.com', /public https URL of the bot/],
    ['https://bot.example.com/?x=1', /no query/],
  ])('refuses --url %s in plain words', (given, message) => {
    expect(() => requestUrl(given)).toThrow(ManifestUrlError);
    expect(() => requestUrl(given)).toThrow(message);
  });
});

describe('npm run manifest', () => {
  it('is a package.json script running the compiled tool', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.manifest).toBe('node scripts/build-if-needed.js && node dist/src/tools/manifest.js');
  });

  it('prints the HTTP-mode manifest as YAML, or JSON with --json, ready to paste', () => {
    const yaml = run('--url', 'https://bot.example.com');
    expect(yaml.code).toBe(0);
    expect(parse(yaml.stdout)).toEqual(httpManifest(socketText, URL_));
    const json = run('--url', 'https://bot.example.com', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(httpManifest(socketText, URL_));
  }, 30_000);

  it('says how to call it, with no stack trace, when --url is missing or wrong', () => {
    const missing = run();
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('Usage: npm run manifest -- --url https://<public host of the bot> [--json]\n');
    const wrong = run('--url', 'http://bot.example.com');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^--url must start with https:\/\/ .*\n$/);
    expect(wrong.stdout).toBe('');
  }, 30_000);
});
