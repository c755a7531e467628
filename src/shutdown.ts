// Process lifetime: SIGTERM/SIGINT run a graceful stop bounded by a hard deadline, then exit
// explicitly (aws-crt's native threads can keep Node alive or abort on a natural exit), and a
// stray promise rejection is logged instead of killing the bridge.

export interface ShutdownOptions {
  stop: () => Promise<void>;
  log: (line: string, fields?: Record<string, unknown>) => void;
  /** Hard limit for the graceful stop; the add-on's Docker stop timeout is 30 s. */
  deadlineMs?: number;
}

/**
 * The graceful stop's hard limit. The image's S6_SERVICES_GRACETIME waits longer than this before
 * s6 sends SIGKILL, and config.yaml's `timeout` longer still (a test holds the three in order).
 */
export const SHUTDOWN_DEADLINE_MS = 15_000;

let installed = false;

export function installShutdown(options: ShutdownOptions): void {
  if (installed) return;
  installed = true;
  let stopping = false;
  const deadlineMs = options.deadlineMs ?? SHUTDOWN_DEADLINE_MS;
  const shutdown = (signal: string) => {
    if (stopping) {
      options.log(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    options.log(`${signal} received: shutting down`);
    const timer = setTimeout(() => {
      options.log(`shutdown took longer than ${deadlineMs} ms: exiting anyway`);
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    options
      .stop()
      .then(() => process.exit(process.exitCode ?? 0))
      .catch((error: unknown) => {
        options.log('shutdown failed', { err: error });
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => {
    options.log('unhandled promise rejection (ignored)', { err: reason });
  });
}
