import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TS_REGISTER } from '../../testkit/constants';

/**
 * A bot on SQLite (no DATABASE_URL) never loads the PostgreSQL backend and its driver: about 4 MB
 * of heap and 15 MB of resident memory it would carry for nothing. Checked in a fresh process,
 * where `require.cache` lists every module the bot's code loaded.
 */
describe('the PostgreSQL driver is loaded only when selected', () => {
  it('loading the bot and opening a SQLite store loads no pg module', () => {
    const root = join(__dirname, '..', '..');
    const script = `
      const { mkdtempSync } = require('node:fs');
      const { join } = require('node:path');
      const { tmpdir } = require('node:os');
      require(${JSON.stringify(join(root, 'src', 'bot'))});
      const { connectStore } = require(${JSON.stringify(join(root, 'src', 'store', 'connect'))});
      connectStore({ dataDir: mkdtempSync(join(tmpdir(), 'lazy-pg-')) }).then(async (store) => {
        await store.close();
        const loaded = Object.keys(require.cache).filter((path) => /node_modules[\\\\/]pg(-[a-z]+)?[\\\\/]/.test(path));
        process.stdout.write(JSON.stringify(loaded));
      });
    `;
    const result = spawnSync(process.execPath, ['-r', TS_REGISTER, '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([]);
  });
});
