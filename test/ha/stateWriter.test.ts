// The state writer reuses attributes and serialised values between statuses; whatever the sequence
// of changes (a status field, the unit, a schedule read, a write result, the TOU plan, the firmware,
// the feature), the texts it writes must be exactly what building and serialising the state and the
// attributes afresh gives. An input missing from an entity's `attributesFrom` shows up here as a
// stale attribute.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFeature } from '../../src/device/feature.js';
import { decodeStatus } from '../../src/device/status.js';
import { NWP500_ENTITIES } from '../../src/ha/entities.js';
import type { DeviceSnapshot } from '../../src/ha/snapshot.js';
import { buildAttributes, buildState, StateWriter } from '../../src/ha/state.js';
import { SimDevice } from '../../src/sim/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { captureLog } from '../helpers/logCapture.js';

const device = new SimDevice({}, { clock: new ManualClock(), logger: captureLog('warn').logger });
const RAW_STATUS: Record<string, unknown> = device.status();
const RAW_FEATURE: Record<string, unknown> = device.featurePayload();

// Status fields that drive attributes, availability or the unit, and a plain one.
const STATUS_CHANGES: Array<[string, fc.Arbitrary<unknown>]> = [
  ['errorCode', fc.constantFrom(0, 0, 517, 799, 9999)],
  ['subErrorCode', fc.constantFrom(0, 1, 20)],
  ['temperatureType', fc.constantFrom(1, 2)],
  ['dhwOperationSetting', fc.integer({ min: 1, max: 6 })],
  ['operationMode', fc.constantFrom(0, 32, 64, 96)],
  ['recirculationOperationMode', fc.integer({ min: 0, max: 5 })],
  ['programReservationUse', fc.constantFrom(1, 2)],
  ['dhwTemperature', fc.integer({ min: 60, max: 300 })],
  ['cumulatedOpTimeEvaFan', fc.integer({ min: 0, max: 2 ** 31 })],
  ['freezeProtectionTemperature', fc.integer({ min: 60, max: 100 })],
];

const FEATURE_CHANGES: Array<[string, fc.Arbitrary<unknown>]> = [
  ['recirculationUse', fc.constantFrom(1, 2)],
  ['freezeProtectionUse', fc.constantFrom(1, 2)],
  ['controllerSwVersion', fc.integer({ min: 1, max: 999 })],
];

const entry = fc.record({
  enable: fc.constantFrom(1, 2),
  week: fc.integer({ min: 0, max: 254 }),
  hour: fc.integer({ min: 0, max: 23 }),
  min: fc.integer({ min: 0, max: 59 }),
  mode: fc.integer({ min: 1, max: 6 }),
  param: fc.integer({ min: 70, max: 130 }),
});

const period = fc.record({
  season: fc.integer({ min: 0, max: 4095 }),
  week: fc.integer({ min: 0, max: 254 }),
  startHour: fc.integer({ min: 0, max: 23 }),
  startMinute: fc.integer({ min: 0, max: 59 }),
  endHour: fc.integer({ min: 0, max: 23 }),
  endMinute: fc.integer({ min: 0, max: 59 }),
  priceMin: fc.integer({ min: 0, max: 99_999 }),
  priceMax: fc.integer({ min: 0, max: 99_999 }),
  decimalPoint: fc.integer({ min: 0, max: 5 }),
});

const firmwarePart = fc.record({
  code: fc.constantFrom(1, 2, 4),
  name: fc.constantFrom('controller', 'panel', 'Wi-Fi'),
  installed: fc.constantFrom('1.2.3', '2.0.0'),
  installedRaw: fc.integer({ min: 1, max: 999 }),
  downloaded: fc.constantFrom(null, '2.1.0'),
  downloadedRaw: fc.constantFrom(null, 210),
});

