// Commands through outages: queued in order, delivered after reconnect, bounded and counted.

import { afterEach, describe, expect, it } from 'vitest';
import { type CloudStack, MAC, startStack, statusFlows, waitFor } from '../helpers/cloudStack.js';

let stack: CloudStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const DHW_TEMPERATURE = 33554464;

function temperatures(s: CloudStack): number[] {
  return (s.sim.device(MAC)?.receivedCommands() ?? [])
    .filter((c) => c.command === DHW_TEMPERATURE)
    .map((c) => c.param?.[0] ?? -1);
}

describe('command queue through outages', () => {
  it('delivers 200 commands issued during a 10 s outage, in order, after reconnect', async () => {
    stack = await startStack({ link: { flushRatePerSecond: 50 } });
    const s = stack;
    s.start();
    await waitFor('first connection', () => s.link.isConnected());
    await statusFlows(s);
    s.sim.faults.refuseConnections(true);
    s.sim.faults.hangUpAll();
    await waitFor('the outage', () => !s.link.isConnected());
    const sent: number[] = [];
    const outageStarted = Date.now();
    for (let i = 0; i < 200; i++) {
      // Half-°C raw values 81–130 (the device's range), °C on the HA side.
      const raw = 81 + (i % 50);
      sent.push(raw);
      const outcome = s.cloud.sendCommand(MAC, { kind: 'dhw_temperature', value: raw / 2, unit: 'C' });
      expect(outcome).toEqual({ ok: true, delivery: 'queued' });
      await new Promise((r) => setTimeout(r, 40));
    }
    expect(s.queue.size).toBe(200);
    expect(s.collector.getMetrics().messages_queued).toBe(200);
    await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - outageStarted))));
    expect(temperatures(s)).toEqual([]);
    s.sim.faults.refuseConnections(false);
    await waitFor('all 200 delivered', () => temperatures(s).length >= 200, 30_000);
    expect(temperatures(s)).toEqual(sent);
    await waitFor('the queue emptied', () => s.queue.size === 0);
    expect(s.collector.getCounters().queue_dropped_overflow).toBe(0);
    expect(s.collector.getCounters().queue_dropped_expired).toBe(0);
  }, 60_000);

  it('counts queue overflow and expiry instead of losing commands silently', async () => {
    stack = await startStack({ queue: { maxSize: 10, maxAgeMs: 1_500 } });
    const s = stack;
    s.start();
    await waitFor('first connection', () => s.link.isConnected());
    s.sim.faults.refuseConnections(true);
    s.sim.faults.hangUpAll();
    await waitFor('the outage', () => !s.link.isConnected());
    for (let i = 0; i < 15; i++) s.cloud.sendCommand(MAC, { kind: 'dhw_temperature', value: 50, unit: 'C' });
    expect(s.collector.getCounters().queue_dropped_overflow).toBe(5);
    expect(s.log.text()).toContain('command queue full: dropped the oldest queued command');
    await new Promise((r) => setTimeout(r, 1_800));
    s.sim.faults.refuseConnections(false);
    await waitFor('reconnected', () => s.link.isConnected());
    await waitFor('expired commands counted', () => s.collector.getCounters().queue_dropped_expired === 10);
    expect(temperatures(s)).toEqual([]);
    expect(s.log.text()).toContain('dropped a queued command older than max_queued_command_age');
  });

  it('flushes commands queued before the first connection (nwp500-python bug 9.8)', async () => {
    stack = await startStack();
    const s = stack;
    s.sim.faults.refuseConnections(true);
    s.start();
    await waitFor('the device list', () => s.cloud.devices().length === 1);
    expect(s.cloud.sendCommand(MAC, { kind: 'power', on: false })).toEqual({ ok: true, delivery: 'queued' });
    s.sim.faults.refuseConnections(false);
    await waitFor('the queued command delivered', () =>
      (s.sim.device(MAC)?.receivedCommands() ?? []).some((c) => c.command === 33554433),
    );
  });

  it('keeps queued commands across a restart within the age limit', async () => {
    stack = await startStack();
    const s = stack;
    s.sim.faults.refuseConnections(true);
    s.start();
    await waitFor('the device list', () => s.cloud.devices().length === 1);
    s.cloud.sendCommand(MAC, { kind: 'dhw_mode', mode: 'high_demand' });
    await s.queue.settle();
    await s.cloud.stop();
    const restarted = await startStack({ simulator: s.sim, dataDir: s.dataDir });
    try {
      await restarted.queue.load();
      expect(restarted.queue.size).toBe(1);
      s.sim.faults.refuseConnections(false);
      restarted.start();
      await waitFor('the restored command delivered', () =>
        (s.sim.device(MAC)?.receivedCommands() ?? []).some(
          (c) => c.mode === 'dhw-mode' && c.param?.[0] === 4,
        ),
      );
    } finally {
      await restarted.close();
    }
  });

  it('refuses a command out of the device range with a reason, and sends nothing', async () => {
    stack = await startStack();
    const s = stack;
    s.start();
    await waitFor('feature known', () => Boolean(s.cloud.device(MAC)?.feature));
    const before = s.sim.device(MAC)?.receivedCommands().length ?? 0;
    const outcome = s.cloud.sendCommand(MAC, { kind: 'dhw_temperature', value: 200, unit: 'F' });
    expect(outcome.ok).toBe(false);
    expect(outcome.ok === false && outcome.code).toBe('out_of_range');
    await new Promise((r) => setTimeout(r, 300));
    const after = s.sim.device(MAC)?.receivedCommands().slice(before) ?? [];
    expect(after.filter((c) => c.command === DHW_TEMPERATURE)).toEqual([]);
    expect(s.collector.getCounters().commands_refused_by_reason.out_of_range).toBe(1);
  });
});
