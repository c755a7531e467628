// Closes the soak's books: every HA command issued is matched against what the simulated heater
// received (its command log) and what the bridge counted (accepted, delivered, superseded,
// expired, overflow, unconfirmed, refused, in queue). A command neither seen by the heater nor
// counted by the bridge is unaccounted; the heater's final state must be the last command of each
// kind. Pure: the runner gathers the facts, this judges them.

import { DHW_MODE_VALUES } from '../src/device/commands.js';
import { fahrenheitToHalfRaw } from '../src/device/units.js';
import type { CommandKind, Mode } from './schedule.js';

export interface IssuedCommand {
  /** 1, 2, 3… in the order they were published. */
  n: number;
  /** Ms since the soak started. */
  atMs: number;
  kind: CommandKind | 'invalid';
  key: string;
  payload: string;
  /** The refusal reason an invalid one must get; null for valid commands. */
  refusal: string | null;
}

/** One entry of the simulated heater's command log (`GET /_sim/devices/<mac>/commands`). */
export interface DeviceEntry {
  seq: number;
  receivedAtMs: number;
  sessionId: string;
  name: string | undefined;
  param: readonly number[] | undefined;
  outcome: string;
}

/** The bridge's command accounting (diagnostics `bridge.commands`), summed over its runs. */
export interface BridgeCounters {
  accepted: number;
  delivered: number;
  superseded: number;
  expired: number;
  overflow: number;
  unconfirmed: number;
  refused: number;
  ignored_retained: number;
  in_queue: number;
}

export interface FinalDeviceState {
  /** Raw half-°C setpoint. */
  setpointRaw: number;
  /** `dhwOperationSetting`: 1–4 modes, 6 powered off. */
  dhwMode: number;
}

export interface AccountingInput {
  issued: readonly IssuedCommand[];
  device: readonly DeviceEntry[];
  /** Null when the bridge does not report its command accounting. */
  bridge: BridgeCounters | null;
  /** Refusals the bridge counted during the run, by reason. */
  refusedByReason: Readonly<Record<string, number>>;
  /** How many bridge processes ran (a session id that stays per process is not per command). */
  bridgeProcesses: number;
  final: FinalDeviceState;
  /** The heater's settings when the soak began (before any command). */
  initial: FinalDeviceState;
  /** The queue depth the bridge reported at the end. */
  queueDepth: number;
  /** Wall-clock ms of the soak's start, to place device entries on the soak's time line. */
  startedAtWallMs: number;
}

export interface UnaccountedCommand {
  n: number;
  atMs: number;
  key: string;
  payload: string;
}

export interface StateCheck {
  expected: string | number | null;
  actual: string | number;
  ok: boolean;
}

export interface Accounting {
  issued: number;
  issued_valid: number;
  issued_invalid: number;
  /** Distinct issued commands the heater received and applied. */
  delivered: number;
  /** Extra receptions of a command the heater already had (at-least-once delivery). */
  duplicated: number;
  superseded: number;
  expired: number;
  overflow: number;
  dropped_with_counter: number;
  /** Delivered to the cloud, not confirmed by the heater (the bridge's count). */
  unconfirmed: number;
  in_queue: number;
  /** Receptions while the heater was offline: the cloud took them, the heater never saw them. */
  offline_receptions: number;
  /** Commands the heater received and refused (none of ours should be). */
  heater_refused: number;
  refused: {
    expected_by_reason: Record<string, number>;
    seen_by_reason: Record<string, number>;
    /** Valid commands the bridge refused (the rest of its refusals were the invalid ones). */
    valid_refused: number;
    /** Invalid commands without a refusal counted for them. */
    missing: number;
  };
  /** How duplicates were told: by a session id per command, or by value where ids repeat. */
  duplicates_told_by: 'session_id' | 'value';
  /** Commands the heater received out of the order they were issued in (same kind). */
  out_of_order: number;
  /** Commands the heater received that nobody issued (and are no repeat). */
  phantom: number;
  /** Power-on commands the bridge added itself (a mode change while it saw the heater off). */
  implied_power_on: number;
  /**
   * Commands the heater never got but whose setting it already had when they were issued, and
   * the bridge counted delivered (it confirms by the heater's state, so for it they are done).
   */
  already_in_effect: number;
  /**
   * Valid commands the heater never applied that no counter of the bridge explains (superseded,
   * expired, overflow, unconfirmed, refused, still queued), plus invalid ones with no refusal:
   * must be 0. Negative means the bridge counted more than happened.
   */
  unaccounted: number;
  /** Issued valid commands the heater never saw (delivered to nobody), oldest first. */
  not_seen_by_heater: UnaccountedCommand[];
  /** The bridge's own books: accepted − (delivered + superseded + expired + overflow + unconfirmed + in queue). */
  bridge_books_gap: number | null;
  final_state: { temperature: StateCheck; power: StateCheck; mode: StateCheck };
  queue_depth: number;
}

type Kind = CommandKind;

