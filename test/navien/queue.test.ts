import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandQueue, type QueuedCommand } from '../../src/navien/queue.js';
import { ManualClock } from '../../src/util/clock.js';
import { captureLog } from '../helpers/logCapture.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nwp500-queue-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

function command(n: number) {
  return {
    device: 'aabbccddeeff',
    description: `cmd ${n}`,
    topic: 'cmd/52/navilink-aabbccddeeff/ctrl',
    payload: `{"n":${n}}`,
  };
}

function makeQueue(
  clock: ManualClock,
  overrides: Partial<{ maxSize: number; maxAgeMs: number; path: string }> = {},
) {
  const log = captureLog('debug');
  const drops: string[] = [];
  const queue = new CommandQueue({
    maxSize: overrides.maxSize ?? 200,
    maxAgeMs: overrides.maxAgeMs ?? 300_000,
    ...(overrides.path ? { path: overrides.path } : {}),
    clock,
    log: log.logger,
    onDrop: (reason, c) => drops.push(`${reason}:${c.description}`),
  });
  return { queue, log, drops };
}

describe('command queue', () => {
  it('publishes queued commands in order and removes each only when acknowledged', async () => {
    const { queue } = makeQueue(new ManualClock());
    for (let i = 0; i < 50; i++) queue.enqueue(command(i));
    const published: string[] = [];
    const result = await queue.flush(async (c) => void published.push(c.description), {
      ratePerSecond: 10_000,
    });
    expect(result).toEqual({ sent: 50, remaining: 0, failed: false });
    expect(published).toEqual(Array.from({ length: 50 }, (_, i) => `cmd ${i}`));
    expect(queue.size).toBe(0);
  });

  it('keeps unacknowledged commands, in order, for the next flush', async () => {
    const { queue } = makeQueue(new ManualClock());
    for (let i = 0; i < 5; i++) queue.enqueue(command(i));
    const first = await queue.flush(
      async (c) => {
        if (c.description === 'cmd 2') throw 'libaws-c-mqtt: AWS_ERROR_MQTT_TIMEOUT, timeout';
      },
      { window: 1, ratePerSecond: 10_000 },
    );
    expect(first).toEqual({ sent: 2, remaining: 3, failed: true });
    const published: string[] = [];
    await queue.flush(async (c) => void published.push(c.description), { ratePerSecond: 10_000 });
    expect(published).toEqual(['cmd 2', 'cmd 3', 'cmd 4']);
  });

  it('drops the oldest command beyond max_queued_commands, and counts and logs it', () => {
    const { queue, log, drops } = makeQueue(new ManualClock(), { maxSize: 3 });
    for (let i = 0; i < 5; i++) queue.enqueue(command(i));
    expect(queue.size).toBe(3);
    expect(drops).toEqual(['overflow:cmd 0', 'overflow:cmd 1']);
    expect(queue.drops()).toEqual({ overflow: 2, expired: 0 });
    expect(log.text()).toContain('command queue full: dropped the oldest queued command');
  });

  it('drops commands older than max_queued_command_age at flush time, and counts them', async () => {
    const clock = new ManualClock();
    const { queue, drops } = makeQueue(clock, { maxAgeMs: 60_000 });
    queue.enqueue(command(1));
    clock.advance(45_000);
    queue.enqueue(command(2));
    clock.advance(30_000);
    const published: string[] = [];
    await queue.flush(async (c) => void published.push(c.description), { ratePerSecond: 10_000 });
    expect(published).toEqual(['cmd 2']);
    expect(drops).toEqual(['expired:cmd 1']);
    expect(queue.drops().expired).toBe(1);
  });

  it('survives a restart within the age limit and forgets commands past it', async () => {
    const path = join(dir, 'queue.json');
    const clock = new ManualClock();
    const first = makeQueue(clock, { path, maxAgeMs: 300_000 });
    first.queue.enqueue(command(1));
    clock.advance(200_000);
    first.queue.enqueue(command(2));
    await first.queue.settle();
    clock.advance(120_000);
    const second = makeQueue(clock, { path, maxAgeMs: 300_000 });
    await second.queue.load();
    expect(second.queue.size).toBe(1);
    expect(second.drops).toEqual(['expired:cmd 1']);
    const published: QueuedCommand[] = [];
    await second.queue.flush(async (c) => void published.push(c), { ratePerSecond: 10_000 });
    expect(published.map((c) => c.payload)).toEqual(['{"n":2}']);
    await second.queue.settle();
    const saved = JSON.parse(await readFile(path, 'utf8')) as { commands: unknown[] };
    expect(saved.commands).toEqual([]);
  });

  it('moves a corrupt queue file aside instead of failing', async () => {
    const path = join(dir, 'queue.json');
    await writeFile(path, '{"format": "nwp500-bridge/command-queue", "version": 1, "commands": [');
    const { queue, log } = makeQueue(new ManualClock(), { path });
    await queue.load();
    expect(queue.size).toBe(0);
    expect(log.text()).toContain('the queued commands were not valid JSON; the file was moved aside');
    await writeFile(path, JSON.stringify({ something: 'else' }));
    await queue.load();
    expect(log.text()).toContain('the queued commands had an unexpected shape; the file was moved aside');
  });

  it('keeps the queue file private (mode 0600)', async () => {
    const path = join(dir, 'queue.json');
    const { queue } = makeQueue(new ManualClock(), { path });
    queue.enqueue(command(1));
    await queue.settle();
    const { stat } = await import('node:fs/promises');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});

describe('command queue flushes', () => {
  it('sends a command queued while a flush is finishing, without waiting for another trigger', async () => {
    const { queue } = makeQueue(new ManualClock());
    queue.enqueue(command(1));
    const published: string[] = [];
    let release: () => void = () => undefined;
    const slow = new Promise<void>((r) => {
      release = r;
    });
    const publish = async (c: QueuedCommand) => {
      published.push(c.description);
      if (c.description === 'cmd 1') await slow;
    };
    const first = queue.flush(publish, { ratePerSecond: 10_000 });
    await new Promise((r) => setTimeout(r, 10));
    queue.enqueue(command(2));
    void queue.flush(publish, { ratePerSecond: 10_000 });
    release();
    await first;
    await new Promise((r) => setTimeout(r, 20));
    expect(published).toEqual(['cmd 1', 'cmd 2']);
    expect(queue.size).toBe(0);
  });
});
