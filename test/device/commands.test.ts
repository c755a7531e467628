// Command encoding: exact envelopes, topics and response topics per command, and every refusal path.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandCode } from '../../src/device/commandCodes.js';
import {
  type ClientIdentity,
  commandName,
  type DeviceAddress,
  type DeviceCommand,
  type EncodeResult,
  encodeCommand,
} from '../../src/device/commands.js';
import { type CapabilityFlag, type DeviceFeature, decodeFeature } from '../../src/device/feature.js';

const device: DeviceAddress = { macAddress: '04786332fca0', additionalValue: '5322', deviceType: 52 };
const client: ClientIdentity = {
  clientId: 'navien-client-1a2b3c4d',
  sessionId: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
};
const CTRL = 'cmd/52/navilink-04786332fca0/ctrl';
const DEVICE_RESPONSE = 'cmd/52/navilink-04786332fca0/navien-client-1a2b3c4d/res';
const BASE_REQUEST = { deviceType: 52, macAddress: '04786332fca0', additionalValue: '5322' };

function feature(overrides: Record<string, unknown> = {}): DeviceFeature {
  return decodeFeature({
    temperatureType: 2,
    dhwTemperatureSettingUse: 2,
    dhwTemperatureMin: 81,
    dhwTemperatureMax: 131,
    powerUse: 2,
    dhwUse: 2,
    antiLegionellaSettingUse: 2,
    programReservationUse: 2,
    drSettingUse: 2,
    ...overrides,
  });
}

