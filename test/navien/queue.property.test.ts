// Random schedules of commands, connections, PUBACKs, failures, hangs, statuses and time against
// the command queue: after every step nothing is lost without a counter and at most one command
// per heater is out; per heater the cloud sees commands in the order HA asked; once everything
// is answered, the last command of each setting is the last one the heater got.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unaccounted } from '../../src/navien/commandLedger.js';
import { MAC_A, MAC_B, QueueRig } from './queueRig.js';

const DEVICES = [MAC_A, MAC_B] as const;
const KEYS = ['power', 'dhw_mode', 'dhw_temperature', 'reservation_write'] as const;

type Step =
  | { op: 'enqueue'; device: number; key: number; value: number; confirm: boolean }
  | { op: 'connect' }
  | { op: 'disconnect' }
  | { op: 'answer'; device: number; how: 'ack' | 'fail' | 'hang' }
  | { op: 'reply'; index: number; how: 'ack' | 'fail' }
  | { op: 'status'; device: number; key: number; value: number }
  | { op: 'advance'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('enqueue' as const),
      device: fc.integer({ min: 0, max: 1 }),
      key: fc.integer({ min: 0, max: KEYS.length - 1 }),
      value: fc.integer({ min: 0, max: 3 }),
      confirm: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'connect' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'disconnect' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('answer' as const),
      device: fc.integer({ min: 0, max: 1 }),
      how: fc.constantFrom('ack' as const, 'fail' as const, 'hang' as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('reply' as const),
      index: fc.nat(),
      how: fc.constantFrom('ack' as const, 'fail' as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('status' as const),
      device: fc.integer({ min: 0, max: 1 }),
      key: fc.integer({ min: 0, max: KEYS.length - 1 }),
      value: fc.integer({ min: 0, max: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 20_000 }) }),
  },
);

function checkStep(rig: QueueRig): void {
  const accounting = rig.queue.accounting();
  expect(unaccounted(accounting)).toBe(0);
  for (const device of DEVICES) {
    const pending = rig.queue.pendingFor(device);
    const out = pending.filter((p) => p.state !== 'queued');
    expect(out.length).toBeLessThanOrEqual(1);
    if (out.length === 1) expect(pending[0]?.state).not.toBe('queued');
  }
}

describe('command queue under random schedules', () => {
  it('keeps the accounting, one command out per heater, per-heater order and last writer wins', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), async (steps) => {
        const rig = new QueueRig({ maxAgeMs: 24 * 3600_000, maxSize: 1000, publishTimeoutMs: 10_000 });
        const order = new Map<string, number>();
        const lastOfKey = new Map<string, string>();
        const replies = () => rig.publishes.filter((p) => !(p as { done?: boolean }).done);
        for (const s of steps) {
          switch (s.op) {
            case 'enqueue': {
              const device = DEVICES[s.device] as string;
              const key = KEYS[s.key] as string;
              const supersede = key !== 'reservation_write';
              const command = rig.enqueue(device, key, s.value, { supersede, confirm: s.confirm });
              order.set(command.id, order.size);
              lastOfKey.set(`${device}/${key}`, command.id);
              await rig.kick();
              break;
            }
            case 'connect':
              await rig.connect();
              break;
            case 'disconnect':
              rig.disconnect();
              break;
            case 'answer':
              rig.answer.set(DEVICES[s.device] as string, s.how);
              break;
            case 'reply': {
              const open = replies();
              const target = open[s.index % Math.max(1, open.length)];
              if (target) {
                (target as { done?: boolean }).done = true;
                if (s.how === 'ack') target.ack();
                else target.fail();
              }
              await rig.settle();
              break;
            }
            case 'status':
              rig.status(DEVICES[s.device] as string, { [KEYS[s.key] as string]: s.value });
              await rig.settle();
              break;
            case 'advance':
              await rig.advance(s.ms, 1_000);
              break;
          }
          checkStep(rig);
        }
        // Per heater, the cloud saw commands in the order they were asked (resends repeat one).
        for (const device of DEVICES) {
          const seen = rig.publishes
            .filter((p) => p.command.device === device)
            .map((p) => order.get(p.command.id) ?? -1);
          for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] as number);
        }
        // Quiescence: a good connection that answers everything, statuses that show every command.
        for (const device of DEVICES) rig.answer.set(device, 'ack');
        for (const p of replies()) p.fail();
        await rig.connect();
        for (let round = 0; round < 40 && rig.queue.size > 0; round++) {
          for (const device of DEVICES) {
            const head = rig.queue.pendingFor(device)[0];
            const published = rig.publishes.filter((p) => p.command.id === head?.id).at(-1);
            const confirm = published?.command.confirm?.[0];
            if (confirm?.equals !== undefined) rig.status(device, { [confirm.field]: confirm.equals });
          }
          await rig.advance(11_000, 1_000);
        }
        expect(rig.queue.size).toBe(0);
        expect(unaccounted(rig.queue.accounting())).toBe(0);
        // Last writer wins: the last command of each setting is the last of that setting sent.
        for (const [deviceKey, id] of lastOfKey) {
          const [device, key] = deviceKey.split('/');
          if (key === 'reservation_write') continue;
          const lastSent = rig.publishes
            .filter((p) => p.command.device === device && p.command.kind === key)
            .at(-1);
          expect(lastSent?.command.id).toBe(id);
        }
        await rig.queue.stop();
        expect(rig.clock.pendingTimers()).toBe(0);
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});