type Step =
  | { kind: 'status'; changes: Record<string, unknown> }
  | { kind: 'feature'; changes: Record<string, unknown> }
  | { kind: 'schedule'; value: DeviceSnapshot['schedule'] }
  | { kind: 'scheduleWrite'; value: DeviceSnapshot['scheduleWrite'] }
  | { kind: 'tou'; value: DeviceSnapshot['tou'] }
  | { kind: 'firmware'; value: DeviceSnapshot['firmware'] }
  | { kind: 'same' };

const changesOf = (fields: Array<[string, fc.Arbitrary<unknown>]>) =>
  fc
    .subarray(fields, { minLength: 1 })
    .chain((chosen) => fc.tuple(...chosen.map(([name, value]) => value.map((v) => [name, v] as const))))
    .map((pairs) => Object.fromEntries(pairs));

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: changesOf(STATUS_CHANGES).map((changes) => ({ kind: 'status' as const, changes })),
  },
  {
    weight: 1,
    arbitrary: changesOf(FEATURE_CHANGES).map((changes) => ({ kind: 'feature' as const, changes })),
  },
  {
    weight: 2,
    arbitrary: fc
      .option(
        fc.record({
          enabled: fc.constantFrom(true, false, null),
          entries: fc.array(entry, { maxLength: 4 }),
          readAtMs: fc.integer({ min: 1.7e12, max: 1.8e12 }),
        }),
      )
      .map((value) => ({ kind: 'schedule' as const, value })),
  },
  {
    weight: 1,
    arbitrary: fc
      .option(
        fc.record({
          action: fc.constantFrom('add', 'program'),
          outcome: fc.constantFrom('confirmed' as const, 'unconfirmed' as const, 'refused' as const),
          reason: fc.constantFrom(null, 'no read-back'),
          atMs: fc.integer({ min: 1.7e12, max: 1.8e12 }),
        }),
      )
      .map((value) => ({ kind: 'scheduleWrite' as const, value })),
  },
  {
    weight: 1,
    arbitrary: fc
      .option(
        fc.record({
          value: fc.record({
            utility: fc.constantFrom(null, 'PG&E'),
            name: fc.constantFrom(null, 'E-TOU-C'),
            periods: fc.array(period, { maxLength: 3 }),
            problems: fc.constant<string[]>([]),
          }),
          readAtMs: fc.integer({ min: 1.7e12, max: 1.8e12 }),
        }),
      )
      .map((value) => ({ kind: 'tou' as const, value })),
  },
  {
    weight: 1,
    arbitrary: fc
      .option(
        fc.record({
          value: fc.array(firmwarePart, { maxLength: 3 }),
          readAtMs: fc.integer({ min: 1.7e12, max: 1.8e12 }),
        }),
      )
      .map((value) => ({ kind: 'firmware' as const, value })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'same' as const }) },
);

function initial(): {
  snapshot: DeviceSnapshot;
  status: Record<string, unknown>;
  feature: Record<string, unknown>;
} {
  const status = { ...RAW_STATUS };
  const feature = { ...RAW_FEATURE };
  const decoded = decodeStatus(status);
  return {
    status,
    feature,
    snapshot: {
      status: decoded,
      feature: decodeFeature(feature),
      unit: decoded.temperatureUnit,
      energy: null,
      vacationDays: 7,
      lastMode: null,
      schedule: null,
      scheduleWrite: null,
      tou: null,
      firmware: null,
    },
  };
}

/** The next snapshot: only the part the step changes is a new object, the rest stays the same one. */
function apply(state: ReturnType<typeof initial>, next: Step): ReturnType<typeof initial> {
  const { snapshot } = state;
  switch (next.kind) {
    case 'status': {
      const status = { ...state.status, ...next.changes };
      const decoded = decodeStatus(status);
      return { ...state, status, snapshot: { ...snapshot, status: decoded, unit: decoded.temperatureUnit } };
    }
    case 'feature': {
      const feature = { ...state.feature, ...next.changes };
      return { ...state, feature, snapshot: { ...snapshot, feature: decodeFeature(feature) } };
    }
    case 'same':
      return { ...state, snapshot: { ...snapshot } };
    default:
      return { ...state, snapshot: { ...snapshot, [next.kind]: next.value } };
  }
}

