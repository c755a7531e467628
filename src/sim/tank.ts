// Just enough water-heater physics to look alive: a tank that heats toward the setpoint with the heat
// sources the selected mode allows, idles there, and slowly loses heat. Pure state plus `advance(ms)`.

import { DHW_MODE, HEAT_SOURCE, OPERATION_MODE } from './wire.js';

export interface TankPhysicsOptions {
  /** Temperature rise from the heat pump alone, °C per minute. */
  heatPumpRateCPerMinute: number;
  /** Extra temperature rise while an element runs, °C per minute. */
  elementRateCPerMinute: number;
  /** Standby loss at a 40 K difference to the room, °C per hour (scaled by the actual difference). */
  heatLossCPerHour: number;
  /** Heating restarts once the upper tank is this far below the setpoint. */
  restartDifferentialC: number;
  /** Room (intake air) temperature. */
  ambientC: number;
  /** Cold-water inlet temperature. */
  inletC: number;
  compressorWatts: number;
  elementWatts: number;
}

export const DEFAULT_TANK_PHYSICS: TankPhysicsOptions = {
  heatPumpRateCPerMinute: 0.5,
  elementRateCPerMinute: 1.0,
  heatLossCPerHour: 1.0,
  restartDifferentialC: 3,
  ambientC: 20,
  inletC: 15,
  compressorWatts: 450,
  elementWatts: 3755,
};

/** Which heat sources run right now. */
export interface HeatSources {
  compressor: boolean;
  upperElement: boolean;
  lowerElement: boolean;
}

const NONE: HeatSources = { compressor: false, upperElement: false, lowerElement: false };

/** Energy and run time accumulated by `advance`, for the device's counters. */
export interface TankUsage {
  heatPumpWh: number;
  elementWh: number;
  heatPumpMs: number;
  elementMs: number;
  fanMs: number;
}

/** Longest slice of simulated time handled in one step, so a big jump still stops at the setpoint. */
const MAX_STEP_MS = 10_000;
/** Bound on steps per `advance` call; very long jumps use coarser steps instead. */
const MAX_STEPS = 20_000;
const STRATIFICATION_HEATING_C = 2;
const STRATIFICATION_IDLE_C = 4;
/** The unit never lets the tank get colder than this, whatever the mode (freeze protection). */
const FREEZE_GUARD_C = 8;

export class TankModel {
  upperC: number;
  private heating = false;
  private sources: HeatSources = NONE;

  constructor(
    initialUpperC: number,
    private readonly physics: TankPhysicsOptions,
  ) {
    this.upperC = initialUpperC;
  }

  get lowerC(): number {
    const stratification = this.heating ? STRATIFICATION_HEATING_C : STRATIFICATION_IDLE_C;
    return Math.max(this.physics.inletC, this.upperC - stratification);
  }

  get isHeating(): boolean {
    return this.heating;
  }

  get heatSources(): HeatSources {
    return this.sources;
  }

  get ambientC(): number {
    return this.physics.ambientC;
  }

  get inletC(): number {
    return this.physics.inletC;
  }

  /** Instantaneous electrical power, W. */
  get powerWatts(): number {
    const { compressor, upperElement, lowerElement } = this.sources;
    const compressorWatts = compressor ? this.physics.compressorWatts + Math.round(this.upperC) : 0;
    const elements = (upperElement ? 1 : 0) + (lowerElement ? 1 : 0);
    return compressorWatts + elements * this.physics.elementWatts;
  }

  get heatSourceCode(): number {
    const { compressor, upperElement, lowerElement } = this.sources;
    const element = upperElement || lowerElement;
    if (compressor && element) return HEAT_SOURCE.both;
    if (compressor) return HEAT_SOURCE.heatPump;
    if (element) return HEAT_SOURCE.element;
    return HEAT_SOURCE.none;
  }

  /** `operationMode` for the current activity in the given DHW mode. */
  operationModeFor(dhwMode: number): number {
    if (!this.heating) return OPERATION_MODE.standby;
    switch (dhwMode) {
      case DHW_MODE.heatPump:
        return OPERATION_MODE.heatPump;
      case DHW_MODE.energySaver:
        return OPERATION_MODE.hybridEfficiency;
      case DHW_MODE.highDemand:
      case DHW_MODE.electric:
        return OPERATION_MODE.hybridBoost;
      default:
        return OPERATION_MODE.heatPump;
    }
  }

  /** Runs the tank forward by `ms` of simulated time; returns the energy and run time it used. */
  advance(ms: number, dhwMode: number, setpointC: number): TankUsage {
    const usage: TankUsage = { heatPumpWh: 0, elementWh: 0, heatPumpMs: 0, elementMs: 0, fanMs: 0 };
    if (!(ms > 0)) return usage;
    const step = Math.max(MAX_STEP_MS, ms / MAX_STEPS);
    let left = ms;
    while (left > 0) {
      const slice = Math.min(step, left);
      this.step(slice, dhwMode, setpointC, usage);
      left -= slice;
    }
    return usage;
  }

  private step(ms: number, dhwMode: number, setpointC: number, usage: TankUsage): void {
    const minutes = ms / 60_000;
    const hours = ms / 3_600_000;
    const canHeat = dhwMode !== DHW_MODE.powerOff && dhwMode !== DHW_MODE.vacation;
    const target = canHeat ? setpointC : FREEZE_GUARD_C + this.physics.restartDifferentialC;

    if (this.heating && this.upperC >= target) this.heating = false;
    if (!this.heating && this.upperC <= target - this.physics.restartDifferentialC) this.heating = true;
    this.sources = this.heating ? this.chooseSources(canHeat ? dhwMode : DHW_MODE.electric, target) : NONE;

    const { compressor, upperElement, lowerElement } = this.sources;
    const elementCount = (upperElement ? 1 : 0) + (lowerElement ? 1 : 0);
    const gain =
      (compressor ? this.physics.heatPumpRateCPerMinute : 0) +
      elementCount * this.physics.elementRateCPerMinute;
    const loss = ((this.physics.heatLossCPerHour / 60) * (this.upperC - this.physics.ambientC)) / 40;
    const before = this.upperC;
    let next = before + (gain - loss) * minutes;
    // Heating stops at the target instead of overshooting it within one step.
    if (this.heating && next > target) next = Math.max(target, before);
    this.upperC = next;
    if (this.heating && this.upperC >= target) {
      this.heating = false;
      this.sources = NONE;
    }

    if (compressor) {
      usage.heatPumpWh += (this.physics.compressorWatts + Math.round(before)) * hours;
      usage.heatPumpMs += ms;
      usage.fanMs += ms;
    }
    if (elementCount > 0) {
      usage.elementWh += elementCount * this.physics.elementWatts * hours;
      usage.elementMs += ms;
    }
  }

  private chooseSources(dhwMode: number, target: number): HeatSources {
    const deficit = target - this.upperC;
    switch (dhwMode) {
      case DHW_MODE.heatPump:
        return { compressor: true, upperElement: false, lowerElement: false };
      case DHW_MODE.electric:
        return { compressor: false, upperElement: deficit > 0, lowerElement: false };
      case DHW_MODE.highDemand:
        return { compressor: true, upperElement: deficit > 5, lowerElement: false };
      default:
        // Energy Saver: the heat pump, with an element only when the tank is far behind.
        return { compressor: true, upperElement: deficit > 20, lowerElement: false };
    }
  }
}
