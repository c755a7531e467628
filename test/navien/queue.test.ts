// The command queue on a virtual clock: one command in flight per heater, in order, heaters
// independent; supersede; a deadline on every publish; the status, not the PUBACK, decides
// "done"; age limit on a timer and at start-up; the accounting and its invariant, kept on disk.

import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unaccounted } from '../../src/navien/commandLedger.js';
import { ManualClock } from '../../src/util/clock.js';
import { MAC_A, MAC_B, QueueRig } from './queueRig.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nwp500-queue-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('order: one command in flight per heater', () => {
  it('sends a heater its commands one at a time, in the order they were asked', async () => {
    const rig = new QueueRig();
    rig.answer.set(MAC_A, 'hang');
    await rig.connect();
    rig.enqueue(MAC_A, 'power', 1);
    rig.enqueue(MAC_A, 'dhw_mode', 3);
    rig.enqueue(MAC_A, 'tou', 1);
    await rig.kick();
    await rig.advance(500);
    expect(rig.sent()).toEqual(['power 1']);
    for (const expected of [
      ['power 1', 'dhw_mode 3'],
      ['power 1', 'dhw_mode 3', 'tou 1'],
    ]) {
      rig.publishes.at(-1)?.ack();
      await rig.advance(200);
      expect(rig.sent()).toEqual(expected);
    }
    rig.publishes.at(-1)?.ack();
    await rig.advance(200);
    expect(rig.queue.size).toBe(0);
    expect(rig.queue.accounting()).toMatchObject({ accepted: 3, delivered: 3, in_queue: 0 });
  });

  it('keeps heaters independent: one that never answers holds up no other', async () => {
    const rig = new QueueRig({ publishTimeoutMs: 60_000 });
    rig.answer.set(MAC_A, 'hang');
    await rig.connect();
    rig.enqueue(MAC_A, 'dhw_temperature', 120);
    rig.enqueue(MAC_A, 'dhw_mode', 1);
    for (let i = 0; i < 5; i++) rig.enqueue(MAC_B, `kind${i}`, i);
    await rig.kick();
    await rig.advance(2_000);
    expect(rig.sent(MAC_B)).toEqual(['kind0 0', 'kind1 1', 'kind2 2', 'kind3 3', 'kind4 4']);
    expect(rig.sent(MAC_A)).toEqual(['dhw_temperature 120']);
    expect(rig.queue.pendingFor(MAC_A).map((p) => p.state)).toEqual(['in_flight', 'queued']);
    expect(rig.queue.pendingFor(MAC_B)).toEqual([]);
  });

  it('never applies an older command after a newer one: a timed-out publish stays first in line (issue case 2)', async () => {
    const rig = new QueueRig({ publishTimeoutMs: 10_000 });
    rig.answer.set(MAC_A, 'hang');
    await rig.connect();
    // 120 °F (raw 97) goes out and its PUBACK never comes; 130 °F (raw 108) is a different kind of
    // command here (no supersede) so both must arrive, and in order.
    rig.enqueue(MAC_A, 'dhw_temperature', 97, { supersede: false });
    rig.enqueue(MAC_A, 'dhw_temperature', 108, { supersede: false });
    await rig.kick();
    await rig.advance(9_000);
    expect(rig.sent()).toEqual(['dhw_temperature 97']);
    rig.answer.set(MAC_A, 'ack');
    // The deadline passes: the first is given up and sent again, before the second.
    await rig.advance(3_000);
    expect(rig.sent()).toEqual(['dhw_temperature 97', 'dhw_temperature 97', 'dhw_temperature 108']);
    // The first attempt's late PUBACK changes nothing.
    rig.publishes[0]?.ack();
    await rig.advance(500);
    expect(rig.queue.accounting()).toMatchObject({ accepted: 2, delivered: 2, in_queue: 0 });
    expect(rig.log.text()).toContain('no PUBACK within 10 s');
  });

  it('sends a command whose connection was replaced again at once on the new connection', async () => {
    const rig = new QueueRig({ publishTimeoutMs: 60_000 });
    rig.answer.set(MAC_A, 'hang');
    await rig.connect();
    rig.enqueue(MAC_A, 'dhw_mode', 4);
    rig.enqueue(MAC_A, 'power', 2);
    await rig.kick();
    await rig.advance(200);
    rig.disconnect();
    rig.answer.set(MAC_A, 'ack');
    await rig.connect();
    await rig.advance(200);
    expect(rig.publishes.map((p) => `${p.command.description}@${p.connection}`)).toEqual([
      'dhw_mode 4@1',
      'dhw_mode 4@2',
      'power 2@2',
    ]);
    expect(rig.queue.size).toBe(0);
  });

  it('retries a publish that failed on a live connection after a pause, not in a tight loop', async () => {
    const rig = new QueueRig({ retryDelayMs: 1_000 });
    rig.answer.set(MAC_A, 'fail');
    await rig.connect();
    rig.enqueue(MAC_A, 'tou', 2);
    await rig.kick();
    await rig.advance(2_900);
    // Sent at 0, again after 1 s, and after 2 s more (at 3 s).
    expect(rig.sent()).toEqual(['tou 2', 'tou 2']);
    await rig.advance(300);
    expect(rig.sent()).toEqual(['tou 2', 'tou 2', 'tou 2']);
    rig.answer.set(MAC_A, 'ack');
    await rig.advance(4_100);
    expect(rig.queue.size).toBe(0);
  });
});

