// Home Assistant's device classes for sensors and numbers, the units it accepts for each and the
// state classes it allows (from HA core's sensor constants); only the classes this bridge can use.

export const STATE_CLASSES = ['measurement', 'measurement_angle', 'total', 'total_increasing'] as const;
export type StateClass = (typeof STATE_CLASSES)[number];

const ENERGY_UNITS = [
  'J',
  'kJ',
  'MJ',
  'GJ',
  'mWh',
  'Wh',
  'kWh',
  'MWh',
  'GWh',
  'TWh',
  'cal',
  'kcal',
  'Mcal',
  'Gcal',
] as const;
const VOLUME_UNITS = ['L', 'mL', 'gal', 'fl. oz.', 'm³', 'ft³', 'CCF'] as const;
const TEMPERATURE_UNITS = ['°C', '°F', 'K'] as const;

/**
 * Units per device class. `null` means the class takes no unit at all (timestamps, enums).
 * Units must match exactly: HA refuses `m3` for `m³` and `kwh` for `kWh`.
 */
export const DEVICE_CLASS_UNITS = {
  temperature: TEMPERATURE_UNITS,
  power: ['W', 'kW', 'MW', 'GW', 'TW'],
  energy: ENERGY_UNITS,
  energy_storage: ENERGY_UNITS,
  water: ['L', 'gal', 'm³', 'ft³', 'CCF'],
  volume: VOLUME_UNITS,
  volume_storage: VOLUME_UNITS,
  volume_flow_rate: ['m³/h', 'm³/s', 'ft³/min', 'L/h', 'L/min', 'L/s', 'gal/min', 'mL/s'],
  duration: ['d', 'h', 'min', 's', 'ms'],
  signal_strength: ['dB', 'dBm'],
  battery: ['%'],
  humidity: ['%'],
  voltage: ['mV', 'V'],
  current: ['mA', 'A'],
  frequency: ['Hz', 'kHz', 'MHz', 'GHz'],
  timestamp: null,
  enum: null,
} as const satisfies Record<string, readonly string[] | null>;

export type SensorDeviceClass = keyof typeof DEVICE_CLASS_UNITS;
export const SENSOR_DEVICE_CLASSES = Object.keys(DEVICE_CLASS_UNITS) as [
  SensorDeviceClass,
  ...SensorDeviceClass[],
];

/** State classes HA accepts per device class; an empty list means no state class at all. */
export const DEVICE_CLASS_STATE_CLASSES: Record<SensorDeviceClass, readonly StateClass[]> = {
  temperature: ['measurement'],
  power: ['measurement'],
  // The Energy dashboard only offers energy sensors that count up; `measurement` makes HA demand a
  // last_reset and keeps the sensor out of the dashboard.
  energy: ['total', 'total_increasing'],
  energy_storage: ['measurement'],
  water: ['total', 'total_increasing'],
  volume: ['total', 'total_increasing'],
  volume_storage: ['measurement'],
  volume_flow_rate: ['measurement'],
  duration: ['measurement', 'total', 'total_increasing'],
  signal_strength: ['measurement'],
  battery: ['measurement'],
  humidity: ['measurement'],
  voltage: ['measurement'],
  current: ['measurement'],
  frequency: ['measurement'],
  timestamp: [],
  enum: [],
};

/** Number entities share the sensor classes that carry a numeric value. */
export type NumberDeviceClass = Exclude<SensorDeviceClass, 'timestamp' | 'enum'>;
export const NUMBER_DEVICE_CLASSES = SENSOR_DEVICE_CLASSES.filter(
  (c): c is NumberDeviceClass => c !== 'timestamp' && c !== 'enum',
) as [NumberDeviceClass, ...NumberDeviceClass[]];

export function allowedUnits(deviceClass: SensorDeviceClass): readonly string[] | null {
  return DEVICE_CLASS_UNITS[deviceClass];
}

/** Problems with a device class / unit / state class combination, as sentences; empty when HA accepts it. */
export function unitProblems(
  deviceClass: SensorDeviceClass | undefined,
  unit: string | null | undefined,
  stateClass: StateClass | undefined,
): string[] {
  const problems: string[] = [];
  if (deviceClass === undefined) return problems;
  const units = allowedUnits(deviceClass);
  if (units === null) {
    if (unit !== undefined && unit !== null) {
      problems.push(`device_class ${deviceClass} takes no unit_of_measurement (got "${unit}")`);
    }
  } else if (unit === undefined || unit === null) {
    problems.push(`device_class ${deviceClass} needs a unit_of_measurement, one of: ${units.join(', ')}`);
  } else if (!units.includes(unit)) {
    problems.push(
      `unit "${unit}" is not allowed for device_class ${deviceClass}; use one of: ${units.join(', ')}`,
    );
  }
  if (stateClass !== undefined) {
    const allowed = DEVICE_CLASS_STATE_CLASSES[deviceClass];
    if (!allowed.includes(stateClass)) {
      problems.push(
        allowed.length === 0
          ? `device_class ${deviceClass} takes no state_class (got ${stateClass})`
          : `state_class ${stateClass} is not allowed for device_class ${deviceClass}; use ${allowed.join(' or ')}`,
      );
    }
  }
  return problems;
}
