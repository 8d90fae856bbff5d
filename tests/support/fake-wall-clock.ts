/**
 * A fake wall clock for the whole bot under test: only `Date` is faked, from `now` on; timers,
 * microtasks and the monotonic clock stay real, so the bot runs as usual while a test moves the
 * date on with `jest.setSystemTime`. Undo with `jest.useRealTimers()`.
 */
export function useFakeWallClock(now: Date = new Date()): void {
  jest.useFakeTimers({
    now,
    advanceTimers: true,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
}