describe('the defaults DOCS.md states', () => {
  const defaults = {
    publishTimeoutMs: undefined,
    confirmTimeoutMs: undefined,
    maxSends: undefined,
    retryDelayMs: undefined,
  };

  it('waits 35 s for a PUBACK, then sends again after 1 s', async () => {
    const rig = new QueueRig(defaults);
    rig.answer.set(MAC_A, 'hang');
    await rig.connect();
    rig.enqueue(MAC_A, 'power', 1);
    await rig.kick();
    await rig.advance(34_900, 500);
    expect(rig.sent()).toHaveLength(1);
    await rig.advance(1_200, 100);
    expect(rig.sent()).toHaveLength(2);
  });

  it('pauses 1 s, doubling to at most 30 s, between sends that fail on a live connection', async () => {
    const rig = new QueueRig(defaults);
    rig.answer.set(MAC_A, 'fail');
    await rig.connect();
    rig.enqueue(MAC_A, 'power', 1);
    await rig.kick();
    const times: number[] = [];
    let seen = 0;
    for (let t = 0; t < 130_000; t += 100) {
      await rig.advance(100, 100);
      if (rig.publishes.length > seen) {
        seen = rig.publishes.length;
        times.push(rig.clock.monotonic());
      }
    }
    const gaps = times.slice(1).map((t, i) => Math.round((t - (times[i] as number)) / 1000));
    expect(gaps).toEqual([1, 2, 4, 8, 16, 30, 30, 30]);
  });

  it('waits 15 s for a status after each PUBACK, three sends in all, then counts it unconfirmed', async () => {
    const rig = new QueueRig(defaults);
    await rig.connect();
    rig.enqueue(MAC_A, 'dhwOperationSetting', 1, { confirm: true });
    await rig.kick();
    await rig.advance(14_900, 500);
    expect(rig.sent()).toHaveLength(1);
    await rig.advance(29_100, 100);
    expect(rig.sent()).toHaveLength(3);
    expect(rig.queue.accounting().unconfirmed).toBe(0);
    await rig.advance(2_000, 100);
    expect(rig.queue.accounting().unconfirmed).toBe(1);
  });
});

