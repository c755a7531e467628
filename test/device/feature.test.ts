// Feature decoding: identity, capability flags, converted limits, and lenient handling of bad fields.

import { describe, expect, it } from 'vitest';
import { CAPABILITY_FLAGS, decodeFeature } from '../../src/device/feature.js';
import { extractFeature } from '../../src/device/status.js';

function featurePayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    temperatureType: 2,
    countryCode: 3,
    modelTypeCode: 513,
    controlTypeCode: 100,
    volumeCode: 2,
    controllerSwVersion: 184614912,
    panelSwVersion: 1,
    wifiSwVersion: 34,
    recircSwVersion: 0,
    controllerSwCode: 1,
    panelSwCode: 2,
    wifiSwCode: 4,
    recircModelTypeCode: 0,
    controllerSerialNumber: 'SERIAL-TEST-0001',
    dhwTemperatureSettingUse: 2,
    tempFormulaType: 1,
    dhwTemperatureMin: 81,
    dhwTemperatureMax: 131,
    freezeProtectionTempMin: 12,
    freezeProtectionTempMax: 20,
    recircTemperatureMin: 70,
    recircTemperatureMax: 120,
    powerUse: 2,
    holidayUse: 2,
    programReservationUse: 2,
    dhwUse: 2,
    drSettingUse: 1,
    antiLegionellaSettingUse: 2,
    recirculationUse: 0,
    ...overrides,
  };
}

describe('decodeFeature', () => {
  const feature = decodeFeature(featurePayload());

  it('reads identity, firmware and the serial with no problems', () => {
    expect(feature.problems).toEqual([]);
    expect(feature.countryCode).toBe(3);
    expect(feature.modelTypeCode).toBe(513);
    expect(feature.modelTypeName).toBe('NPF');
    expect(feature.controllerSwVersion).toBe(184614912);
    expect(feature.wifiSwVersion).toBe(34);
    expect(feature.recircModelTypeCode).toBe(0);
    expect(feature.controllerSerialNumber).toBe('SERIAL-TEST-0001');
    expect(feature.temperatureUnit).toBe('F');
    expect(feature.tempFormulaType).toBe(1);
  });

  it('maps volumeCode 1/2/3 to 50/65/80 gallons and keeps an unknown code', () => {
    expect(feature.volumeCode).toBe(2);
    expect(feature.tankGallons).toBe(65);
    expect(decodeFeature(featurePayload({ volumeCode: 1 })).tankGallons).toBe(50);
    expect(decodeFeature(featurePayload({ volumeCode: 3 })).tankGallons).toBe(80);
    const odd = decodeFeature(featurePayload({ volumeCode: 7 }));
    expect(odd.volumeCode).toBe(7);
    expect(odd.tankGallons).toBeNull();
    expect(odd.problems).toEqual([]);
  });

  it('turns capability flags into booleans (2 → true; 1, 0, absent → false) and keeps what was sent', () => {
    expect(feature.capabilities.powerUse).toBe(true);
    expect(feature.capabilities.drSettingUse).toBe(false);
    expect(feature.capabilities.recirculationUse).toBe(false);
    expect(feature.capabilities.title24Use).toBe(false);
    expect(feature.capabilityRaw.drSettingUse).toBe(1);
    expect(feature.capabilityRaw.recirculationUse).toBe(0);
    expect(feature.capabilityRaw.title24Use).toBeNull();
    expect(Object.keys(feature.capabilities).sort()).toEqual([...CAPABILITY_FLAGS].sort());
  });

  it('keeps setpoint limits raw and converted: min raw 81 = 40.5 °C = 104.9 °F', () => {
    expect(feature.dhwTemperatureMin).toBe(81);
    expect(feature.dhwTemperatureMax).toBe(131);
    expect(feature.limits.dhwTemperature).toEqual({
      min: { raw: 81, celsius: 40.5, fahrenheit: 104.9 },
      max: { raw: 131, celsius: 65.5, fahrenheit: 149.9 },
    });
    expect(feature.limits.freezeProtectionTemperature).toEqual({
      min: { raw: 12, celsius: 6, fahrenheit: 42.8 },
      max: { raw: 20, celsius: 10, fahrenheit: 50 },
    });
    expect(feature.limits.recircTemperature.max).toEqual({ raw: 120, celsius: 60, fahrenheit: 140 });
  });

  it('names the DHW setpoint granularity', () => {
    expect(feature.dhwTemperatureSettingUse).toBe(2);
    expect(feature.dhwTemperatureSettingName).toBe('ENABLE_DOT_5_DEGREE');
  });

  it('reads a °C device', () => {
    expect(decodeFeature(featurePayload({ temperatureType: 1 })).temperatureUnit).toBe('C');
  });

  it('accepts a numeric serial and numbers sent as text', () => {
    const odd = decodeFeature(featurePayload({ controllerSerialNumber: 12345, controllerSwVersion: '77' }));
    expect(odd.controllerSerialNumber).toBe('12345');
    expect(odd.controllerSwVersion).toBe(77);
    expect(odd.problems).toEqual([]);
  });

  it('reports bad fields without their values and keeps the rest', () => {
    const odd = decodeFeature(
      featurePayload({
        controllerSerialNumber: { secret: 'SERIAL-TEST-0001' },
        wifiSwVersion: 1.5,
        powerUse: 'yes',
        dhwTemperatureMax: true,
      }),
    );
    expect(odd.controllerSerialNumber).toBeNull();
    expect(odd.wifiSwVersion).toBeNull();
    expect(odd.capabilities.powerUse).toBe(false);
    expect(odd.capabilityRaw.powerUse).toBeNull();
    expect(odd.dhwTemperatureMax).toBeNull();
    expect(odd.limits.dhwTemperature.max).toBeNull();
    expect(odd.dhwTemperatureMin).toBe(81);
    expect([...odd.problems].sort()).toEqual([
      'controllerSerialNumber: expected text, got an object',
      'dhwTemperatureMax: expected a number, got a boolean',
      'powerUse: expected a number, got text that is not a number',
      'wifiSwVersion: expected a whole number, got 1.5',
    ]);
    expect(odd.problems.join('\n')).not.toContain('SERIAL-TEST');
  });

  it('gives an all-unknown feature with one problem for a non-object', () => {
    for (const input of [null, 'did', 5, []]) {
      const empty = decodeFeature(input);
      expect(empty.problems).toHaveLength(1);
      expect(empty.problems[0]).toMatch(/^feature: expected an object/);
      expect(empty.capabilities.powerUse).toBe(false);
      expect(empty.dhwTemperatureMin).toBeNull();
      expect(empty.temperatureUnit).toBe('F');
    }
  });

  it('keeps a JSON copy of the payload and decodes it from a full reply', () => {
    const reply = { response: { command: 16777217, feature: featurePayload() } };
    const decoded = decodeFeature(extractFeature(reply));
    expect(decoded.raw).toEqual(featurePayload());
    expect(decoded.modelTypeName).toBe('NPF');
  });
});