/** What the heater's log shows for an issued command: kind and a comparable value. */
function issuedValue(command: IssuedCommand): { kind: Kind; value: string } | undefined {
  switch (command.kind) {
    case 'temperature':
      return { kind: 'temperature', value: `raw ${fahrenheitToHalfRaw(Number(command.payload))}` };
    case 'mode':
      return { kind: 'mode', value: `mode ${DHW_MODE_VALUES[command.payload as Mode]}` };
    case 'power':
      return { kind: 'power', value: command.payload === 'ON' ? 'on' : 'off' };
    default:
      return undefined;
  }
}

function entryValue(entry: DeviceEntry): { kind: Kind; value: string } | undefined {
  switch (entry.name) {
    case 'dhwTemperature':
      return { kind: 'temperature', value: `raw ${entry.param?.[0]}` };
    case 'dhwMode':
      return { kind: 'mode', value: `mode ${entry.param?.[0]}` };
    case 'powerOn':
      return { kind: 'power', value: 'on' };
    case 'powerOff':
      return { kind: 'power', value: 'off' };
    default:
      return undefined;
  }
}

interface Matched {
  delivered: Set<number>;
  duplicated: number;
  outOfOrder: number;
  phantom: number;
  impliedPowerOn: number;
}

/**
 * Walks the heater's log of one kind in arrival order against the issued commands of that kind:
 * each reception is the next issued command with its value (not before it was issued), a repeat
 * of one already received, an old one arriving after a newer one (out of order), or a phantom.
 */
function matchKind(
  kind: Kind,
  issued: ReadonlyArray<{ command: IssuedCommand; value: string }>,
  received: ReadonlyArray<{ entry: DeviceEntry; value: string; atMs: number }>,
  idsPerCommand: boolean,
  into: Matched,
): void {
  let next = 0;
  let lastValue: string | undefined;
  const seenIds = new Set<string>();
  for (const { entry, value, atMs } of received) {
    const idKey = `${entry.sessionId}|${value}`;
    if (idsPerCommand && seenIds.has(idKey)) {
      into.duplicated++;
      continue;
    }
    let found = -1;
    for (let index = next; index < issued.length; index++) {
      const candidate = issued[index];
      // Nothing arrives before it is issued (one process, one clock; a little slack for rounding).
      if (!candidate || candidate.command.atMs > atMs + 50) break;
      if (candidate.value === value) {
        found = index;
        break;
      }
    }
    if (value === lastValue && found < 0) {
      // The value it already has, and no later command asks for it: a repeat.
      into.duplicated++;
      continue;
    }
    if (found >= 0) {
      const command = issued[found]?.command;
      if (command) into.delivered.add(command.n);
      next = found + 1;
      lastValue = value;
      seenIds.add(idKey);
      continue;
    }
    const older = issued.slice(0, next).some((candidate) => candidate.value === value);
    if (older) into.outOfOrder++;
    else if (kind === 'power' && value === 'on') into.impliedPowerOn++;
    else into.phantom++;
  }
}

function initialValue(kind: Kind, initial: FinalDeviceState): string {
  if (kind === 'temperature') return `raw ${initial.setpointRaw}`;
  if (kind === 'mode') return `mode ${initial.dhwMode}`;
  return initial.dhwMode === 6 ? 'off' : 'on';
}

function count(values: Iterable<string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of values) out[value] = (out[value] ?? 0) + 1;
  return out;
}

