import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { BOT_EVENTS, BOT_SCOPES, COMMANDS, SHORTCUTS } from '../src/slack/surface';
import { compileSchema, DRAFT_07, formatErrors, loadSchema } from './support/slack-manifest-schema';

/**
 * `manifest.yml` must be a valid Slack app manifest (checked against a copy of Slack's official
 * schema, major version 1) and declare exactly what the code registers (src/slack/surface.ts).
 */

const root = join(__dirname, '..');
const manifestPath = join(root, 'manifest.yml');

interface SlashCommand {
  command: string;
  description: string;
  usage_hint?: string;
  should_escape?: boolean;
  url?: string;
}

interface Shortcut {
  name: string;
  type: 'global' | 'message';
  callback_id: string;
  description: string;
}

/** The part of the manifest this test reads; the schema vouches for the shape. */
interface Manifest {
  display_information: { name: string; description?: string; long_description?: string; background_color?: string };
  features?: {
    app_home?: { home_tab_enabled?: boolean; messages_tab_enabled?: boolean; messages_tab_read_only_enabled?: boolean };
    bot_user?: { display_name: string; always_online?: boolean };
    slash_commands?: SlashCommand[];
    shortcuts?: Shortcut[];
  };
  oauth_config?: { scopes?: { bot?: string[]; user?: string[] } };
  settings?: {
    event_subscriptions?: { request_url?: string; bot_events?: string[]; user_events?: string[] };
    interactivity?: { is_enabled: boolean; request_url?: string };
    org_deploy_enabled?: boolean;
    socket_mode_enabled?: boolean;
    token_rotation_enabled?: boolean;
  };
}

function loadManifest(): { manifest: Manifest; text: string } {
  const text = readFileSync(manifestPath, 'utf8');
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
  if (problems.length > 0) throw new Error(`manifest.yml is not clean YAML:\n${problems.join('\n')}`);
  return { manifest: doc.toJS() as Manifest, text };
}

const sorted = (values: readonly string[]): string[] => [...values].sort();

describe('Slack app manifest schema (fixture)', () => {
  it('is a draft-07 schema, so the default Ajv class is the right one', () => {
    expect(loadSchema().$schema).toBe(DRAFT_07);
  });

  // Guards against a validator that accepts anything (a broken fixture, a missing $ref ...).
  it('rejects manifests that break Slack limits', () => {
    const validate = compileSchema();
    const base = {
      display_information: { name: 'ok' },
      features: {
        shortcuts: [{ name: 'Weekend emergency license', type: 'global', callback_id: 'x', description: 'd' }],
      },
    };
    expect(validate(base)).toBe(false);
    expect(formatErrors(validate.errors)).toEqual([
      expect.stringContaining('/features/shortcuts/0/name: must NOT have more than 24 characters'),
    ]);

    expect(validate({ display_information: { name: 'ok', background_color: 'orange' } })).toBe(false);
    expect(validate({ display_information: { name: 'ok', background_color: '#12345g' } })).toBe(false);
    expect(validate({ display_information: { name: 'ok', background_color: '#abc' } })).toBe(true);
    expect(validate({ display_information: { name: 'ok' }, settings: { socket_mode: true } })).toBe(false);
    expect(
      validate({
        display_information: { name: 'ok' },
        features: { slash_commands: [{ command: 'no-slash', description: 'd' }] },
      }),
    ).toBe(false);
  });
});

