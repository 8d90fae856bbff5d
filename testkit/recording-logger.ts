/**
 * A @slack/logger-compatible logger (Bolt `logger`, WebClient `logger`) that prints nothing and keeps
 * what was logged, so tests stay quiet yet can assert on e.g. the error Bolt logged for a failed listener.
 */
import { LogLevel, type Logger } from '@slack/bolt';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  private level: LogLevel = LogLevel.DEBUG;
  private name = 'test';

  debug(...msg: unknown[]): void {
    this.push('debug', msg);
  }
  info(...msg: unknown[]): void {
    this.push('info', msg);
  }
  warn(...msg: unknown[]): void {
    this.push('warn', msg);
  }
  error(...msg: unknown[]): void {
    this.push('error', msg);
  }
  setLevel(level: LogLevel): void {
    this.level = level;
  }
  getLevel(): LogLevel {
    return this.level;
  }
  setName(name: string): void {
    this.name = name;
  }

  /** Messages at `level` (all levels when omitted). */
  messages(level?: LogEntry['level']): string[] {
    return this.entries.filter((e) => level === undefined || e.level === level).map((e) => e.message);
  }

  clear(): void {
    this.entries.length = 0;
  }

  private push(level: LogEntry['level'], msg: unknown[]): void {
    // Bolt calls setLevel(logLevel) on a given logger; keep debug chatter out of memory unless asked for.
    const order = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];
    if (order.indexOf(level as LogLevel) < order.indexOf(this.level)) return;
    const message = msg.map(describe).join(' ');
    this.entries.push({ level, message: `${this.name === 'test' ? '' : `[${this.name}] `}${message}` });
    if (this.entries.length > 5000) this.entries.splice(0, 1000);
  }
}