describe('supersede', () => {
  it('replaces a queued command by a newer one of the same kind, counted and logged once', async () => {
    const rig = new QueueRig();
    rig.enqueue(MAC_A, 'dhw_temperature', 100);
    rig.enqueue(MAC_A, 'dhw_mode', 3);
    rig.enqueue(MAC_A, 'dhw_temperature', 110);
    rig.enqueue(MAC_B, 'dhw_temperature', 90);
    rig.enqueue(MAC_A, 'dhw_temperature', 120);
    expect(rig.queue.pendingFor(MAC_A).map((p) => p.description)).toEqual([
      'dhw_mode 3',
      'dhw_temperature 120',
    ]);
    expect(rig.queue.pendingFor(MAC_B).map((p) => p.description)).toEqual(['dhw_temperature 90']);
    expect(rig.queue.accounting()).toMatchObject({ accepted: 5, superseded: 2, in_queue: 3 });
    const lines = rig.log
      .records()
      .filter((r) => r.msg === 'a newer command for the same setting replaced a queued one');
    expect(lines.map((r) => r.command)).toEqual(['dhw_temperature 100', 'dhw_temperature 110']);
    await rig.connect();
    await rig.advance(500);
    expect(rig.sent(MAC_A)).toEqual(['dhw_mode 3', 'dhw_temperature 120']);
  });

  it('supersedes a command waiting to be sent again after a failed send', async () => {
    const rig = new QueueRig({ retryDelayMs: 5_000 });
    rig.answer.set(MAC_A, 'fail');
    await rig.connect();
    rig.enqueue(MAC_A, 'dhw_temperature', 100);
    await rig.kick();
    await rig.advance(1_000);
    expect(rig.queue.pendingFor(MAC_A).map((p) => p.state)).toEqual(['queued']);
    rig.answer.set(MAC_A, 'ack');
    rig.enqueue(MAC_A, 'dhw_temperature', 110);
    await rig.kick();
    await rig.advance(500);
    expect(rig.sent()).toEqual(['dhw_temperature 100', 'dhw_temperature 110']);
    expect(rig.queue.accounting()).toMatchObject({ accepted: 2, superseded: 1, delivered: 1, in_queue: 0 });
  });

  it('never supersedes the command in flight, nor commands without a supersede key', async () => {
    const rig = new QueueRig();
    rig.answer.set(MAC_A, 'hang');
    await rig.connect();
    rig.enqueue(MAC_A, 'dhw_temperature', 100);
    await rig.kick();
    rig.enqueue(MAC_A, 'dhw_temperature', 110);
    rig.enqueue(MAC_A, 'reservation_write', 1, { supersede: false });
    rig.enqueue(MAC_A, 'reservation_write', 2, { supersede: false });
    expect(rig.queue.pendingFor(MAC_A).map((p) => `${p.description} ${p.state}`)).toEqual([
      'dhw_temperature 100 in_flight',
      'dhw_temperature 110 queued',
      'reservation_write 1 queued',
      'reservation_write 2 queued',
    ]);
    expect(rig.queue.accounting().superseded).toBe(0);
  });
});

describe('confirmation: the device decides "done"', () => {
  it('waits for a status that shows the command; the PUBACK alone is not enough', async () => {
    const rig = new QueueRig({ confirmTimeoutMs: 5_000 });
    await rig.connect();
    rig.enqueue(MAC_A, 'dhwTemperatureSetting', 108, { confirm: true });
    rig.enqueue(MAC_A, 'tou', 1);
    await rig.kick();
    await rig.advance(1_000);
    expect(rig.queue.pendingFor(MAC_A).map((p) => p.state)).toEqual(['awaiting_confirmation', 'queued']);
    rig.status(MAC_A, { dhwTemperatureSetting: 97 });
    await rig.advance(200);
    expect(rig.sent()).toEqual(['dhwTemperatureSetting 108']);
    rig.status(MAC_A, { dhwTemperatureSetting: 108 });
    await rig.advance(200);
    expect(rig.sent()).toEqual(['dhwTemperatureSetting 108', 'tou 1']);
    expect(rig.queue.accounting()).toMatchObject({ delivered: 2, unconfirmed: 0, in_queue: 0 });
  });

  it('sends again when no status confirms in time, then counts it unconfirmed and moves on', async () => {
    const rig = new QueueRig({ confirmTimeoutMs: 5_000, maxSends: 3 });
    await rig.connect();
    rig.enqueue(MAC_A, 'dhwOperationSetting', 1, { confirm: true });
    rig.enqueue(MAC_A, 'tou', 1);
    await rig.kick();
    await rig.advance(16_000);
    expect(rig.sent()).toEqual([
      'dhwOperationSetting 1',
      'dhwOperationSetting 1',
      'dhwOperationSetting 1',
      'tou 1',
    ]);
    expect(rig.queue.accounting()).toMatchObject({ accepted: 2, delivered: 1, unconfirmed: 1, in_queue: 0 });
    expect(rig.log.text()).toContain('the heater never showed a command it was sent');
  });

  it('takes a confirming status that overtakes the PUBACK', async () => {
    const rig = new QueueRig();
    rig.answer.set(MAC_A, 'hang');
    await rig.connect();
    rig.enqueue(MAC_A, 'recircOperationMode', 2, { confirm: true });
    await rig.kick();
    rig.status(MAC_A, { recircOperationMode: 2 });
    await rig.advance(200);
    expect(rig.queue.accounting()).toMatchObject({ delivered: 1, in_queue: 0 });
    rig.publishes[0]?.ack();
    await rig.advance(200);
    expect(rig.queue.accounting()).toMatchObject({ delivered: 1, unconfirmed: 0 });
  });
});

