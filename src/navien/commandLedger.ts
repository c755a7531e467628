// The command accounting: how every command HA sent ended. Each accepted command ends exactly once
// (delivered, superseded, expired, overflow or unconfirmed) or is still in the queue, so
// `accepted = delivered + superseded + expired + overflow + unconfirmed + in_queue` always holds;
// `refused` (never accepted) and `ignored_retained` (never a command) are counted beside it.

import { z } from 'zod';

/** How an accepted command can end. */
export const COMMAND_ENDINGS = ['delivered', 'superseded', 'expired', 'overflow', 'unconfirmed'] as const;
export type CommandEnding = (typeof COMMAND_ENDINGS)[number];

export const COMMAND_OUTCOMES = ['accepted', ...COMMAND_ENDINGS, 'refused', 'ignored_retained'] as const;
export type CommandOutcomeName = (typeof COMMAND_OUTCOMES)[number];

export type CommandCounters = Record<CommandOutcomeName, number>;

export interface CommandAccounting extends CommandCounters {
  /** Accepted and not ended yet, the one in flight included. */
  in_queue: number;
  /** Age (since HA asked) of the oldest command in the queue; null when it is empty. */
  oldest_queued_age_ms: number | null;
}

const count = z.number().int().nonnegative();
export const countersSchema = z.object(
  Object.fromEntries(COMMAND_OUTCOMES.map((name) => [name, count.default(0)])) as Record<
    CommandOutcomeName,
    z.ZodDefault<typeof count>
  >,
);

export function zeroCounters(): CommandCounters {
  return Object.fromEntries(COMMAND_OUTCOMES.map((name) => [name, 0])) as CommandCounters;
}

/** The invariant's two sides differ by this much (0 when nothing was lost without a counter). */
export function unaccounted(accounting: CommandAccounting): number {
  const ended = COMMAND_ENDINGS.reduce((sum, name) => sum + accounting[name], 0);
  return accounting.accepted - ended - accounting.in_queue;
}
