// The soak's plan, made from a seed before anything runs: which faults start when and for how
// long (overlapping at random), and which HA commands are sent when. The same seed and duration
// give the same plan, so a failing run can be replayed; what the network does with it may differ.

import { seededRandom } from '../src/diagnostics/stats.js';

export const FAULT_KINDS = [
  'hangup',
  'rst',
  'blackhole',
  'refuse',
  'hung_upgrade',
  'credential_expiry',
  'device_offline',
  'junk',
  'broker_kill',
  'bridge_restart',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults that last (the rest happen at one instant). */
const DURATIONS_MS: Partial<Record<FaultKind, readonly [number, number]>> = {
  blackhole: [5_000, 70_000],
  refuse: [5_000, 30_000],
  hung_upgrade: [5_000, 30_000],
  device_offline: [10_000, 60_000],
  broker_kill: [2_000, 10_000],
};

/** How often each kind is picked for the random faults beyond the first of each. */
const WEIGHTS: ReadonlyArray<readonly [FaultKind, number]> = [
  ['hangup', 3],
  ['rst', 3],
  ['blackhole', 2],
  ['refuse', 2],
  ['hung_upgrade', 2],
  ['credential_expiry', 1],
  ['device_offline', 2],
  ['junk', 3],
  ['broker_kill', 1],
];

export interface PlannedFault {
  atMs: number;
  kind: FaultKind;
  /** 0 for instant faults. */
  durationMs: number;
}

export type CommandKind = 'temperature' | 'mode' | 'power';
export const MODES = ['eco', 'heat_pump', 'high_demand', 'electric'] as const;
export type Mode = (typeof MODES)[number];

/** A setpoint range every NWP500 accepts (the simulator's is 104.9–149 °F). */
export const TEMPERATURE_RANGE_F = { min: 106, max: 148 } as const;

/** Payloads the bridge must refuse, each with the reason it must give. */
export const INVALID_COMMANDS: ReadonlyArray<{ key: string; payload: string; reason: string }> = [
  { key: 'mode', payload: 'banana', reason: 'invalid_payload' },
  { key: 'target_temperature', payload: '999', reason: 'out_of_range' },
  { key: 'target_temperature', payload: 'warm', reason: 'invalid_payload' },
  { key: 'power', payload: 'x'.repeat(100), reason: 'invalid_payload' },
];

export interface SoakPlan {
  seed: number;
  durationMs: number;
  faults: PlannedFault[];
  /** Mean gap between HA commands. */
  commandGapMs: readonly [number, number];
}

/** The seeded generator the diagnostics' permutation tests use: one implementation, not two. */
export const prng = seededRandom;

function between(random: () => number, min: number, max: number): number {
  return Math.round(min + random() * (max - min));
}

function pickWeighted(random: () => number): FaultKind {
  const total = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [kind, weight] of WEIGHTS) {
    roll -= weight;
    if (roll < 0) return kind;
  }
  return 'hangup';
}

function durationFor(kind: FaultKind, random: () => number, runMs: number): number {
  const range = DURATIONS_MS[kind];
  if (!range) return 0;
  // Short runs keep each outage to a quarter of the run, so several fit and overlap.
  const max = Math.max(range[0], Math.min(range[1], Math.floor(runMs / 4)));
  return between(random, range[0], max);
}

/**
 * Every kind at least once (the bridge restart exactly once, past the middle), then more at
 * random, about one every `meanGapMs`; lasting faults end before the run does.
 */
export function planSoak(seed: number, durationMs: number, meanGapMs = 12_000): SoakPlan {
  const random = prng(seed);
  const start = Math.min(5_000, durationMs * 0.05);
  const end = durationMs * 0.85;
  const faults: PlannedFault[] = [];
  const add = (atMs: number, kind: FaultKind) => {
    const at = Math.round(atMs);
    const lasting = Math.min(durationFor(kind, random, durationMs), Math.max(0, durationMs - at - 1_000));
    faults.push({ atMs: at, kind, durationMs: lasting });
  };
  add(durationMs * (0.5 + random() * 0.15), 'bridge_restart');
  for (const kind of FAULT_KINDS) {
    if (kind !== 'bridge_restart') add(start + random() * (end - start), kind);
  }
  for (let at = start + random() * meanGapMs; at < end; at += meanGapMs * (0.3 + random() * 1.4)) {
    add(at, pickWeighted(random));
  }
  faults.sort((a, b) => a.atMs - b.atMs || a.kind.localeCompare(b.kind));
  return { seed, durationMs, faults, commandGapMs: [2_000, 5_000] };
}

export interface PlannedCommand {
  kind: CommandKind | 'invalid';
  key: string;
  payload: string;
  /** Refusals this one must get, for the invalid ones. */
  refusal: string | null;
}

/**
 * The HA command stream: one per call, in a seeded order. A value never repeats the last one of
 * its kind (so a repeat on the device is told from a new command), mode changes wait for power
 * ON (a mode sent while off makes the bridge add a power-on of its own), and about one in ten is
 * a payload the bridge must refuse.
 */
export class CommandStream {
  private readonly random: () => number;
  private readonly last: Partial<Record<CommandKind, string>> = {};
  private powerOn = true;

  /** `initial`: the heater's settings at the start, so the first command of a kind changes it. */
  constructor(seed: number, initial: Partial<Record<CommandKind, string>> = {}) {
    this.random = prng(seed ^ 0x5eed);
    Object.assign(this.last, initial);
    if (initial.power === 'OFF') this.powerOn = false;
  }

  /** The power state the stream last asked for. */
  get poweredOn(): boolean {
    return this.powerOn;
  }

  next(canChangeMode: boolean): PlannedCommand {
    const random = this.random;
    if (random() < 0.1) {
      const invalid = INVALID_COMMANDS[Math.floor(random() * INVALID_COMMANDS.length)] ?? INVALID_COMMANDS[0];
      if (invalid)
        return { kind: 'invalid', key: invalid.key, payload: invalid.payload, refusal: invalid.reason };
    }
    const roll = random();
    const kind: CommandKind =
      roll < 0.45 ? 'temperature' : roll < 0.8 && this.powerOn && canChangeMode ? 'mode' : 'power';
    let payload: string;
    let key: string;
    if (kind === 'temperature') {
      key = 'target_temperature';
      do payload = String(between(random, TEMPERATURE_RANGE_F.min, TEMPERATURE_RANGE_F.max));
      while (payload === this.last.temperature);
    } else if (kind === 'mode') {
      key = 'mode';
      const options = MODES.filter((mode) => mode !== this.last.mode);
      payload = options[Math.floor(random() * options.length)] ?? 'eco';
    } else {
      key = 'power';
      payload = this.powerOn ? 'OFF' : 'ON';
      this.powerOn = !this.powerOn;
    }
    this.last[kind] = payload;
    return { kind, key, payload, refusal: null };
  }
}
