// Daily energy use of one simulated device, as the energy-usage query (16777225) reports it: Wh and
// hours per day for the heat pump (hp*) and the elements (he*). Days the simulator ran are measured;
// earlier days get a plausible, deterministic history so month views are not empty.

import { createHash } from 'node:crypto';
import type { TankUsage } from './tank.js';

export interface DailyUsage {
  hpUsage: number;
  heUsage: number;
  hpTime: number;
  heTime: number;
}

export interface MonthUsage {
  year: number;
  month: number;
  data: DailyUsage[];
}

export interface EnergyUsageReport {
  total: DailyUsage;
  usage: MonthUsage[];
}

interface MeasuredDay {
  heatPumpWh: number;
  elementWh: number;
  heatPumpMs: number;
  elementMs: number;
}

/** Measured days kept in memory (a bit over a year). */
const MAX_MEASURED_DAYS = 400;
const MS_PER_HOUR = 3_600_000;

function dayKey(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export class EnergyLog {
  private readonly measured = new Map<string, MeasuredDay>();

  /** @param seed makes each device's invented history different but stable. */
  constructor(private readonly seed: string) {}

  /** Adds what the tank used during a tick that ended at `wallMs` (UTC days). */
  record(wallMs: number, usage: TankUsage): void {
    if (usage.heatPumpWh === 0 && usage.elementWh === 0 && usage.heatPumpMs === 0 && usage.elementMs === 0) {
      return;
    }
    const date = new Date(wallMs);
    const key = dayKey(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
    let day = this.measured.get(key);
    if (!day) {
      day = { heatPumpWh: 0, elementWh: 0, heatPumpMs: 0, elementMs: 0 };
      this.measured.set(key, day);
      while (this.measured.size > MAX_MEASURED_DAYS) {
        const oldest = this.measured.keys().next().value;
        if (oldest === undefined) break;
        this.measured.delete(oldest);
      }
    }
    day.heatPumpWh += usage.heatPumpWh;
    day.elementWh += usage.elementWh;
    day.heatPumpMs += usage.heatPumpMs;
    day.elementMs += usage.elementMs;
  }

  /** The reply to an energy-usage query for `months` of `year`, as seen at `nowWallMs`. */
  report(year: number, months: readonly number[], nowWallMs: number): EnergyUsageReport {
    const total: DailyUsage = { hpUsage: 0, heUsage: 0, hpTime: 0, heTime: 0 };
    const usage = months.map((month) => {
      const data: DailyUsage[] = [];
      for (let day = 1; day <= daysInMonth(year, month); day++) {
        const entry = this.day(year, month, day, nowWallMs);
        total.hpUsage += entry.hpUsage;
        total.heUsage += entry.heUsage;
        total.hpTime += entry.hpTime;
        total.heTime += entry.heTime;
        data.push(entry);
      }
      return { year, month, data };
    });
    return { total, usage };
  }

  private day(year: number, month: number, day: number, nowWallMs: number): DailyUsage {
    const measured = this.measured.get(dayKey(year, month, day));
    const startOfDay = Date.UTC(year, month - 1, day);
    const now = new Date(nowWallMs);
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    if (measured) {
      return {
        hpUsage: Math.round(measured.heatPumpWh),
        heUsage: Math.round(measured.elementWh),
        hpTime: Math.round(measured.heatPumpMs / MS_PER_HOUR),
        heTime: Math.round(measured.elementMs / MS_PER_HOUR),
      };
    }
    // Today (so far unmeasured) and the future have used nothing yet.
    if (startOfDay >= today) return { hpUsage: 0, heUsage: 0, hpTime: 0, heTime: 0 };
    return this.inventedDay(year, month, day);
  }

  private inventedDay(year: number, month: number, day: number): DailyUsage {
    const digest = createHash('sha256')
      .update(`${this.seed}:${dayKey(year, month, day)}`)
      .digest();
    const hpTime = 3 + (digest.readUInt8(0) % 6);
    const hpUsage = hpTime * (420 + (digest.readUInt16BE(1) % 80));
    // Now and then a cold morning or a big draw brings an element in.
    const elementDay = digest.readUInt8(3) % 7 === 0;
    const heTime = elementDay ? 1 : 0;
    const heUsage = elementDay ? 1500 + (digest.readUInt16BE(4) % 2000) : 0;
    return { hpUsage, heUsage, hpTime, heTime };
  }
}