describe('age limit', () => {
  it('drops waiting commands past max_queued_command_age on its own timer, while the link is down', async () => {
    const rig = new QueueRig({ maxAgeMs: 60_000 });
    rig.enqueue(MAC_A, 'power', 1);
    await rig.advance(45_000, 1_000);
    rig.enqueue(MAC_B, 'power', 2);
    await rig.advance(16_000, 1_000);
    expect(rig.queue.size).toBe(1);
    expect(rig.drops).toEqual(['expired:power 1']);
    expect(rig.queue.accounting().oldest_queued_age_ms).toBe(16_000);
    await rig.connect();
    await rig.advance(200);
    expect(rig.sent()).toEqual(['power 2']);
  });

  it('drops a stuck head command at its age limit instead of keeping it forever (issue case 1)', async () => {
    const rig = new QueueRig({ maxAgeMs: 30_000, publishTimeoutMs: 10_000 });
    rig.answer.set(MAC_A, 'hang');
    await rig.connect();
    rig.enqueue(MAC_A, 'dhw_mode', 1);
    await rig.kick();
    rig.disconnect();
    await rig.advance(31_000, 500);
    expect(rig.queue.size).toBe(0);
    expect(rig.queue.accounting()).toMatchObject({ accepted: 1, expired: 1, in_queue: 0 });
  });

  it('uses the monotonic clock while running: a wall-clock step does not age a command', async () => {
    const clock = new ManualClock();
    const rig = new QueueRig({ maxAgeMs: 60_000 }, clock);
    rig.enqueue(MAC_A, 'power', 1);
    clock.jumpWall(3_600_000);
    await rig.advance(1_000);
    expect(rig.queue.size).toBe(1);
    expect(rig.queue.accounting().oldest_queued_age_ms).toBe(1_000);
  });
});

