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
  it('delivers the commands of a 10 s outage after reconnect, in order, the newest of each setting only', async () => {
    stack = await startStack({ link: { flushRatePerSecond: 50 } });
    const s = stack;
    s.start();
    await waitFor('first connection', () => s.link.isConnected());
    await statusFlows(s);
    s.sim.faults.refuseConnections(true);
    s.sim.faults.hangUpAll();
    await waitFor('the outage', () => !s.link.isConnected());
    const outageStarted = Date.now();
    const sent: number[] = [];
    for (let i = 0; i < 200; i++) {
      // Half-°C raw values 81–130 (the device's range), °C on the HA side.
      const raw = 81 + (i % 50);
      sent.push(raw);
      const outcome = s.cloud.sendCommand(MAC, { kind: 'dhw_temperature', value: raw / 2, unit: 'C' });
      expect(outcome).toEqual({ ok: true, delivery: 'queued' });
      await new Promise((r) => setTimeout(r, 20));
    }
    // Settings of different kinds keep their order; each supersedes only its own kind.
    s.cloud.sendCommand(MAC, { kind: 'tou', on: true });
    s.cloud.sendCommand(MAC, { kind: 'anti_legionella', on: false });
    s.cloud.sendCommand(MAC, { kind: 'dhw_mode', mode: 'heat_pump' });
    expect(s.queue.size).toBe(4);
    expect(s.queue.accounting()).toMatchObject({ accepted: 203, superseded: 199, in_queue: 4 });
    expect(s.collector.getMetrics().messages_queued).toBe(203);
    await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - outageStarted))));
    expect(temperatures(s)).toEqual([]);
    s.sim.faults.refuseConnections(false);
    await waitFor('the queue emptied', () => s.queue.size === 0, 30_000);
    const controls = (s.sim.device(MAC)?.receivedCommands() ?? [])
      .filter((c) => c.command >= 0x2000000)
      .map((c) => c.name);
    expect(controls).toEqual(['dhwTemperature', 'touOn', 'antiLegionellaOff', 'dhwMode']);
    expect(temperatures(s)).toEqual([sent.at(-1)]);
    expect(s.queue.accounting()).toMatchObject({ accepted: 203, superseded: 199, delivered: 4, in_queue: 0 });
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
    // Reservation writes never supersede each other, so 15 of them overflow a queue of 10.
    for (let i = 0; i < 15; i++)
      s.cloud.sendCommand(MAC, { kind: 'reservation_write', reservationUse: 2, entries: [] });
    expect(s.collector.getCounters().queue_dropped_overflow).toBe(5);
    expect(s.log.text()).toContain('command queue full: dropped the oldest queued command');
    // The age limit runs on its own timer: the queue empties while the link is still down.
    await waitFor(
      'expired commands counted',
      () => s.collector.getCounters().queue_dropped_expired === 10,
      5_000,
    );
    expect(s.queue.size).toBe(0);
    s.sim.faults.refuseConnections(false);
    await waitFor('reconnected', () => s.link.isConnected());
    await new Promise((r) => setTimeout(r, 500));
    expect(
      (s.sim.device(MAC)?.receivedCommands() ?? []).filter((c) => c.name === 'reservationWrite'),
    ).toEqual([]);
    expect(s.log.text()).toContain('dropped a queued command older than max_queued_command_age');
    expect(s.queue.accounting()).toMatchObject({ accepted: 15, overflow: 5, expired: 10, in_queue: 0 });
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

  it('with enable_command_queue off, refuses commands while the link is down, and counts them refused', async () => {
    stack = await startStack({ cloud: { holdWhileOffline: false } });
    const s = stack;
    s.start();
    await waitFor('first connection', () => s.link.isConnected());
    await waitFor('the device list', () => s.cloud.devices().length === 1);
    expect(s.cloud.sendCommand(MAC, { kind: 'tou', on: true })).toEqual({ ok: true, delivery: 'sent' });
    s.sim.faults.refuseConnections(true);
    s.sim.faults.hangUpAll();
    await waitFor('the outage', () => !s.link.isConnected());
    const outcome = s.cloud.sendCommand(MAC, { kind: 'power', on: false });
    expect(outcome).toMatchObject({ ok: false, code: 'offline' });
    expect(s.queue.accounting()).toMatchObject({ accepted: 1, refused: 1 });
    expect(s.collector.getCounters().commands_refused_by_reason.offline).toBe(1);
    s.sim.faults.refuseConnections(false);
    await waitFor('the queue empties', () => s.queue.size === 0);
    expect((s.sim.device(MAC)?.receivedCommands() ?? []).some((c) => c.command === 33554433)).toBe(false);
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