function ok(result: EncodeResult): Extract<EncodeResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected success, got ${result.code}: ${result.reason}`);
  return result;
}

function encodeOk(cmd: DeviceCommand, withFeature: DeviceFeature | undefined = feature()) {
  return ok(encodeCommand(cmd, device, client, withFeature));
}

/** The exact envelope of a control command. */
function controlEnvelope(command: number, mode: string, param: number[]) {
  return {
    clientID: client.clientId,
    sessionID: client.sessionId,
    protocolVersion: 2,
    request: { command, ...BASE_REQUEST, mode, param, paramStr: '' },
    requestTopic: CTRL,
    responseTopic: DEVICE_RESPONSE,
  };
}

describe('encodeCommand envelopes', () => {
  it('builds the reference DHW-temperature envelope byte for byte, keys in order', () => {
    const result = encodeOk({ kind: 'dhw_temperature', value: 140, unit: 'F' });
    expect(JSON.stringify(result.payload)).toBe(
      '{"clientID":"navien-client-1a2b3c4d","sessionID":"0f1e2d3c4b5a69788796a5b4c3d2e1f0","protocolVersion":2,' +
        '"request":{"command":33554464,"deviceType":52,"macAddress":"04786332fca0","additionalValue":"5322",' +
        '"mode":"dhw-temperature","param":[120],"paramStr":""},' +
        '"requestTopic":"cmd/52/navilink-04786332fca0/ctrl",' +
        '"responseTopic":"cmd/52/navilink-04786332fca0/navien-client-1a2b3c4d/res"}',
    );
    expect(result.topic).toBe(CTRL);
    expect(result.responseTopic).toBe(DEVICE_RESPONSE);
    expect(result.commandCode).toBe(33554464);
  });

  it('sends a status request to st with no mode, param or paramStr', () => {
    const result = encodeOk({ kind: 'status_request' });
    expect(result).toEqual({
      ok: true,
      topic: 'cmd/52/navilink-04786332fca0/st',
      responseTopic: DEVICE_RESPONSE,
      commandCode: 16777219,
      payload: {
        clientID: client.clientId,
        sessionID: client.sessionId,
        protocolVersion: 2,
        request: { command: 16777219, ...BASE_REQUEST },
        requestTopic: 'cmd/52/navilink-04786332fca0/st',
        responseTopic: DEVICE_RESPONSE,
      },
    });
  });

  it('sends a feature request to st/did', () => {
    const result = encodeOk({ kind: 'feature_request' }, undefined);
    expect(result.topic).toBe('cmd/52/navilink-04786332fca0/st/did');
    expect(result.responseTopic).toBe(DEVICE_RESPONSE);
    expect(result.payload.request).toEqual({ command: 16777217, ...BASE_REQUEST });
  });

  it('reads reservations on st/rsv/rd and asks for the reply on the client-keyed topic', () => {
    const result = encodeOk({ kind: 'reservation_read' });
    expect(result.topic).toBe('cmd/52/navilink-04786332fca0/st/rsv/rd');
    expect(result.responseTopic).toBe('cmd/52/navien-client-1a2b3c4d/res/rsv/rd');
    expect(result.payload).toEqual({
      clientID: client.clientId,
      sessionID: client.sessionId,
      protocolVersion: 2,
      request: { command: 16777222, ...BASE_REQUEST },
      requestTopic: 'cmd/52/navilink-04786332fca0/st/rsv/rd',
      responseTopic: 'cmd/52/navien-client-1a2b3c4d/res/rsv/rd',
    });
  });

  it('queries energy usage with month and year and no mode', () => {
    const result = encodeOk({ kind: 'energy_usage', year: 2025, months: [7, 8, 9] });
    expect(result.topic).toBe('cmd/52/navilink-04786332fca0/st/energy-usage-daily-query/rd');
    expect(result.responseTopic).toBe('cmd/52/navien-client-1a2b3c4d/res/energy-usage-daily-query/rd');
    expect(result.payload.request).toEqual({
      command: 16777225,
      ...BASE_REQUEST,
      month: [7, 8, 9],
      year: 2025,
    });
    expect(JSON.stringify(result.payload.request)).toMatch(
      /"additionalValue":"5322","month":\[7,8,9\],"year":2025}$/,
    );
  });

  it('switches power with the dedicated codes', () => {
    expect(encodeOk({ kind: 'power', on: true }).payload).toEqual(controlEnvelope(33554434, 'power-on', []));
    expect(encodeOk({ kind: 'power', on: false }).payload).toEqual(
      controlEnvelope(33554433, 'power-off', []),
    );
  });

  it('never uses DHW mode 6 to switch power', () => {
    for (const on of [true, false]) {
      const result = encodeOk({ kind: 'power', on });
      expect(result.commandCode).not.toBe(CommandCode.DHW_MODE);
      expect(JSON.stringify(result.payload)).not.toContain('dhw-mode');
    }
  });

  it('maps the HA operation modes to dhw-mode 1–4', () => {
    const modes = { heat_pump: 1, electric: 2, eco: 3, high_demand: 4 } as const;
    for (const [mode, value] of Object.entries(modes)) {
      const result = encodeOk({ kind: 'dhw_mode', mode: mode as keyof typeof modes });
      expect(result.payload).toEqual(controlEnvelope(33554437, 'dhw-mode', [value]));
    }
  });

  it('starts vacation with dhw-mode [5, days]', () => {
    expect(encodeOk({ kind: 'vacation', days: 7 }).payload).toEqual(
      controlEnvelope(33554437, 'dhw-mode', [5, 7]),
    );
    expect(encodeOk({ kind: 'vacation', days: 1 }).payload).toEqual(
      controlEnvelope(33554437, 'dhw-mode', [5, 1]),
    );
    expect(encodeOk({ kind: 'vacation', days: 30 }).payload).toEqual(
      controlEnvelope(33554437, 'dhw-mode', [5, 30]),
    );
  });

  it('enables anti-legionella with a 14-day period by default, or the given one, and disables it', () => {
    expect(encodeOk({ kind: 'anti_legionella', on: true }).payload).toEqual(
      controlEnvelope(33554472, 'anti-leg-on', [14]),
    );
    expect(encodeOk({ kind: 'anti_legionella', on: true, periodDays: 7 }).payload).toEqual(
      controlEnvelope(33554472, 'anti-leg-on', [7]),
    );
    expect(encodeOk({ kind: 'anti_legionella', on: false }).payload).toEqual(
      controlEnvelope(33554471, 'anti-leg-off', []),
    );
  });

  it('toggles time of use, demand response and resets the air filter', () => {
    expect(encodeOk({ kind: 'tou', on: true }).payload).toEqual(controlEnvelope(33554476, 'tou-on', []));
    expect(encodeOk({ kind: 'tou', on: false }).payload).toEqual(controlEnvelope(33554475, 'tou-off', []));
    expect(encodeOk({ kind: 'demand_response', on: true }).payload).toEqual(
      controlEnvelope(33554470, 'dr-on', []),
    );
    expect(encodeOk({ kind: 'demand_response', on: false }).payload).toEqual(
      controlEnvelope(33554469, 'dr-off', []),
    );
    expect(encodeOk({ kind: 'air_filter_reset' }).payload).toEqual(
      controlEnvelope(33554473, 'air-filter-reset', []),
    );
  });

  it('writes reservations with RESERVATION_MANAGEMENT on ctrl/rsv/rd: the switch and the whole list, six fields each', () => {
    const entries = [
      { enable: 2, week: 124, hour: 6, min: 30, mode: 4, param: 120 },
      { enable: 1, week: 130, hour: 8, min: 0, mode: 3, param: 116 },
    ];
    const result = encodeOk({
      kind: 'reservation_write',
      reservationUse: 2,
      // A field a caller added never reaches the device.
      entries: [{ ...entries[0], label: 'x' } as (typeof entries)[0], entries[1] as (typeof entries)[0]],
    });
    expect(result.topic).toBe('cmd/52/navilink-04786332fca0/ctrl/rsv/rd');
    expect(result.responseTopic).toBe('cmd/52/navien-client-1a2b3c4d/res/rsv/rd');
    expect(result.commandCode).toBe(16777226);
    expect(JSON.stringify(result.payload.request)).toBe(
      '{"command":16777226,"deviceType":52,"macAddress":"04786332fca0","additionalValue":"5322",' +
        '"reservationUse":2,"reservation":[{"enable":2,"week":124,"hour":6,"min":30,"mode":4,"param":120},' +
        '{"enable":1,"week":130,"hour":8,"min":0,"mode":3,"param":116}]}',
    );
    // An empty list with the program off is a valid write (the device then holds nothing).
    expect(
      encodeOk({ kind: 'reservation_write', reservationUse: 1, entries: [] }).payload.request,
    ).toMatchObject({
      reservationUse: 1,
      reservation: [],
    });
  });

  it('sets the recirculation mode 1–4 and presses the hot button with [1]', () => {
    const recirc = feature({ recirculationUse: 2 });
    for (const mode of [1, 2, 3, 4]) {
      expect(encodeOk({ kind: 'recirculation_mode', mode }, recirc).payload).toEqual(
        controlEnvelope(33554445, 'recirc-mode', [mode]),
      );
    }
    expect(encodeOk({ kind: 'recirculation_hot_button' }, recirc).payload).toEqual(
      controlEnvelope(33554444, 'recirc-hotbtn', [1]),
    );
  });

  it('sets the freeze-protection temperature as half-degrees Celsius within the feature range', () => {
    const limits = feature({
      freezeProtectionUse: 2,
      freezeProtectionTempMin: 12,
      freezeProtectionTempMax: 20,
    });
    // 45 °F is 7.2 °C: raw 14. 43 °F → 12 and 50 °F → 20 are the bounds.
    expect(encodeOk({ kind: 'freeze_protection_temperature', value: 45, unit: 'F' }, limits).payload).toEqual(
      controlEnvelope(33554451, 'frez-temp', [14]),
    );
    expect(encodeOk({ kind: 'freeze_protection_temperature', value: 43, unit: 'F' }, limits).payload).toEqual(
      controlEnvelope(33554451, 'frez-temp', [12]),
    );
    expect(encodeOk({ kind: 'freeze_protection_temperature', value: 10, unit: 'C' }, limits).payload).toEqual(
      controlEnvelope(33554451, 'frez-temp', [20]),
    );
  });

  it('encodes a °C setpoint: 60 °C → raw 120', () => {
    expect(encodeOk({ kind: 'dhw_temperature', value: 60, unit: 'C' }).payload).toEqual(
      controlEnvelope(33554464, 'dhw-temperature', [120]),
    );
  });

  it('uses the device type of the address in every topic', () => {
    const other = ok(
      encodeCommand({ kind: 'reservation_read' }, { ...device, deviceType: 50 }, client, undefined),
    );
    expect(other.topic).toBe('cmd/50/navilink-04786332fca0/st/rsv/rd');
    expect(other.responseTopic).toBe('cmd/50/navien-client-1a2b3c4d/res/rsv/rd');
  });

  it('returns a fresh payload each time, so callers cannot corrupt later commands', () => {
    const months = [1, 2];
    const first = encodeOk({ kind: 'energy_usage', year: 2025, months });
    months.push(3);
    expect((first.payload.request as { month: number[] }).month).toEqual([1, 2]);
  });
});

describe('encodeCommand refusals', () => {
  it('refuses vacation of 0 or 31 days as out of range, and fractions or NaN as invalid', () => {
    expect(encodeCommand({ kind: 'vacation', days: 0 }, device, client, undefined)).toEqual({
      ok: false,
      code: 'out_of_range',
      reason: 'vacation days must be from 1 to 30 (got 0)',
    });
    expect(encodeCommand({ kind: 'vacation', days: 31 }, device, client, undefined)).toMatchObject({
      ok: false,
      code: 'out_of_range',
    });
    expect(encodeCommand({ kind: 'vacation', days: 2.5 }, device, client, undefined)).toMatchObject({
      ok: false,
      code: 'invalid',
    });
    expect(encodeCommand({ kind: 'vacation', days: Number.NaN }, device, client, undefined)).toEqual({
      ok: false,
      code: 'invalid',
      reason: 'vacation days must be a whole number (got NaN)',
    });
  });

  it('refuses an anti-legionella period outside 1–30 days', () => {
    for (const periodDays of [0, 31]) {
      expect(
        encodeCommand({ kind: 'anti_legionella', on: true, periodDays }, device, client, undefined),
      ).toMatchObject({ ok: false, code: 'out_of_range' });
    }
  });

  it("refuses a DHW temperature outside the feature's range, naming the range", () => {
    expect(
      encodeCommand({ kind: 'dhw_temperature', value: 104, unit: 'F' }, device, client, feature()),
    ).toEqual({
      ok: false,
      code: 'out_of_range',
      reason: "temperature 104 °F (raw 80) is outside the device's range 104.9–149.9 °F (raw 81–131)",
    });
    expect(
      encodeCommand({ kind: 'dhw_temperature', value: 66, unit: 'C' }, device, client, feature()),
    ).toEqual({
      ok: false,
      code: 'out_of_range',
      reason: "temperature 66 °C (raw 132) is outside the device's range 40.5–65.5 °C (raw 81–131)",
    });
    expect(encodeOk({ kind: 'dhw_temperature', value: 104.9, unit: 'F' }).payload.request).toMatchObject({
      param: [81],
    });
    expect(encodeOk({ kind: 'dhw_temperature', value: 150, unit: 'F' }).payload.request).toMatchObject({
      param: [131],
    });
  });

  it('refuses a DHW temperature above the feature maximum for every value past it', () => {
    const narrow = feature({ dhwTemperatureMin: 90, dhwTemperatureMax: 110 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), (raw) => {
        const result = encodeCommand(
          { kind: 'dhw_temperature', value: raw / 2, unit: 'C' },
          device,
          client,
          narrow,
        );
        expect(result.ok).toBe(raw >= 90 && raw <= 110);
        if (!result.ok) expect(result.code).toBe('out_of_range');
      }),
    );
  });

  it('uses 95–150 °F (raw 70–131) while the feature is not known', () => {
    const at = (value: number) =>
      encodeCommand({ kind: 'dhw_temperature', value, unit: 'F' }, device, client, undefined);
    expect(at(94)).toMatchObject({
      ok: false,
      code: 'out_of_range',
      reason: 'temperature 94 °F (raw 69) is outside the default range 95–149.9 °F (raw 70–131)',
    });
    expect(ok(at(95)).payload.request).toMatchObject({ param: [70] });
    expect(ok(at(150)).payload.request).toMatchObject({ param: [131] });
    expect(at(151)).toMatchObject({ ok: false, code: 'out_of_range' });
  });

  it('refuses a non-numeric temperature or unknown unit as invalid', () => {
    expect(
      encodeCommand({ kind: 'dhw_temperature', value: Number.NaN, unit: 'F' }, device, client, feature()),
    ).toEqual({ ok: false, code: 'invalid', reason: 'temperature must be a number (got NaN)' });
    const badUnit = { kind: 'dhw_temperature', value: 50, unit: 'K' } as unknown as DeviceCommand;
    expect(encodeCommand(badUnit, device, client, feature())).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('refuses setting the temperature when the device reports it cannot (dhwTemperatureSettingUse 0 or 1)', () => {
    for (const use of [0, 1]) {
      expect(
        encodeCommand(
          { kind: 'dhw_temperature', value: 120, unit: 'F' },
          device,
          client,
          feature({ dhwTemperatureSettingUse: use }),
        ),
      ).toEqual({
        ok: false,
        code: 'unsupported',
        reason: `setting the hot-water temperature is not supported by this device (feature dhwTemperatureSettingUse = ${use})`,
      });
    }
    for (const use of [2, 3, 4]) {
      expect(
        encodeOk(
          { kind: 'dhw_temperature', value: 120, unit: 'F' },
          feature({ dhwTemperatureSettingUse: use }),
        ).ok,
      ).toBe(true);
    }
  });

  it('refuses each gated command when its capability flag is not 2', () => {
    const gated: Array<[DeviceCommand, CapabilityFlag]> = [
      [{ kind: 'power', on: true }, 'powerUse'],
      [{ kind: 'power', on: false }, 'powerUse'],
      [{ kind: 'dhw_mode', mode: 'eco' }, 'dhwUse'],
      [{ kind: 'vacation', days: 3 }, 'dhwUse'],
      [{ kind: 'anti_legionella', on: true }, 'antiLegionellaSettingUse'],
      [{ kind: 'anti_legionella', on: false }, 'antiLegionellaSettingUse'],
      [{ kind: 'tou', on: true }, 'programReservationUse'],
      [{ kind: 'tou', on: false }, 'programReservationUse'],
      [{ kind: 'demand_response', on: true }, 'drSettingUse'],
      [{ kind: 'demand_response', on: false }, 'drSettingUse'],
    ];
    for (const [cmd, flag] of gated) {
      for (const value of [1, 0]) {
        const result = encodeCommand(cmd, device, client, feature({ [flag]: value }));
        expect(result).toMatchObject({
          ok: false,
          code: 'unsupported',
          reason: expect.stringContaining(`(feature ${flag} = ${value})`),
        });
      }
      const absent = feature();
      const withoutFlag = decodeFeature({ ...absent.raw, [flag]: undefined });
      expect(encodeCommand(cmd, device, client, withoutFlag)).toMatchObject({
        ok: false,
        code: 'unsupported',
        reason: expect.stringContaining(`(feature ${flag} = absent)`),
      });
      expect(encodeCommand(cmd, device, client, feature()).ok).toBe(true);
    }
  });

  it('refuses bad reservation writes: the switch, the list, any field out of its range', () => {
    const good = { enable: 2, week: 124, hour: 6, min: 30, mode: 4, param: 120 };
    const write = (reservationUse: number, entries: unknown[]) =>
      encodeCommand(
        { kind: 'reservation_write', reservationUse, entries: entries as (typeof good)[] },
        device,
        client,
        feature(),
      );
    expect(write(0, [good])).toMatchObject({ ok: false, code: 'invalid' });
    expect(write(3, [good])).toMatchObject({ ok: false, code: 'invalid' });
    expect(
      write(
        2,
        Array.from({ length: 17 }, () => good),
      ),
    ).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(
      write(
        2,
        Array.from({ length: 16 }, () => good),
      ).ok,
    ).toBe(true);
    for (const [field, bad] of [
      ['enable', 0],
      ['week', 255],
      ['hour', 24],
      ['min', 60],
      ['mode', 7],
      ['mode', 0],
      ['param', 256],
      ['param', 1.5],
    ] as const) {
      const result = write(2, [good, { ...good, [field]: bad }]);
      expect(result, `${field}=${bad}`).toMatchObject({
        ok: false,
        reason: expect.stringContaining(`entry 2 ${field}`),
      });
    }
    expect(write(2, [null])).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('refuses recirculation commands on a unit without it, and modes outside 1–4', () => {
    expect(encodeCommand({ kind: 'recirculation_mode', mode: 2 }, device, client, feature())).toMatchObject({
      ok: false,
      code: 'unsupported',
      reason: expect.stringContaining('recirculationUse'),
    });
    expect(encodeCommand({ kind: 'recirculation_hot_button' }, device, client, feature())).toMatchObject({
      ok: false,
      code: 'unsupported',
    });
    const recirc = feature({ recirculationUse: 2 });
    for (const mode of [0, 5, 2.5]) {
      expect(
        encodeCommand({ kind: 'recirculation_mode', mode }, device, client, recirc).ok,
        String(mode),
      ).toBe(false);
    }
  });

  it('refuses a freeze-protection temperature outside the range, without the capability, or before the range is known', () => {
    const limits = feature({
      freezeProtectionUse: 2,
      freezeProtectionTempMin: 12,
      freezeProtectionTempMax: 20,
    });
    const freeze = (value: number, withFeature: DeviceFeature | undefined, unit: 'C' | 'F' = 'F') =>
      encodeCommand({ kind: 'freeze_protection_temperature', value, unit }, device, client, withFeature);
    expect(freeze(42, limits)).toMatchObject({
      ok: false,
      code: 'out_of_range',
      reason: expect.stringContaining('42.8–50 °F (raw 12–20)'),
    });
    expect(freeze(51, limits)).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(
      freeze(
        45,
        feature({ freezeProtectionUse: 1, freezeProtectionTempMin: 12, freezeProtectionTempMax: 20 }),
      ),
    ).toMatchObject({
      ok: false,
      code: 'unsupported',
    });
    // The library does not send it without the device's limits, and neither do we.
    expect(freeze(45, undefined)).toMatchObject({ ok: false, code: 'unsupported' });
    expect(freeze(Number.NaN, limits)).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('lets every capability gate pass while the feature is not known', () => {
    const commands: DeviceCommand[] = [
      { kind: 'power', on: false },
      { kind: 'dhw_mode', mode: 'electric' },
      { kind: 'vacation', days: 3 },
      { kind: 'dhw_temperature', value: 120, unit: 'F' },
      { kind: 'anti_legionella', on: true },
      { kind: 'tou', on: true },
      { kind: 'demand_response', on: true },
    ];
    for (const cmd of commands) expect(encodeCommand(cmd, device, client, undefined).ok).toBe(true);
  });

  it('resets the air filter whatever the capabilities say', () => {
    const nothing = decodeFeature({});
    expect(encodeCommand({ kind: 'air_filter_reset' }, device, client, nothing).ok).toBe(true);
    expect(encodeCommand({ kind: 'status_request' }, device, client, nothing).ok).toBe(true);
  });

  it('checks the input before the capability: a bad vacation length is invalid even when unsupported', () => {
    expect(
      encodeCommand({ kind: 'vacation', days: 0 }, device, client, feature({ dhwUse: 1 })),
    ).toMatchObject({
      code: 'out_of_range',
    });
  });

  it('refuses energy queries with bad months or years', () => {
    const energy = (year: number, months: number[]) =>
      encodeCommand({ kind: 'energy_usage', year, months }, device, client, undefined);
    expect(energy(2025, [])).toMatchObject({ ok: false, code: 'invalid' });
    expect(energy(2025, [13])).toEqual({
      ok: false,
      code: 'out_of_range',
      reason: 'month must be from 1 to 12 (got 13)',
    });
    expect(energy(2025, [0])).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(energy(2025, [1.5])).toMatchObject({ ok: false, code: 'invalid' });
    expect(energy(1999, [1])).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(energy(2101, [1])).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(energy(Number.NaN, [1])).toMatchObject({ ok: false, code: 'invalid' });
    expect(energy(2025, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1])).toMatchObject({
      ok: false,
      code: 'invalid',
    });
  });

  it('refuses unknown modes and command kinds as invalid', () => {
    const mode = { kind: 'dhw_mode', mode: 'off' } as unknown as DeviceCommand;
    expect(encodeCommand(mode, device, client, undefined)).toMatchObject({ ok: false, code: 'invalid' });
    const proto = { kind: 'dhw_mode', mode: 'toString' } as unknown as DeviceCommand;
    expect(encodeCommand(proto, device, client, undefined)).toMatchObject({ ok: false, code: 'invalid' });
    const kind = { kind: 'wifi_reset' } as unknown as DeviceCommand;
    expect(encodeCommand(kind, device, client, undefined)).toEqual({
      ok: false,
      code: 'invalid',
      reason: 'unknown command kind wifi_reset',
    });
  });

  it('refuses an on/off command whose on is not a boolean', () => {
    const truthy = { kind: 'power', on: 'yes' } as unknown as DeviceCommand;
    expect(encodeCommand(truthy, device, client, undefined)).toEqual({
      ok: false,
      code: 'invalid',
      reason: 'on must be true or false (got yes)',
    });
  });

  it('refuses addresses and identities that would break the topic', () => {
    const status: DeviceCommand = { kind: 'status_request' };
    expect(encodeCommand(status, { ...device, macAddress: 'aa/bb' }, client, undefined)).toMatchObject({
      code: 'invalid',
    });
    expect(encodeCommand(status, { ...device, macAddress: '' }, client, undefined)).toMatchObject({
      code: 'invalid',
    });
    expect(encodeCommand(status, device, { ...client, clientId: 'a+b' }, undefined)).toMatchObject({
      code: 'invalid',
    });
    expect(encodeCommand(status, device, { ...client, clientId: '#' }, undefined)).toMatchObject({
      code: 'invalid',
    });
    expect(encodeCommand(status, device, { ...client, sessionId: '' }, undefined)).toMatchObject({
      code: 'invalid',
    });
    expect(encodeCommand(status, { ...device, deviceType: 0 }, client, undefined)).toMatchObject({
      code: 'invalid',
    });
  });

  it('never throws, whatever a JavaScript caller passes', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (cmd, feat) => {
        const result = encodeCommand(cmd as DeviceCommand, device, client, feat as DeviceFeature | undefined);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('commandName', () => {
  it('names known codes and marks unknown ones', () => {
    expect(commandName(33554464)).toBe('DHW_TEMPERATURE');
    expect(commandName(16777219)).toBe('STATUS_REQUEST');
    expect(commandName(5)).toBe('UNKNOWN_5');
  });
});