export function closeBooks(input: AccountingInput): Accounting {
  const valid = input.issued.filter((command) => command.refusal === null);
  const invalid = input.issued.filter((command) => command.refusal !== null);
  const byKind = new Map<Kind, Array<{ command: IssuedCommand; value: string }>>();
  for (const command of valid) {
    const mapped = issuedValue(command);
    if (!mapped) continue;
    const list = byKind.get(mapped.kind) ?? [];
    list.push({ command, value: mapped.value });
    byKind.set(mapped.kind, list);
  }
  const receivedByKind = new Map<Kind, Array<{ entry: DeviceEntry; value: string; atMs: number }>>();
  const sessionIds = new Set<string>();
  let offlineReceptions = 0;
  let heaterRefused = 0;
  for (const entry of [...input.device].sort((a, b) => a.seq - b.seq)) {
    const mapped = entryValue(entry);
    if (!mapped) continue;
    // Only an applied command counts as delivered: an offline heater never saw it (the cloud took
    // it all the same), and a heater that refused one kept its old setting.
    if (entry.outcome === 'offline') {
      offlineReceptions++;
      continue;
    }
    if (entry.outcome !== 'applied') {
      heaterRefused++;
      continue;
    }
    sessionIds.add(entry.sessionId);
    const list = receivedByKind.get(mapped.kind) ?? [];
    list.push({ entry, value: mapped.value, atMs: entry.receivedAtMs - input.startedAtWallMs });
    receivedByKind.set(mapped.kind, list);
  }
  const idsPerCommand = sessionIds.size > Math.max(1, input.bridgeProcesses);
  const matched: Matched = {
    delivered: new Set(),
    duplicated: 0,
    outOfOrder: 0,
    phantom: 0,
    impliedPowerOn: 0,
  };
  for (const kind of ['temperature', 'mode', 'power'] as const) {
    matchKind(kind, byKind.get(kind) ?? [], receivedByKind.get(kind) ?? [], idsPerCommand, matched);
  }

  const bridge = input.bridge;
  const superseded = bridge?.superseded ?? 0;
  const expired = bridge?.expired ?? 0;
  const overflow = bridge?.overflow ?? 0;
  const inQueue = bridge?.in_queue ?? input.queueDepth;
  const expectedByReason = count(invalid.map((command) => command.refusal ?? ''));
  const seenByReason = { ...input.refusedByReason };
  let missing = 0;
  let surplus = 0;
  for (const [reason, expected] of Object.entries(expectedByReason)) {
    missing += Math.max(0, expected - (seenByReason[reason] ?? 0));
  }
  for (const [reason, seen] of Object.entries(seenByReason)) {
    surplus += Math.max(0, seen - (expectedByReason[reason] ?? 0));
  }
  const delivered = matched.delivered.size;
  // A command the heater never applied but whose setting it had at the time is in effect.
  const appliedTimeline = [...receivedByKind.values()].flat().sort((a, b) => a.atMs - b.atMs);
  const settingAt = (kind: Kind, atMs: number): string => {
    let value = initialValue(kind, input.initial);
    for (const received of appliedTimeline) {
      if (received.atMs > atMs) break;
      const mapped = entryValue(received.entry);
      if (mapped?.kind === kind) value = mapped.value;
    }
    return value;
  };
  let alreadyInEffect = 0;
  const notSeen: UnaccountedCommand[] = [];
  for (const command of valid) {
    const mapped = issuedValue(command);
    if (!mapped || matched.delivered.has(command.n)) continue;
    if (settingAt(mapped.kind, command.atMs) === mapped.value) alreadyInEffect++;
    else notSeen.push({ n: command.n, atMs: command.atMs, key: command.key, payload: command.payload });
  }

  const unconfirmed = bridge?.unconfirmed ?? 0;
  // The bridge counts a command "delivered" when the heater's state shows it, so one the heater
  // already had is delivered for it: those explain the bridge's deliveries beyond the heater's.
  const inEffect = bridge
    ? Math.min(alreadyInEffect, Math.max(0, bridge.delivered - delivered))
    : alreadyInEffect;
  const unaccounted =
    valid.length -
    delivered -
    inEffect -
    superseded -
    expired -
    overflow -
    unconfirmed -
    surplus -
    inQueue +
    missing;
  return {
    issued: input.issued.length,
    issued_valid: valid.length,
    issued_invalid: invalid.length,
    delivered,
    duplicated: matched.duplicated,
    superseded,
    expired,
    overflow,
    dropped_with_counter: expired + overflow,
    unconfirmed,
    in_queue: inQueue,
    offline_receptions: offlineReceptions,
    heater_refused: heaterRefused,
    refused: {
      expected_by_reason: expectedByReason,
      seen_by_reason: seenByReason,
      valid_refused: surplus,
      missing,
    },
    duplicates_told_by: idsPerCommand ? 'session_id' : 'value',
    out_of_order: matched.outOfOrder,
    phantom: matched.phantom,
    implied_power_on: matched.impliedPowerOn,
    already_in_effect: inEffect,
    unaccounted,
    not_seen_by_heater: notSeen,
    bridge_books_gap: bridge
      ? bridge.accepted -
        (bridge.delivered +
          bridge.superseded +
          bridge.expired +
          bridge.overflow +
          bridge.unconfirmed +
          bridge.in_queue)
      : null,
    final_state: finalState(valid, input.final),
    queue_depth: input.queueDepth,
  };
}

/** The last command of each kind, as the heater should show it now. */
function finalState(valid: readonly IssuedCommand[], final: FinalDeviceState): Accounting['final_state'] {
  const last = (kind: Kind) => [...valid].reverse().find((command) => command.kind === kind);
  const temperature = last('temperature');
  const power = last('power');
  const mode = last('mode');
  const expectedRaw = temperature ? fahrenheitToHalfRaw(Number(temperature.payload)) : null;
  const poweredOn = power ? power.payload === 'ON' : true;
  const actualOn = final.dhwMode !== 6;
  const expectedMode = poweredOn ? (mode ? DHW_MODE_VALUES[mode.payload as Mode] : null) : 6;
  return {
    temperature: {
      expected: expectedRaw,
      actual: final.setpointRaw,
      ok: expectedRaw === null || expectedRaw === final.setpointRaw,
    },
    power: {
      expected: poweredOn ? 'on' : 'off',
      actual: actualOn ? 'on' : 'off',
      ok: poweredOn === actualOn,
    },
    mode: {
      expected: expectedMode,
      actual: final.dhwMode,
      ok: expectedMode === null || expectedMode === final.dhwMode,
    },
  };
}
