// Unit conversions of the NWP500 wire formats (half-°C, deci-°C, deltas, outside temperature, flow, volume,
// energy counts) and back to the half-°C integers that setpoint commands carry. Pure functions only.

export type TemperatureUnit = 'C' | 'F';

const LITRES_TO_GALLONS = 0.264172;

/** Rounds to `decimals` places and turns -0 into 0; used to strip float noise such as 120.20000000000002. */
export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor + 0;
}

/**
 * Python's `round()`: ties go to the even neighbour (36.5 → 36, 37.5 → 38). Only the outside temperature with
 * `tempFormulaType` 1 needs it, because there the device's own display does the same and ties do occur
 * (raw 5 → 36.5 °F). Everywhere else ties cannot occur for the inputs we get, so `Math.round` is used.
 */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor + 0;
  return floor % 2 === 0 ? floor + 0 : floor + 1;
}

export function celsiusToFahrenheit(celsius: number): number {
  return roundTo((celsius * 9) / 5 + 32, 2);
}

export function fahrenheitToCelsius(fahrenheit: number): number {
  return roundTo(((fahrenheit - 32) * 5) / 9, 2);
}

/** A temperature *difference*: no 32° offset. */
export function celsiusDeltaToFahrenheit(celsiusDelta: number): number {
  return roundTo((celsiusDelta * 9) / 5, 2);
}

/** Half-degree Celsius (setpoints, DHW temperature): raw 120 → 60 °C. */
export function halfCelsiusToC(raw: number): number {
  return raw / 2;
}

/** Half-degree Celsius to °F: raw 120 → 140 °F, raw 98 → 120.2 °F. */
export function halfCelsiusToF(raw: number): number {
  return celsiusToFahrenheit(raw / 2);
}

/** Deci-degree Celsius (tank and refrigerant thermistors): raw 523 → 52.3 °C. */
export function deciCelsiusToC(raw: number): number {
  return raw / 10;
}

export function deciCelsiusToF(raw: number): number {
  return celsiusToFahrenheit(raw / 10);
}

/** Deci-degree Celsius difference (hysteresis, superheat): raw 50 → 5 °C → 9 °F. */
export function deciCelsiusDeltaToC(raw: number): number {
  return raw / 10;
}

export function deciCelsiusDeltaToF(raw: number): number {
  return celsiusDeltaToFahrenheit(raw / 10);
}

/** Outside temperature in °C: half-degrees like the setpoints. */
export function outsideToC(raw: number): number {
  return raw / 2;
}

/**
 * Outside temperature in whole °F as the device's display shows it. Formula 0 ("asymmetric"): floor when the
 * truncated raw value ends in 9 (JS `%` truncates like the firmware's Java, so -19 % 10 is -9), else ceil.
 * Any other formula type: round half to even (Python `round`, which the library uses for type 1 and
 * unknown types). Examples: raw -11 → 23, 119 → 139, -19 → 15, raw 5 with type 1 → 36.
 */
export function outsideToF(raw: number, formulaType: number): number {
  // raw × 9/10 is exact for the integer raw values the device sends, so ties (x.5) are detected exactly.
  const fahrenheit = (raw * 9) / 10 + 32;
  if (formulaType === 0) {
    return Math.trunc(raw) % 10 === 9 ? Math.floor(fahrenheit) + 0 : Math.ceil(fahrenheit) + 0;
  }
  return roundHalfEven(fahrenheit);
}

/** Flow in deci-litres per minute → L/min: raw 38 → 3.8 L/min. */
export function deciLitresPerMinuteToLpm(raw: number): number {
  return raw / 10;
}

export function litresPerMinuteToGpm(lpm: number): number {
  return roundTo(lpm * LITRES_TO_GALLONS, 2);
}

export function litresToGallons(litres: number): number {
  return roundTo(litres * LITRES_TO_GALLONS, 2);
}

/** Tank energy counts are 4 Wh each (library 9.3.0; older versions used 10 and were 2.5× too large). */
export function energyCountToWh(count: number): number {
  return count * 4;
}

/**
 * °C → half-°C command integer: 60 °C → 120. `Math.round` rounds ties up where Python rounds to even; a tie
 * needs a quarter-degree input (60.25 °C), which no HA entity sends (steps are 0.5 or 1).
 */
export function celsiusToHalfRaw(celsius: number): number {
  return Math.round(celsius * 2);
}

/** °F → half-°C command integer: 140 °F → 120, 120 °F → 98, 104.9 °F → 81 (integer °F never ties). */
export function fahrenheitToHalfRaw(fahrenheit: number): number {
  return Math.round((((fahrenheit - 32) * 5) / 9) * 2);
}

export function temperatureToHalfRaw(value: number, unit: TemperatureUnit): number {
  return unit === 'C' ? celsiusToHalfRaw(value) : fahrenheitToHalfRaw(value);
}

export function halfRawToTemperature(raw: number, unit: TemperatureUnit): number {
  return unit === 'C' ? halfCelsiusToC(raw) : halfCelsiusToF(raw);
}
