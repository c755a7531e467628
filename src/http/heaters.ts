// What the page's heater cards show: for each water heater its name, mode, tank and target
// temperature as Home Assistant was told them, whether it is available and why (computed from the
// same facts the availability is), how old its last status is, and the commands waiting for it.

import { z } from 'zod';
import { pseudonym, type Redactor } from '../util/redact.js';

/** One command waiting for a heater, as the command queue lists it. */
export interface PendingCommand {
  description: string;
  /** Wall-clock ms when the command was accepted. */
  createdAt: number;
  state: 'queued' | 'in_flight' | 'awaiting_confirmation';
}

/** The command queue's per-heater list; empty when the queue is off, null when it cannot tell. */
export type PendingCommandsSource = (deviceId: string) => readonly PendingCommand[] | null;

/** What main.ts knows about one heater (its MAC never leaves this module: the card has a pseudonym). */
export interface HeaterFacts {
  deviceId: string;
  name: string;
  model: string;
  /** Availability as published to Home Assistant. */
  available: boolean;
  linkConnected: boolean;
  /** Wall-clock ms of the last status, null before the first. */
  lastStatusAt: number | null;
  /** Seconds since the last status (monotonic), null before the first. */
  lastStatusAgeSeconds: number | null;
  /** A status older than this makes the heater unavailable. */
  staleAfterSeconds: number;
  /** The heater's state JSON as published (`<b>/<id>/state`), null before the first. */
  state: Record<string, unknown> | null;
  unit: 'C' | 'F' | null;
  /** null: the queue does not list its commands per heater, so the card shows no queue. */
  pending: readonly PendingCommand[] | null;
}

export const heatersSchema = z.object({
  now_ms: z.number(),
  heaters: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      model: z.string(),
      /** The water-heater entity's mode (`eco`, `heat_pump`, `high_demand`, `electric`, `off`). */
      mode: z.string().nullable(),
      vacation: z.boolean(),
      tank_temperature: z.number().nullable(),
      target_temperature: z.number().nullable(),
      unit: z.enum(['°C', '°F']).nullable(),
      available: z.boolean(),
      availability_reason: z.string(),
      last_update_ms: z.number().nullable(),
      /** null when the queue cannot list what waits per heater. */
      queued: z
        .array(
          z.object({
            description: z.string(),
            created_ms: z.number(),
            state: z.enum(['queued', 'in_flight', 'awaiting_confirmation']),
          }),
        )
        .nullable(),
    }),
  ),
});
export type HeatersView = z.infer<typeof heatersSchema>;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function ageText(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 180) return plural(s, 'second');
  const minutes = Math.round(s / 60);
  if (minutes < 180) return plural(minutes, 'minute');
  return plural(Math.round(minutes / 60), 'hour');
}

/** Why the heater is (un)available, from the facts its availability is computed from. */
export function availabilityReason(facts: HeaterFacts): string {
  const age = facts.lastStatusAgeSeconds;
  if (!facts.linkConnected) {
    return facts.available
      ? 'the cloud link just went down; unavailable from the next check'
      : 'the cloud link to Navien is down, so nothing the heater says can arrive';
  }
  if (age === null) return 'no status from the heater yet since the bridge started';
  if (age > facts.staleAfterSeconds) {
    return `no status for ${ageText(age)} (more than ${ageText(facts.staleAfterSeconds)}): the heater may be offline or off Wi-Fi`;
  }
  return facts.available ? 'status arriving on time' : 'status arriving again; available from the next check';
}

const number = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

export function buildHeaters(input: {
  heaters: readonly HeaterFacts[];
  redactor: Redactor;
  nowMs: number;
}): HeatersView {
  const { redactor } = input;
  return {
    now_ms: input.nowMs,
    heaters: input.heaters.map((facts) => {
      const mode = facts.state?.mode;
      return {
        id: pseudonym(facts.deviceId),
        name: redactor.scrubString(facts.name).slice(0, 80),
        model: redactor.scrubString(facts.model).slice(0, 40),
        mode: typeof mode === 'string' ? mode.slice(0, 40) : null,
        vacation: facts.state?.vacation === 'ON',
        tank_temperature: number(facts.state?.dhw_temperature),
        target_temperature: number(facts.state?.target_temperature),
        unit: facts.unit === null ? null : facts.unit === 'C' ? '°C' : '°F',
        available: facts.available,
        availability_reason: availabilityReason(facts),
        last_update_ms: facts.lastStatusAt,
        queued:
          facts.pending === null
            ? null
            : facts.pending.slice(0, 50).map((command) => ({
                description: redactor.scrubString(command.description).slice(0, 120),
                created_ms: command.createdAt,
                state: command.state,
              })),
      };
    }),
  };
}
