import { Writable } from 'node:stream';
import pino from 'pino';
import { LogLevel } from '@slack/bolt';
import { boltLogger } from '../../src/slack/bolt-logger';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: boltLogger(pino({ level }, stream)) };
}

describe('boltLogger: Bolt and the Web API client log through pino', () => {
  it('writes the levels pino has on, formatted, and nothing for the ones it has off', async () => {
    const { lines, logger } = capture('warn');
    logger.debug('http request body:', { token: 'x' });
    logger.info('started');
    logger.warn('rate limited', { retryAfter: 3 });
    logger.error(new Error('boom'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.level, l.msg, l.component])).toEqual([
      [40, 'rate limited {"retryAfter":3}', 'bolt'],
      [50, 'boom', 'bolt'],
    ]);
    expect(logger.getLevel()).toBe(LogLevel.WARN);
  });

  it('at debug, debug lines are written too', async () => {
    const { lines, logger } = capture('debug');
    logger.debug('apiCall', 'views.open');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => l.msg)).toEqual(['apiCall views.open']);
    expect(logger.getLevel()).toBe(LogLevel.DEBUG);
  });
});
