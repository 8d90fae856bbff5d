/**
 * Last-resort process handlers (issue 9.2): an unhandled rejection is logged with a reference ID
 * and the process keeps running; an uncaught exception is logged with a reference ID before the
 * fatal path (graceful stop, exit 1) runs.
 */
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import pino from 'pino';
import { installProcessGuards } from '../../src/ops/process-guards';

function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

describe('process guards', () => {
  it('logs an unhandled rejection with a reference ID, token scrubbed, and does not call the fatal path', () => {
    const proc = new EventEmitter();
    const { logger, lines } = recordingLogger();
    const onFatal = jest.fn();
    installProcessGuards(logger, { onFatal }, proc as unknown as NodeJS.Process);
    proc.emit('unhandledRejection', new Error('boom with xoxb-123-secret'), Promise.resolve());
    expect(onFatal).not.toHaveBeenCalled();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, msg: expect.stringContaining('unhandled promise rejection') });
    expect(lines[0].reference).toMatch(/^[0-9A-F]{8}$/);
    expect(String(lines[0].error)).toContain('boom');
    expect(String(lines[0].error)).not.toContain('xoxb-123-secret');
  });

  it('logs an uncaught exception with a reference ID, then hands that reference to the fatal path', () => {
    const proc = new EventEmitter();
    const { logger, lines } = recordingLogger();
    const onFatal = jest.fn();
    const remove = installProcessGuards(logger, { onFatal }, proc as unknown as NodeJS.Process);
    proc.emit('uncaughtException', new TypeError('bad state'));
    expect(lines[0]).toMatchObject({ level: 60 });
    expect(onFatal).toHaveBeenCalledWith(lines[0].reference);
    remove();
    expect(proc.listenerCount('unhandledRejection') + proc.listenerCount('uncaughtException')).toBe(0);
  });

  it('in a real Node process: a rejection nobody handles is logged and the process keeps running', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `
      require('./testkit/ts-register.js');
      const { installProcessGuards } = require('./src/ops/process-guards');
      const { createLogger } = require('./src/logger');
      installProcessGuards(createLogger('info'), { onFatal: () => process.exit(3) });
      Promise.reject(new Error('nobody catches this'));
      setTimeout(() => { console.log('still running'); process.exit(0); }, 200);
    `;
    const run = spawnSync(process.execPath, ['-e', script], {
      cwd: `${__dirname}/../..`,
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('unhandled promise rejection');
    expect(run.stdout).toMatch(/"reference":"[0-9A-F]{8}"/);
    expect(run.stdout).toContain('still running');
  });
});
