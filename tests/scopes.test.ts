import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BOT_SCOPES, COMMANDS } from '../src/slack/surface';

/**
 * The scopes the manifest asks for must be exactly what the code needs: every Web API method the
 * source calls is looked up in Slack's method → scope table, and every declared scope must be
 * needed by something the code does.
 */
const METHOD_SCOPES: Record<string, string[]> = {
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'views.open': [],
  'views.update': [],
  'views.push': [],
  'views.publish': [],
  'users.info': ['users:read'],
  'usergroups.users.list': ['usergroups:read'],
  'conversations.open': ['im:write'],
  // The license DM's upload in its steps (the fence sits before the completing call).
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
  filesUploadV2: ['files:write'],
  'auth.test': [],
};

/** Needed by a feature rather than a method call. */
const FEATURE_SCOPES: Record<string, string> = {
  commands: 'the slash commands and the global shortcut',
  'chat:write.public': 'posting audit messages to LICENSING_CHANNEL without being invited first',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function methodsCalled(): Set<string> {
  const methods = new Set<string>();
  for (const file of sourceFiles(join(__dirname, '..', 'src'))) {
    // Join chained calls split over lines (`client.users\n  .info(`).
    const text = readFileSync(file, 'utf8').replace(/\s*\n\s*\./g, '.');
    for (const match of text.matchAll(
      /\b\w*[cC]lient\.((?:chat|views|users|usergroups|conversations|files|auth)(?:\.\w+)+)\(/g,
    ))
      methods.add(match[1]);
    // Calls made through the client's generic entry point (src/slack/view-calls.ts).
    for (const match of text.matchAll(/\.apiCall\('([\w.]+)'/g)) methods.add(match[1]);
    if (/\bfilesUploadV2\(/.test(text)) methods.add('filesUploadV2');
  }
  return methods;
}

describe('bot scopes', () => {
  const called = methodsCalled();
  const manifest = parse(readFileSync(join(__dirname, '..', 'manifest.yml'), 'utf8'));
  const declared = new Set<string>(manifest.oauth_config.scopes.bot);

  it('finds the Web API calls the bot makes', () => {
    expect([...called].sort()).toEqual(
      expect.arrayContaining([
        'chat.postMessage',
        'views.open',
        'users.info',
        'usergroups.users.list',
        'files.getUploadURLExternal',
        'files.completeUploadExternal',
      ]),
    );
  });

  it('knows the scope of every Web API method the code calls', () => {
    expect([...called].filter((method) => !(method in METHOD_SCOPES))).toEqual([]);
  });

  it('declares every scope the code needs, in surface.ts and in the manifest', () => {
    const needed = new Set([...called].flatMap((method) => METHOD_SCOPES[method] ?? []));
    for (const scope of needed) {
      expect(Object.keys(BOT_SCOPES)).toContain(scope);
      expect(declared).toContain(scope);
    }
  });

  it('declares no scope that nothing needs', () => {
    const needed = new Set([
      ...[...called].flatMap((method) => METHOD_SCOPES[method] ?? []),
      ...Object.keys(FEATURE_SCOPES),
    ]);
    expect([...declared].filter((scope) => !needed.has(scope))).toEqual([]);
    expect(Object.keys(COMMANDS).length).toBeGreaterThan(0);
  });
});