describe('across restarts', () => {
  it('keeps the queue and the counters; drops what passed the age limit meanwhile, never sending it', async () => {
    const path = join(dir, 'command_queue.json');
    const clock = new ManualClock();
    const first = new QueueRig({ path, maxAgeMs: 300_000 }, clock);
    first.queue.noteRefused();
    first.queue.noteRetainedIgnored();
    first.enqueue(MAC_A, 'dhw_mode', 4);
    first.enqueue(MAC_A, 'dhw_mode', 1); // supersedes 4
    await first.advance(200_000, 10_000);
    first.enqueue(MAC_B, 'power', 2);
    await first.queue.stop();
    clock.advance(120_000);
    const second = new QueueRig({ path, maxAgeMs: 300_000 }, clock);
    await second.queue.load();
    expect(second.queue.pendingFor(MAC_B).map((p) => p.description)).toEqual(['power 2']);
    expect(second.queue.pendingFor(MAC_A)).toEqual([]);
    expect(second.drops).toEqual(['expired:dhw_mode 1']);
    expect(second.log.text()).toContain('older than max_queued_command_age at start-up');
    const accounting = second.queue.accounting();
    expect(accounting).toMatchObject({
      accepted: 3,
      superseded: 1,
      expired: 1,
      refused: 1,
      ignored_retained: 1,
      in_queue: 1,
    });
    expect(unaccounted(accounting)).toBe(0);
    await second.connect();
    await second.advance(500);
    expect(second.sent()).toEqual(['power 2']);
    await second.queue.stop();
    const saved = JSON.parse(await readFile(path, 'utf8')) as { commands: unknown[]; counters: object };
    expect(saved.commands).toEqual([]);
    expect(saved.counters).toMatchObject({ accepted: 3, delivered: 1, expired: 1 });
  });

  it('sends a command that was on its way at shutdown again after the restart (at least once)', async () => {
    const path = join(dir, 'command_queue.json');
    const clock = new ManualClock();
    const first = new QueueRig({ path }, clock);
    first.answer.set(MAC_A, 'hang');
    await first.connect();
    first.enqueue(MAC_A, 'dhw_mode', 2);
    first.enqueue(MAC_A, 'power', 1);
    await first.kick();
    expect(first.queue.pendingFor(MAC_A).map((p) => p.state)).toEqual(['in_flight', 'queued']);
    await first.queue.stop();
    const second = new QueueRig({ path }, clock);
    await second.queue.load();
    await second.connect();
    await second.advance(500);
    expect(second.sent()).toEqual(['dhw_mode 2', 'power 1']);
    expect(second.queue.accounting()).toMatchObject({ accepted: 2, delivered: 2, in_queue: 0 });
  });

  it('measures the age across a restart by the wall clock from when HA asked', async () => {
    const path = join(dir, 'command_queue.json');
    const clock = new ManualClock();
    const first = new QueueRig({ path, maxAgeMs: 300_000 }, clock);
    first.enqueue(MAC_A, 'power', 1);
    await first.queue.stop();
    // The process is gone for 4 minutes: a new process starts its monotonic clock afresh.
    const later = new ManualClock(clock.now() + 240_000);
    const second = new QueueRig({ path, maxAgeMs: 300_000 }, later);
    await second.queue.load();
    expect(second.queue.accounting().oldest_queued_age_ms).toBe(240_000);
    await second.advance(61_000, 1_000);
    expect(second.queue.accounting()).toMatchObject({ expired: 1, in_queue: 0 });
  });

  it("keeps a command's age across a restart when the wall clock stepped back before it", async () => {
    const path = join(dir, 'command_queue.json');
    const clock = new ManualClock();
    const first = new QueueRig({ path, maxAgeMs: 300_000 }, clock);
    first.enqueue(MAC_A, 'power', 1);
    await first.advance(50_000, 10_000);
    // NTP steps the clock back two hours, then the add-on restarts 50 s later.
    clock.jumpWall(-7_200_000);
    await first.advance(50_000, 10_000);
    await first.queue.stop();
    const later = new ManualClock(clock.now() + 10_000);
    const second = new QueueRig({ path, maxAgeMs: 300_000 }, later);
    await second.queue.load();
    // 110 s old, as it is: not made two hours younger by the step.
    expect(second.queue.accounting().oldest_queued_age_ms).toBe(110_000);
    await second.advance(191_000, 1_000);
    expect(second.queue.accounting()).toMatchObject({ expired: 1, in_queue: 0 });
  });

  it('reads a 0.1 queue file: its commands count as accepted', async () => {
    const path = join(dir, 'command_queue.json');
    const clock = new ManualClock();
    await writeFile(
      path,
      JSON.stringify({
        format: 'nwp500-bridge/command-queue',
        version: 1,
        commands: [
          {
            id: 'x',
            device: MAC_A,
            description: 'power true',
            topic: 't',
            payload: '{}',
            createdAt: clock.now() - 1_000,
          },
        ],
      }),
    );
    const rig = new QueueRig({ path }, clock);
    await rig.queue.load();
    expect(rig.queue.accounting()).toMatchObject({ accepted: 1, in_queue: 1 });
    expect(rig.queue.pendingFor(MAC_A)[0]).toMatchObject({ kind: 'command', state: 'queued' });
  });

  it('moves a corrupt queue file aside instead of failing', async () => {
    const path = join(dir, 'queue.json');
    await writeFile(path, '{"format": "nwp500-bridge/command-queue", "version": 2, "commands": [');
    const rig = new QueueRig({ path });
    await rig.queue.load();
    expect(rig.queue.size).toBe(0);
    expect(rig.log.text()).toContain('the queued commands were not valid JSON; the file was moved aside');
    await writeFile(path, JSON.stringify({ something: 'else' }));
    await rig.queue.load();
    expect(rig.log.text()).toContain('the queued commands had an unexpected shape; the file was moved aside');
  });

  it('keeps the queue file private (mode 0600)', async () => {
    const path = join(dir, 'queue.json');
    const rig = new QueueRig({ path });
    rig.enqueue(MAC_A, 'power', 1);
    await rig.queue.settle();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});

describe('bounds and counters', () => {
  it('drops the oldest waiting command beyond max_queued_commands, and counts and logs it', () => {
    const rig = new QueueRig({ maxSize: 3 });
    for (let i = 0; i < 5; i++) rig.enqueue(MAC_A, 'reservation_write', i, { supersede: false });
    expect(rig.queue.size).toBe(3);
    expect(rig.drops).toEqual(['overflow:reservation_write 0', 'overflow:reservation_write 1']);
    expect(rig.queue.drops()).toEqual({ overflow: 2, expired: 0 });
    expect(rig.log.text()).toContain('command queue full: dropped the oldest queued command');
  });

  it('counts refusals and ignored retained messages outside the invariant', () => {
    const rig = new QueueRig();
    rig.queue.noteRefused();
    rig.queue.noteRefused();
    rig.queue.noteRetainedIgnored();
    const accounting = rig.queue.accounting();
    expect(accounting).toMatchObject({ accepted: 0, refused: 2, ignored_retained: 1, in_queue: 0 });
    expect(accounting.oldest_queued_age_ms).toBeNull();
    expect(unaccounted(accounting)).toBe(0);
  });

  it('leaves no timer behind once stopped', async () => {
    const rig = new QueueRig();
    rig.answer.set(MAC_A, 'hang');
    await rig.connect();
    rig.enqueue(MAC_A, 'power', 1);
    rig.enqueue(MAC_B, 'power', 1);
    await rig.kick();
    await rig.queue.stop();
    expect(rig.clock.pendingTimers()).toBe(0);
  });
});
