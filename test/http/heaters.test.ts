// The heater cards' data: availability reasons from the facts availability is computed from, what
// Home Assistant was told (the published state), the waiting commands, and no MAC anywhere.

import { describe, expect, it } from 'vitest';
import { availabilityReason, buildHeaters, type HeaterFacts, heatersSchema } from '../../src/http/heaters.js';
import { pseudonym, Redactor } from '../../src/util/redact.js';

const MAC = '04786332fca0';

function facts(overrides: Partial<HeaterFacts> = {}): HeaterFacts {
  return {
    deviceId: MAC,
    name: 'Garage Water Heater',
    model: 'NWP500',
    available: true,
    linkConnected: true,
    lastStatusAt: Date.UTC(2026, 0, 5, 12),
    lastStatusAgeSeconds: 12,
    staleAfterSeconds: 150,
    state: { mode: 'eco', dhw_temperature: 124.7, target_temperature: 125, vacation: 'OFF' },
    unit: 'F',
    pending: [],
    ...overrides,
  };
}

describe('availabilityReason', () => {
  it('says why a heater is or is not available, from the link, the first status and its age', () => {
    expect(availabilityReason(facts())).toBe('status arriving on time');
    expect(availabilityReason(facts({ available: false, linkConnected: false }))).toBe(
      'the cloud link to Navien is down, so nothing the heater says can arrive',
    );
    expect(
      availabilityReason(facts({ available: false, lastStatusAgeSeconds: null, lastStatusAt: null })),
    ).toBe('no status from the heater yet since the bridge started');
    expect(availabilityReason(facts({ available: false, lastStatusAgeSeconds: 400 }))).toBe(
      'no status for 7 minutes (more than 150 seconds): the heater may be offline or off Wi-Fi',
    );
    expect(availabilityReason(facts({ available: false, lastStatusAgeSeconds: 1 }))).toBe(
      'status arriving again; available from the next check',
    );
    expect(availabilityReason(facts({ linkConnected: false }))).toBe(
      'the cloud link just went down; unavailable from the next check',
    );
  });

  it('counts in words that agree with the number (1 second, 10 hours)', () => {
    expect(
      availabilityReason(facts({ available: false, lastStatusAgeSeconds: 36_000, staleAfterSeconds: 60 })),
    ).toBe('no status for 10 hours (more than 60 seconds): the heater may be offline or off Wi-Fi');
    expect(
      availabilityReason(facts({ available: false, lastStatusAgeSeconds: 60, staleAfterSeconds: 1 })),
    ).toBe('no status for 60 seconds (more than 1 second): the heater may be offline or off Wi-Fi');
  });
});

describe('buildHeaters', () => {
  it('shows what HA was told, the unit, the waiting commands, and a pseudonym instead of the MAC', () => {
    const redactor = new Redactor();
    redactor.addDeviceId(MAC);
    const view = heatersSchema.parse(
      buildHeaters({
        redactor,
        nowMs: Date.UTC(2026, 0, 5, 12, 1),
        heaters: [
          facts({
            pending: [
              { description: `dhw_temperature 130 F for ${MAC}`, createdAt: 1000, state: 'queued' },
              { description: 'power false', createdAt: 2000, state: 'awaiting_confirmation' },
            ],
          }),
          facts({
            deviceId: '04786332fca1',
            name: 'Basement',
            available: false,
            state: null,
            unit: null,
            lastStatusAt: null,
            lastStatusAgeSeconds: null,
          }),
        ],
      }),
    );
    const [garage, basement] = view.heaters;
    expect(garage).toMatchObject({
      id: pseudonym(MAC),
      name: 'Garage Water Heater',
      mode: 'eco',
      vacation: false,
      tank_temperature: 124.7,
      target_temperature: 125,
      unit: '°F',
      available: true,
      availability_reason: 'status arriving on time',
    });
    expect(garage?.queued?.map((q) => q.state)).toEqual(['queued', 'awaiting_confirmation']);
    expect(basement).toMatchObject({ mode: null, tank_temperature: null, unit: null, last_update_ms: null });
    expect(JSON.stringify(view)).not.toContain(MAC);
    expect(JSON.stringify(view)).not.toContain('04786332fca1');
  });

  it('tells "nothing waits" (an empty list) from "the queue cannot tell" (null)', () => {
    const view = buildHeaters({
      redactor: new Redactor(),
      nowMs: 0,
      heaters: [facts({ pending: [] }), facts({ pending: null })],
    });
    expect(view.heaters.map((heater) => heater.queued)).toEqual([[], null]);
  });

  it('ignores a state that is not what the bridge publishes (wrong types), never throwing', () => {
    const view = buildHeaters({
      redactor: new Redactor(),
      nowMs: 0,
      heaters: [facts({ state: { mode: 42, dhw_temperature: 'hot', target_temperature: Number.NaN } })],
    });
    expect(view.heaters[0]).toMatchObject({ mode: null, tank_temperature: null, target_temperature: null });
  });
});
