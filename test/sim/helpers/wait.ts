// Polling for a condition with a deadline, instead of fixed sleeps.

/** Polls `probe` every 20 ms until it returns something or `timeoutMs` passes. */
export async function waitFor<T>(
  probe: () => T | undefined | false,
  timeoutMs: number,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
