// The NWP500's enumerations (value ↔ name) as lenient lookup tables: an unknown number is kept, never rejected.

export interface EnumTable<Name extends string = string> {
  /** The enum's name as the Python library spells it (for logs and docs). */
  readonly title: string;
  /** name → wire number. */
  readonly byName: Readonly<Record<Name, number>>;
  /** wire number → name. */
  readonly byValue: ReadonlyMap<number, Name>;
}

export function defineEnum<const T extends Record<string, number>>(
  title: string,
  members: T,
): EnumTable<Extract<keyof T, string>> {
  const byValue = new Map<number, Extract<keyof T, string>>();
  for (const [name, value] of Object.entries(members)) byValue.set(value, name as Extract<keyof T, string>);
  return { title, byName: members, byValue };
}

/** The member name for a wire number, or null when the device sent a value this table does not know. */
export function enumName<Name extends string>(table: EnumTable<Name>, value: number): Name | null {
  return table.byValue.get(value) ?? null;
}

/** Like {@link enumName} but never empty: unknown values read `UNKNOWN_<n>` (for logs and text sensors). */
export function enumLabel(table: EnumTable, value: number): string {
  return enumName(table, value) ?? `UNKNOWN_${value}`;
}

/** The mode the user selected (`dhwOperationSetting`, and the `dhw-mode` command parameter). */
export const DhwOperationSetting = defineEnum('DhwOperationSetting', {
  HEAT_PUMP: 1,
  ELECTRIC: 2,
  ENERGY_SAVER: 3,
  HIGH_DEMAND: 4,
  VACATION: 5,
  POWER_OFF: 6,
});

/** What the unit is doing right now (`operationMode`); 0 is both "idle" and "off". */
export const CurrentOperationMode = defineEnum('CurrentOperationMode', {
  STANDBY: 0,
  HEAT_PUMP_MODE: 32,
  HYBRID_EFFICIENCY_MODE: 64,
  HYBRID_BOOST_MODE: 96,
});

/** The heat source in use (`currentHeatUse`). */
export const HeatSource = defineEnum('HeatSource', {
  UNKNOWN: 0,
  HEATPUMP: 1,
  HEATELEMENT: 2,
  HEATPUMP_HEATELEMENT: 3,
});

/** CTA-2045 demand-response event (`drEventStatus`). */
export const DrEvent = defineEnum('DREvent', {
  UNKNOWN: 0,
  RUN_NORMAL: 1,
  SHED: 2,
  LOADUP: 3,
  LOADUP_ADV: 4,
  CPE: 5,
});

/** Recirculation pump mode (`recircOperationMode`, and the `recirc-mode` command parameter). */
export const RecirculationMode = defineEnum('RecirculationMode', {
  UNKNOWN: 0,
  ALWAYS: 1,
  BUTTON: 2,
  SCHEDULE: 3,
  TEMPERATURE: 4,
});

/** The display unit the device is set to (`temperatureType`). */
export const TemperatureType = defineEnum('TemperatureType', {
  CELSIUS: 1,
  FAHRENHEIT: 2,
});

/** How the device rounds the outside temperature to whole °F (`tempFormulaType`). */
export const TempFormulaType = defineEnum('TempFormulaType', {
  ASYMMETRIC: 0,
  STANDARD: 1,
});

/** Granularity of the DHW setpoint (feature `dhwTemperatureSettingUse`); 0 and 1 mean "cannot set". */
export const DhwControlType = defineEnum('DHWControlTypeFlag', {
  UNKNOWN: 0,
  DISABLE: 1,
  ENABLE_DOT_5_DEGREE: 2,
  ENABLE_1_DEGREE: 3,
  ENABLE_3_STAGE: 4,
});

/** Tank size (feature `volumeCode`). */
export const VolumeCode = defineEnum('VolumeCode', {
  VOLUME_50: 1,
  VOLUME_65: 2,
  VOLUME_80: 3,
});

/** Nominal tank size in US gallons per `volumeCode`. */
export const TANK_GALLONS: ReadonlyMap<number, 50 | 65 | 80> = new Map([
  [1, 50],
  [2, 65],
  [3, 80],
]);

/** Device family (feature `modelTypeCode`); only the values relevant to Navien water heaters. */
export const UnitType = defineEnum('UnitType', {
  NO_DEVICE: 0,
  NPE: 1,
  NCB: 2,
  NHB: 3,
  CAS_NPE: 4,
  CAS_NHB: 5,
  NFB: 6,
  CAS_NFB: 7,
  NFC: 8,
  NPN: 9,
  CAS_NPN: 10,
  NPE2: 11,
  CAS_NPE2: 12,
  NCB_H: 13,
  NVW: 14,
  CAS_NVW: 15,
  NHB_H: 16,
  CAS_NHB_H: 17,
  NFB_700: 20,
  CAS_NFB_700: 21,
  TWC: 257,
  NPF: 513,
});
