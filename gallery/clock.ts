/**
 * A fixed clock for the gallery: every `new Date()`, `Date.now()` and luxon `DateTime.now()/utc()` in
 * this process reads the same instant until `set()` moves it, so the screens (relative times, trial
 * expiry dates, reminder and lapse times) are the same on every run. Timers are untouched: Node's
 * setTimeout/setInterval do not read `Date`.
 */
const RealDate = Date;

export interface FixedClock {
  /** The instant every clock in the process shows now. */
  now(): Date;
  set(iso: string): void;
  /** Puts the real `Date` back. */
  restore(): void;
}

export function installFixedClock(iso: string): FixedClock {
  let current = parse(iso);
  // A subclass keeps `instanceof Date`, parsing and every method; only "now" is fixed.
  class FixedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(current);
      else super(...(args as [string]));
    }
    static override now(): number {
      return current;
    }
    // Dates made before the clock was installed (module constants) are still dates.
    static override [Symbol.hasInstance](value: unknown): boolean {
      return value instanceof RealDate;
    }
  }
  globalThis.Date = FixedDate as DateConstructor;
  return {
    now: () => new RealDate(current),
    set(next: string) {
      current = parse(next);
    },
    restore() {
      globalThis.Date = RealDate;
    },
  };
}

function parse(iso: string): number {
  const ms = RealDate.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`gallery clock: not an ISO instant: ${iso}`);
  return ms;
}
