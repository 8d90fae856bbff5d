/**
 * Customer data is the bot user's only (issue 9.4): with the usual umask 022 the data folder is
 * 0700 and the database (with its -wal/-shm), license files and keys are 0600; an existing
 * folder or file with looser permissions is tightened when the store opens, and reported.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLicenseAdapter, loadSigningKey } from '../../src/licenses';
import { openStore } from '../../src/store';

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('data folder permissions (umask 022)', () => {
  let previousUmask: number;
  let root: string;
  beforeAll(() => {
    previousUmask = process.umask(0o022);
  });
  afterAll(() => {
    process.umask(previousUmask);
  });
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lr-modes-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('a new DATA_DIR is 0700, the database and its -wal/-shm 0600, license files and the development key 0600', async () => {
    const dataDir = join(root, 'data');
    const store = openStore(dataDir);
    try {
      expect(mode(dataDir)).toBe('700');
      const dbFiles = readdirSync(dataDir).filter((f) => f.startsWith('bot.sqlite3'));
      expect(dbFiles.sort()).toEqual(['bot.sqlite3', 'bot.sqlite3-shm', 'bot.sqlite3-wal']);
      for (const f of dbFiles) expect([f, mode(join(dataDir, f))]).toEqual([f, '600']);
      expect(store.modeFixes).toEqual([]);

      const signingKey = loadSigningKey({ dataDir, warn: () => undefined });
      const adapter = createLicenseAdapter({ adapter: 'local', dataDir, warn: () => undefined, signingKey });
      const outcome = await adapter.request({
        requestId: 'r1',
        ticketUrl: 'https://gitlab.zendesk.com/agent/tickets/1',
        email: 'a@b.example',
        userCount: 5,
        requestedBy: 'jdoe',
      });
      expect(outcome.status).toBe('generated');
      const walk = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? [join(dir, e.name), ...walk(join(dir, e.name))] : [join(dir, e.name)],
        );
      for (const path of walk(dataDir)) {
        expect([path, mode(path)]).toEqual([path, statSync(path).isDirectory() ? '700' : '600']);
      }
    } finally {
      store.closeNow();
    }
  });

  it('an existing 0755 folder with 0644 files is tightened at start, and the fixes are reported', () => {
    const dataDir = join(root, 'old');
    mkdirSync(join(dataDir, 'licenses'), { recursive: true });
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'licenses'), 0o755);
    writeFileSync(join(dataDir, 'bot.sqlite3'), '');
    chmodSync(join(dataDir, 'bot.sqlite3'), 0o644);
    writeFileSync(join(dataDir, 'licenses', 'x.gitlab-license'), 'L');
    chmodSync(join(dataDir, 'licenses', 'x.gitlab-license'), 0o644);

    const store = openStore(dataDir);
    try {
      expect(mode(dataDir)).toBe('700');
      expect(mode(join(dataDir, 'licenses'))).toBe('700');
      expect(mode(join(dataDir, 'bot.sqlite3'))).toBe('600');
      expect(mode(join(dataDir, 'licenses', 'x.gitlab-license'))).toBe('600');
      expect(store.modeFixes.map((f) => [f.path.slice(dataDir.length), f.from, f.to]).sort()).toEqual(
        [
          ['', '755', '700'],
          ['/bot.sqlite3', '644', '600'],
          ['/licenses', '755', '700'],
          ['/licenses/x.gitlab-license', '644', '600'],
        ].sort(),
      );
    } finally {
      store.closeNow();
    }
  });
});
