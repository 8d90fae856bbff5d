/**
 * Retry an assertion until it passes or the time is up (then rethrow its last failure). For effects the
 * fake cannot see: the app logging, writing its store, or reacting to the answer of a call that
 * `fake.waitForCall` already returned (that resolves when the request arrives, before the app has the answer).
 */
export async function eventually<T>(
  assertion: () => T | Promise<T>,
  // The default waits long: it costs nothing when the effect comes, and a loaded machine delays it.
  { timeoutMs = 10_000, intervalMs = 10 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
