import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from 'pino';

type PinoLevel = 'debug' | 'info' | 'warn' | 'error';

/** Bolt and the Web API client log through pino, so redaction applies to them too. */
export function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  const text = (parts: unknown[]) =>
    parts.map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.message : JSON.stringify(p))).join(' ');
  // Bolt and the Web API client log at debug several times per request: a level that is off gets a
  // function that does nothing (the bot never changes its level while running; setLevel is a no-op).
  const noop = () => undefined;
  const at = (level: PinoLevel) =>
    child.isLevelEnabled(level) ? (...msg: unknown[]) => child[level](text(msg)) : noop;
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel: () => undefined,
    getLevel: () =>
      child.isLevelEnabled('debug')
        ? LogLevel.DEBUG
        : child.isLevelEnabled('info')
          ? LogLevel.INFO
          : child.isLevelEnabled('warn')
            ? LogLevel.WARN
            : LogLevel.ERROR,
    setName: () => undefined,
  };
}
