// Unit conversions: the reference worked examples and round-trip properties.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  celsiusDeltaToFahrenheit,
  celsiusToHalfRaw,
  deciCelsiusDeltaToF,
  deciCelsiusToC,
  deciCelsiusToF,
  deciLitresPerMinuteToLpm,
  energyCountToWh,
  fahrenheitToCelsius,
  fahrenheitToHalfRaw,
  halfCelsiusToC,
  halfCelsiusToF,
  halfRawToTemperature,
  litresPerMinuteToGpm,
  litresToGallons,
  outsideToC,
  outsideToF,
  roundHalfEven,
  roundTo,
  temperatureToHalfRaw,
} from '../../src/device/units.js';

describe('setpoint encoding (°C/°F → half-°C integers)', () => {
  it('encodes the reference examples: 140 °F → 120, 120 °F → 98, 60 °C → 120, 104.9 °F → 81', () => {
    expect(fahrenheitToHalfRaw(140)).toBe(120);
    expect(fahrenheitToHalfRaw(120)).toBe(98);
    expect(celsiusToHalfRaw(60)).toBe(120);
    expect(fahrenheitToHalfRaw(104.9)).toBe(81);
    expect(temperatureToHalfRaw(60, 'C')).toBe(120);
    expect(temperatureToHalfRaw(140, 'F')).toBe(120);
  });

  it('never meets a rounding tie for whole °F, so Math.round matches Python round there', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100, max: 300 }), (f) => {
        const exact = (((f - 32) * 5) / 9) * 2;
        expect(Math.abs(exact - Math.trunc(exact))).not.toBeCloseTo(0.5, 9);
      }),
    );
  });

  it('round-trips every half-degree raw value through °F and °C', () => {
    fc.assert(
      fc.property(fc.integer({ min: -200, max: 400 }), (raw) => {
        expect(fahrenheitToHalfRaw(halfCelsiusToF(raw))).toBe(raw);
        expect(celsiusToHalfRaw(halfCelsiusToC(raw))).toBe(raw);
        expect(temperatureToHalfRaw(halfRawToTemperature(raw, 'F'), 'F')).toBe(raw);
      }),
    );
  });
});

describe('wire temperatures', () => {
  it('converts half-degree Celsius without float noise (raw 98 → 120.2 °F, not 120.20000000000002)', () => {
    expect(halfCelsiusToC(120)).toBe(60);
    expect(halfCelsiusToF(120)).toBe(140);
    expect(halfCelsiusToF(98)).toBe(120.2);
    expect(halfCelsiusToF(0)).toBe(32);
  });

  it('converts deci-degree Celsius: raw 523 → 52.3 °C → 126.14 °F', () => {
    expect(deciCelsiusToC(523)).toBe(52.3);
    expect(deciCelsiusToF(523)).toBe(126.14);
    expect(deciCelsiusToF(-400)).toBe(-40);
  });

  it('converts differences without the 32° offset: raw 50 → 9 °F, raw -25 → -4.5 °F', () => {
    expect(deciCelsiusDeltaToF(50)).toBe(9);
    expect(deciCelsiusDeltaToF(-25)).toBe(-4.5);
    expect(celsiusDeltaToFahrenheit(0)).toBe(0);
  });

  it('converts °F back to °C for display', () => {
    expect(fahrenheitToCelsius(140)).toBe(60);
    expect(fahrenheitToCelsius(-40)).toBe(-40);
  });
});

describe('outside temperature', () => {
  it('applies the asymmetric rule of formula type 0: raw -11 → 23 °F, 119 → 139 °F, -19 → 15 °F', () => {
    expect(outsideToF(-11, 0)).toBe(23);
    expect(outsideToF(119, 0)).toBe(139);
    expect(outsideToF(-19, 0)).toBe(15);
    // Remainder 5 is not 9, so 36.5 goes up.
    expect(outsideToF(5, 0)).toBe(37);
  });

  it('rounds half to even with formula type 1: raw 5 → 36 °F, raw 15 → 46 °F', () => {
    expect(outsideToF(5, 1)).toBe(36);
    expect(outsideToF(15, 1)).toBe(46);
    expect(outsideToF(25, 1)).toBe(54);
    expect(outsideToF(-11, 1)).toBe(22);
  });

  it('treats an unknown formula type like the standard rule, as the library does', () => {
    expect(outsideToF(5, 7)).toBe(36);
  });

  it('gives half-degrees in Celsius without rounding', () => {
    expect(outsideToC(-11)).toBe(-5.5);
    expect(outsideToC(0)).toBe(0);
  });

  it('always yields whole °F within one degree of the exact value', () => {
    fc.assert(
      fc.property(fc.integer({ min: -400, max: 400 }), fc.constantFrom(0, 1), (raw, type) => {
        const f = outsideToF(raw, type);
        expect(Number.isInteger(f)).toBe(true);
        expect(Math.abs(f - (raw / 2) * 1.8 - 32)).toBeLessThan(1);
      }),
    );
  });
});

describe('rounding helpers', () => {
  it('rounds ties to even like Python and never returns -0', () => {
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(3.5)).toBe(4);
    expect(roundHalfEven(-2.5)).toBe(-2);
    expect(Object.is(roundHalfEven(-0.5), 0)).toBe(true);
    expect(roundHalfEven(2.6)).toBe(3);
  });

  it('rounds to a number of decimals and normalises -0', () => {
    expect(roundTo(120.20000000000002, 2)).toBe(120.2);
    expect(Object.is(roundTo(-0.001, 2), 0)).toBe(true);
  });
});

describe('flow, volume and energy', () => {
  it('turns deci-litres per minute into L/min and L/min into GPM with 2 decimals', () => {
    expect(deciLitresPerMinuteToLpm(38)).toBe(3.8);
    expect(litresPerMinuteToGpm(10)).toBe(2.64);
  });

  it('turns litres into gallons with 2 decimals', () => {
    expect(litresToGallons(1000)).toBe(264.17);
  });

  it('counts tank energy in 4 Wh steps', () => {
    expect(energyCountToWh(250)).toBe(1000);
    expect(energyCountToWh(0)).toBe(0);
  });
});
