// Exponential backoff with ±50 % jitter: the one delay formula for every retry loop in the bridge.

export interface BackoffPolicy {
  /** Delay before the first retry, in milliseconds. */
  initialMs: number;
  /** Upper bound for any delay, jitter included, in milliseconds. */
  maxMs: number;
  /** Growth factor per attempt (2 = doubling). */
  multiplier?: number;
}

/**
 * Delay before retry number `attempt` (1-based). Jitter spreads a fleet of bridges that lost the
 * cloud at the same moment (AWS cuts every WebSocket at 24 h) so they do not reconnect in lockstep.
 */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const multiplier = policy.multiplier ?? 2;
  const exponent = Math.max(0, Math.min(attempt - 1, 60));
  const nominal = Math.min(policy.initialMs * multiplier ** exponent, policy.maxMs);
  const jittered = nominal * (0.5 + random());
  return Math.max(0, Math.min(jittered, policy.maxMs));
}
