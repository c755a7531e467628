// Every wait on the network gets a deadline: a promise that may never settle (a hung handshake,
// an operation on a socket nobody answers) becomes a failure its owner can act on.

import type { Clock } from './clock.js';

/** A wait that did not finish in time. `what` names the operation, for logs and diagnostics. */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what}: no answer within ${ms < 10_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`);
  }
}

/**
 * Settles like `promise`, or rejects with a DeadlineError after `ms` on `clock`, whichever comes
 * first. The timer is cleared as soon as either happens, so nothing lingers; a late rejection of
 * `promise` is swallowed (its owner has already moved on). `onTimeout` runs once, when the
 * deadline wins, for clean-up of what was waited on (abandoning a connection).
 */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  clock: Clock,
  onTimeout?: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = clock.setTimeout(() => {
      if (done) return;
      done = true;
      try {
        onTimeout?.();
      } finally {
        reject(new DeadlineError(what, ms));
      }
    }, ms);
    promise.then(
      (value) => {
        if (done) return;
        done = true;
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (done) return;
        done = true;
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}
