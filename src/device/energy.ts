// Energy-usage reply decoding (`…/res/energy-usage-daily-query/rd`): monthly totals and per-day heat-pump and
// element figures, read leniently and bounded in size.

import { asRecord, ownField, readWireNumber } from './wireValue.js';

export interface EnergyFigures {
  /** Heat-pump energy, Wh (`hpUsage`). */
  heatPumpWh: number;
  /** Heating-element energy, Wh (`heUsage`). */
  elementWh: number;
  /** Heat-pump run time, hours (`hpTime`). */
  heatPumpHours: number;
  /** Heating-element run time, hours (`heTime`). */
  elementHours: number;
}

export interface EnergyDay extends EnergyFigures {
  year: number;
  month: number;
  /** 1-based: `data[0]` is day 1 of the month. */
  day: number;
}

export interface EnergyUsage {
  total: EnergyFigures;
  days: EnergyDay[];
  problems: string[];
}

const MAX_MONTHS = 36;
const MAX_DAYS_PER_MONTH = 31;

const FIGURE_KEYS: ReadonlyArray<[keyof EnergyFigures, string]> = [
  ['heatPumpWh', 'hpUsage'],
  ['elementWh', 'heUsage'],
  ['heatPumpHours', 'hpTime'],
  ['elementHours', 'heTime'],
];

function zeroFigures(): EnergyFigures {
  return { heatPumpWh: 0, elementWh: 0, heatPumpHours: 0, elementHours: 0 };
}

/** Missing figures count as 0 (the library's default); wrong types are 0 and a problem. */
function readFigures(
  record: Readonly<Record<string, unknown>>,
  where: string,
  problems: string[],
): EnergyFigures {
  const figures = zeroFigures();
  for (const [name, wire] of FIGURE_KEYS) {
    const read = readWireNumber(ownField(record, wire));
    if (read.state === 'ok') figures[name] = read.value;
    else if (read.state === 'bad') problems.push(`${where}.${wire}: ${read.reason}`);
  }
  return figures;
}

function readWhole(
  record: Readonly<Record<string, unknown>>,
  key: string,
  where: string,
  range: [number, number],
  problems: string[],
): number | undefined {
  const read = readWireNumber(ownField(record, key));
  if (
    read.state === 'ok' &&
    Number.isInteger(read.value) &&
    read.value >= range[0] &&
    read.value <= range[1]
  ) {
    return read.value;
  }
  const why =
    read.state === 'bad' ? read.reason : read.state === 'missing' ? 'missing' : `not in ${range.join('–')}`;
  problems.push(`${where}.${key}: ${why}`);
  return undefined;
}

function decodeMonth(entry: unknown, where: string, problems: string[]): EnergyDay[] {
  const record = asRecord(entry);
  if (!record) {
    problems.push(`${where}: expected an object`);
    return [];
  }
  const year = readWhole(record, 'year', where, [1900, 9999], problems);
  const month = readWhole(record, 'month', where, [1, 12], problems);
  if (year === undefined || month === undefined) return [];
  const data = ownField(record, 'data');
  if (!Array.isArray(data)) {
    problems.push(`${where}.data: expected a list of days`);
    return [];
  }
  if (data.length > MAX_DAYS_PER_MONTH) {
    problems.push(`${where}.data: ${data.length - MAX_DAYS_PER_MONTH} entries beyond day 31 ignored`);
  }
  const days: EnergyDay[] = [];
  data.slice(0, MAX_DAYS_PER_MONTH).forEach((item, index) => {
    const dayRecord = asRecord(item);
    const dayWhere = `${where}.data[${index}]`;
    if (!dayRecord) {
      problems.push(`${dayWhere}: expected an object`);
      return;
    }
    days.push({ year, month, day: index + 1, ...readFigures(dayRecord, dayWhere, problems) });
  });
  return days;
}

/**
 * Decodes the `response` of an energy-usage query (a whole message with `response` is accepted too).
 * Never throws; when `total` is missing it is summed from the days and noted in `problems`.
 */
export function decodeEnergyUsage(response: unknown): EnergyUsage {
  const problems: string[] = [];
  try {
    let record = asRecord(response);
    const inner =
      record && !Object.hasOwn(record, 'usage') ? asRecord(ownField(record, 'response')) : undefined;
    if (inner) record = inner;
    if (!record) return { total: zeroFigures(), days: [], problems: ['energy usage: expected an object'] };

    const usage = ownField(record, 'usage');
    const days: EnergyDay[] = [];
    if (Array.isArray(usage)) {
      if (usage.length > MAX_MONTHS)
        problems.push(`usage: ${usage.length - MAX_MONTHS} months beyond ${MAX_MONTHS} ignored`);
      usage.slice(0, MAX_MONTHS).forEach((entry, index) => {
        days.push(...decodeMonth(entry, `usage[${index}]`, problems));
      });
    } else if (usage !== undefined) {
      problems.push('usage: expected a list of months');
    }

    const totalRecord = asRecord(ownField(record, 'total'));
    let total: EnergyFigures;
    if (totalRecord) {
      total = readFigures(totalRecord, 'total', problems);
    } else {
      problems.push('total: missing, summed from the daily figures');
      total = zeroFigures();
      for (const day of days) for (const [name] of FIGURE_KEYS) total[name] += day[name];
    }
    return { total, days, problems };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'unknown error';
    return {
      total: zeroFigures(),
      days: [],
      problems: [...problems, `energy usage: could not be read (${name})`],
    };
  }
}
