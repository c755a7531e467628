// The reconnect engine on the transport seam, driven by a virtual clock: no socket, no sleeping.
// What a deterministic simulation relies on — every timer of the engine is the injected clock's.

import { describe, expect, it } from 'vitest';
import { CloudLink } from '../../src/navien/connection.js';
import { ManualClock } from '../../src/util/clock.js';
import { captureLog } from '../helpers/logCapture.js';
import { ScriptedTransport, stubAuth, stubDiagnostics } from '../helpers/scriptedTransport.js';

/** Lets every settled promise run its continuations. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('cloud link on the transport seam', () => {
  it('connects, drops and retries on a virtual clock, through the injected transport factory', async () => {
    const clock = new ManualClock();
    const made: ScriptedTransport[] = [];
    const link = new CloudLink({
      url: 'wss://example.iot.us-east-1.amazonaws.com/mqtt',
      keepAliveSecs: 30,
      connectTimeoutMs: 10_000,
      reconnect: { initialMs: 1_000, maxMs: 8_000, deepThreshold: 5, maxAttempts: -1 },
      auth: stubAuth(),
      diagnostics: stubDiagnostics(),
      clock,
      log: captureLog('warn').logger,
      random: () => 0.5,
      transportFactory: (options, handlers) => {
        const t = new ScriptedTransport(options, handlers);
        made.push(t);
        return t;
      },
    });
    link.subscribe('cmd/x/#');
    link.start();
    await settle();
    expect(made).toHaveLength(1);
    expect(made[0]?.options.region).toBe('us-east-1');
    made[0]?.connecting.resolve(false);
    await settle();
    expect(link.state()).toBe('connected');
    expect(made[0]?.subscribed).toEqual(['cmd/x/#']);

    made[0]?.interrupt({ name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', code: 5134, message: 'gone' });
    expect(link.state()).toBe('reconnecting');
    expect(made[0]?.closed).toBe(true);
    // The retry waits on the virtual clock only: nothing happens until it moves.
    await settle();
    expect(made).toHaveLength(1);
    clock.advance(1_000);
    await settle();
    expect(made).toHaveLength(2);

    // A connect that never answers is abandoned when the virtual connect deadline passes.
    clock.advance(10_000);
    await settle();
    expect(made[1]?.abandoned).toBe(true);
    expect(link.state()).toBe('reconnecting');
    expect(clock.pendingTimers()).toBeGreaterThan(0);
    clock.advance(2_000);
    await settle();
    expect(made).toHaveLength(3);
    made[2]?.connecting.resolve(true);
    await settle();
    expect(link.state()).toBe('connected');
    await link.stop();
    expect(made[2]?.closed).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });
});