describe('manifest.yml', () => {
  const { manifest, text } = loadManifest();
  const features = manifest.features ?? {};
  const settings = manifest.settings ?? {};

  it('is valid against Slack app manifest schema v1 (which enforces its length limits)', () => {
    const validate = compileSchema();
    const valid = validate(manifest);
    expect(formatErrors(validate.errors)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('declares exactly the slash commands the code registers', () => {
    const commands = (features.slash_commands ?? []).map((c) => c.command);
    expect(new Set(commands).size).toBe(commands.length);
    expect(sorted(commands)).toEqual(sorted(Object.values(COMMANDS)));
  });

  it('gives every command a description and a usage hint, and passes its text unescaped', () => {
    const problems: string[] = [];
    for (const command of features.slash_commands ?? []) {
      if (!command.description?.trim()) problems.push(`${command.command}: no description`);
      if (!command.usage_hint?.trim()) problems.push(`${command.command}: no usage_hint`);
      // The listeners parse the raw text (ticket URLs, numbers, emails); escaping would wrap them in <...>.
      if (command.should_escape !== false) problems.push(`${command.command}: should_escape must be false`);
    }
    expect(problems).toEqual([]);
    const hints = Object.fromEntries((features.slash_commands ?? []).map((c) => [c.command, c.usage_hint]));
    expect(hints[COMMANDS.starCheck]).toBe('[Zendesk ticket URL or number]');
    expect(hints[COMMANDS.emergencyLicense]).toBe('[Zendesk ticket URL or number]');
    expect(hints[COMMANDS.licenseStatus]).toBe('[ticket URL, number or email]');
  });

  it('declares exactly the global shortcuts the code registers', () => {
    const shortcuts = features.shortcuts ?? [];
    const ids = shortcuts.map((s) => s.callback_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(sorted(ids)).toEqual(sorted(Object.values(SHORTCUTS)));
    for (const shortcut of shortcuts) expect(shortcut.type).toBe('global');
  });

  it('subscribes to exactly the bot events the code listens to', () => {
    expect(sorted(settings.event_subscriptions?.bot_events ?? [])).toEqual(sorted(BOT_EVENTS));
    expect(settings.event_subscriptions?.user_events ?? []).toEqual([]);
  });

  it('requests exactly the bot scopes the code needs, and no user scopes', () => {
    const bot = manifest.oauth_config?.scopes?.bot ?? [];
    expect(new Set(bot).size).toBe(bot.length);
    expect(sorted(bot)).toEqual(sorted(Object.keys(BOT_SCOPES)));
    expect(manifest.oauth_config?.scopes?.user ?? []).toEqual([]);
  });

  it('has a bot user and an App Home whose messages tab is read-only', () => {
    expect(features.bot_user?.display_name).toBeTruthy();
    expect(features.bot_user?.always_online).toBe(true);
    expect(features.app_home).toEqual({
      home_tab_enabled: true,
      messages_tab_enabled: true,
      messages_tab_read_only_enabled: true,
    });
    // app_home_opened only fires usefully when the Home tab exists.
    if ((BOT_EVENTS as readonly string[]).includes('app_home_opened'))
      expect(features.app_home?.home_tab_enabled).toBe(true);
  });

  it('has display information for the app directory card', () => {
    const info = manifest.display_information;
    expect(info.name.trim()).not.toBe('');
    expect(info.description?.trim()).toBeTruthy();
    expect(info.background_color).toMatch(/^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/);
  });

  it('runs in Socket Mode with interactivity on, and no request URLs', () => {
    expect(settings.interactivity?.is_enabled).toBe(true);
    expect(settings.socket_mode_enabled).toBe(true);
    expect(settings.org_deploy_enabled).toBe(false);
    expect(settings.token_rotation_enabled).toBe(false);
    expect(settings.interactivity?.request_url).toBeUndefined();
    expect(settings.event_subscriptions?.request_url).toBeUndefined();
    for (const command of features.slash_commands ?? []) expect(command.url).toBeUndefined();
  });

  it("explains in comments how to switch to HTTP mode on Bolt's default path", () => {
    const comments = text
      .split('\n')
      .filter((line) => line.trimStart().startsWith('#'))
      .join('\n');
    expect(comments).toContain('https://<host>/slack/events');
    expect(comments).toContain('socket_mode_enabled: false');
    for (const key of ['url:', 'settings.interactivity', 'settings.event_subscriptions'])
      expect(comments).toContain(key);
  });

  it('holds no secrets', () => {
    expect(text).not.toMatch(/xox[abpr]-[0-9A-Za-z-]{10,}|xapp-[0-9A-Za-z-]{10,}|glpat-[0-9A-Za-z_-]{10,}/);
  });
});