describe('StateWriter', () => {
  it('writes exactly the text of the state built afresh, through any sequence of changes', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        const writer = new StateWriter(NWP500_ENTITIES);
        const fresh = (snapshot: DeviceSnapshot) => ({
          state: JSON.stringify(buildState(NWP500_ENTITIES, snapshot)),
          attributes: JSON.stringify(buildAttributes(NWP500_ENTITIES, snapshot)),
        });
        let state = initial();
        expect(writer.write(state.snapshot)).toEqual(fresh(state.snapshot));
        for (const next of steps) {
          state = apply(state, next);
          expect(writer.write(state.snapshot)).toEqual(fresh(state.snapshot));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('computes an attribute again only when one of its inputs changed', () => {
    let calls = 0;
    const table = [
      {
        platform: 'sensor' as const,
        key: 'plan',
        name: 'Plan',
        enabled: true,
        read: (s: { plan: string[]; count: number }) => s.count,
        attributesFrom: (s: { plan: string[] }) => [s.plan],
        attributes: (s: { plan: string[] }) => {
          calls++;
          return { entries: s.plan };
        },
      },
    ];
    const writer = new StateWriter(table);
    const plan = ['a', 'b'];
    expect(writer.write({ plan, count: 1 })).toEqual({
      state: '{"plan":1}',
      attributes: '{"plan":{"entries":["a","b"]}}',
    });
    expect(writer.write({ plan, count: 2 })).toEqual({
      state: '{"plan":2}',
      attributes: '{"plan":{"entries":["a","b"]}}',
    });
    expect(calls).toBe(1);
    expect(writer.write({ plan: ['c'], count: 2 })).toEqual({
      state: '{"plan":2}',
      attributes: '{"plan":{"entries":["c"]}}',
    });
    expect(calls).toBe(2);
  });

  it('writes the attributes of the shown entities only, following an entity as it comes and goes', () => {
    const table = [
      {
        platform: 'sensor' as const,
        key: 'plan',
        name: 'Plan',
        enabled: true,
        available: (s: { plan: string[] | null; count: number }) => s.plan !== null,
        read: (s: { count: number }) => s.count,
        attributes: (s: { plan: string[] | null }) => ({ entries: s.plan }),
      },
      {
        platform: 'sensor' as const,
        key: 'count',
        name: 'Count',
        enabled: true,
        read: (s: { count: number }) => s.count,
      },
    ];
    const writer = new StateWriter(table);
    const plan = ['a'];
    expect(writer.write({ plan, count: 1 }).attributes).toBe('{"plan":{"entries":["a"]}}');
    expect(writer.write({ plan, count: 2 })).toEqual({
      state: '{"plan":2,"count":2}',
      attributes: '{"plan":{"entries":["a"]}}',
    });
    expect(writer.write({ plan: ['b'], count: 2 }).attributes).toBe('{"plan":{"entries":["b"]}}');
    // The entity going away takes its attributes with it; coming back brings them again.
    expect(writer.write({ plan: null, count: 3 })).toEqual({ state: '{"count":3}', attributes: '{}' });
    expect(writer.write({ plan: ['b'], count: 3 }).attributes).toBe('{"plan":{"entries":["b"]}}');
  });

  it('refuses a table whose state keys repeat (its text could not follow JSON.stringify order)', () => {
    const sensor = { platform: 'sensor' as const, name: 'X', enabled: true, read: () => 1 };
    expect(
      () =>
        new StateWriter([
          { ...sensor, key: 'a' },
          { ...sensor, key: 'a' },
        ]),
    ).toThrow(/"a" repeats/);
    expect(() => new StateWriter([{ ...sensor, key: '7' }])).toThrow(/"7"/);
  });
});
