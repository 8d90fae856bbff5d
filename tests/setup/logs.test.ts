import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';

/**
 * `npm start | npm run logs` (or `kubectl logs … | npm run logs`): the bot's JSON log lines, as
 * the bot's own logger writes them, made readable by pino-pretty with the script's options.
 */

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};

function botLines(): string {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger('info', sink);
  logger.info({ requestId: 'req-1' }, 'license request accepted');
  logger.warn('token xoxb-1111-2222-SuperSecretBotToken refused');
  return `> lr-oncall-bot@0.2.0 start\n${lines.join('')}`;
}

describe('npm run logs', () => {
  it('is pino-pretty, a dev dependency', () => {
    expect(pkg.scripts.logs).toMatch(/^pino-pretty\b/);
    expect(pkg.devDependencies['pino-pretty']).toBeDefined();
  });

  it('turns the JSON lines into time, level and message, keeping other lines and the redaction', () => {
    const [command, ...args] = pkg.scripts.logs.split(/\s+/);
    const result = spawnSync(join(root, 'node_modules', '.bin', command), args, {
      input: botLines(),
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
    });
    expect(result.status).toBe(0);
    const out = result.stdout.split('\n');
    expect(out[0]).toBe('> lr-oncall-bot@0.2.0 start');
    expect(out[1]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: license request accepted$/);
    expect(out[2]).toBe('    requestId: "req-1"');
    expect(out[3]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: token xoxb-\[REDACTED\] refused$/);
    expect(result.stdout).not.toMatch(/"level"|"pid"|"hostname"|SuperSecret/);
  });
});
