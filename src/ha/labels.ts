// The words Home Assistant shows for the NWP500's enumerations: short, sentence case ("Heat pump",
// "Energy saver"). MQTT discovery has no translations, so an enum sensor's state is what people
// read; the wire value and the library's name stay in the entity's attributes.

import {
  CurrentOperationMode,
  DhwOperationSetting,
  DrEvent,
  type EnumTable,
  HeatSource,
  RecirculationMode,
  TemperatureType,
  TempFormulaType,
} from '../device/enums.js';

/** What an enum sensor shows for a value the device left out or no table knows. */
export const UNKNOWN_LABEL = 'Unknown';

export interface EnumLabels {
  readonly table: EnumTable;
  /** Wire value → label. */
  readonly byValue: ReadonlyMap<number, string>;
}

function labels(table: EnumTable, words: Record<number, string>): EnumLabels {
  const byValue = new Map<number, string>();
  for (const value of table.byValue.keys()) {
    const word = words[value];
    if (word === undefined) throw new Error(`no label for ${table.title} ${value}`);
    byValue.set(value, word);
  }
  return { table, byValue };
}

/** The mode the user chose (`dhwOperationSetting`). */
export const OPERATING_MODE_LABELS = labels(DhwOperationSetting, {
  1: 'Heat pump',
  2: 'Electric',
  3: 'Energy saver',
  4: 'High demand',
  5: 'Vacation',
  6: 'Off',
});

/** What the unit is doing (`operationMode`). */
export const ACTIVITY_LABELS = labels(CurrentOperationMode, {
  0: 'Standby',
  32: 'Heat pump',
  64: 'Hybrid efficiency',
  96: 'Hybrid boost',
});

/** 0 is "no heat source running"; "None" would read as unknown in HA (it is HA's null payload). */
export const HEAT_SOURCE_LABELS = labels(HeatSource, {
  0: 'Idle',
  1: 'Heat pump',
  2: 'Element',
  3: 'Heat pump and element',
});

export const DR_EVENT_LABELS = labels(DrEvent, {
  0: 'Not applied',
  1: 'Run normal',
  2: 'Shed',
  3: 'Load up',
  4: 'Advanced load up',
  5: 'Peak event',
});

/** Also the recirculation-mode select's options (0 is never offered there). */
export const RECIRCULATION_MODE_LABELS = labels(RecirculationMode, {
  0: UNKNOWN_LABEL,
  1: 'Always',
  2: 'Button',
  3: 'Schedule',
  4: 'Temperature',
});

export const DISPLAY_UNIT_LABELS = labels(TemperatureType, { 1: 'Celsius', 2: 'Fahrenheit' });

export const TEMPERATURE_FORMULA_LABELS = labels(TempFormulaType, { 0: 'Asymmetric', 1: 'Standard' });

/** Every option an enum sensor may show: its labels, and Unknown once. */
export function labelOptions(labels: EnumLabels): string[] {
  const words = [...new Set(labels.byValue.values())];
  return words.includes(UNKNOWN_LABEL) ? words : [...words, UNKNOWN_LABEL];
}

/** The label of a wire value; Unknown for a value the table does not know. */
export function labelOf(labels: EnumLabels, value: number | null): string {
  return value === null ? UNKNOWN_LABEL : (labels.byValue.get(value) ?? UNKNOWN_LABEL);
}

/** The wire value of a label (the select's commands), undefined for one that is not in the table. */
export function valueOfLabel(labels: EnumLabels, label: string): number | undefined {
  for (const [value, word] of labels.byValue) if (word === label) return value;
  return undefined;
}
