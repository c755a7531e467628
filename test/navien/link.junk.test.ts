// Junk from the cloud on every topic the bridge listens on — an empty message, a malformed one and
// one over 128 KB — over a real aws-crt connection to the simulator: each is counted and logged,
// the process stays up (a zero-byte message used to abort it inside aws-crt), and the link keeps
// carrying status and commands afterwards.

import { afterEach, describe, expect, it } from 'vitest';
import { inboundTopics, JUNK_KINDS } from '../../src/sim/index.js';
import { type CloudStack, MAC, startStack, statusFlows, waitFor } from '../helpers/cloudStack.js';

let stack: CloudStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('junk from the cloud', () => {
  it('counts and logs an empty, a malformed and an oversized message on each inbound topic, and keeps working', async () => {
    const s = await startStack();
    stack = s;
    s.start();
    await waitFor('first connection', () => s.link.isConnected());
    await statusFlows(s);
    const topics = inboundTopics(s.auth.clientId(), [MAC]);
    expect(topics).toHaveLength(5);
    const before = s.cloud.malformedMessages();
    for (const topic of topics) {
      for (const kind of JUNK_KINDS) expect(s.sim.faults.sendJunk(kind, topic)).toBe(true);
    }
    const sent = topics.length * JUNK_KINDS.length;
    await waitFor(`${sent} junk messages counted`, () => s.cloud.malformedMessages() - before >= sent);
    expect(s.cloud.malformedMessages() - before).toBe(sent);
    const text = s.log.text();
    expect(text).toContain('ignored a cloud message that is not JSON');
    expect(text).toContain('ignored an oversized cloud message');
    expect(text).not.toContain('could not be handled');

    // Still connected on the same connection, still hearing the device, still delivering commands.
    expect(s.collector.getMetrics().total_connection_drops).toBe(0);
    await statusFlows(s);
    const received = s.sim.device(MAC)?.receivedCommands().length ?? 0;
    const outcome = s.cloud.sendCommand(MAC, { kind: 'dhw_temperature', value: 125, unit: 'F' });
    expect(outcome.ok).toBe(true);
    await waitFor('the command reached the device', () =>
      (s.sim.device(MAC)?.receivedCommands().slice(received) ?? []).some(
        (c) => c.name === 'dhwTemperature' && c.outcome === 'applied',
      ),
    );
  });
});
