// The command queue's file in data_dir: the commands waiting and the command counters together,
// so one atomic write keeps them consistent (a restart never finds a command counted but lost).
// Version 1 (0.1) held the commands only.

import { z } from 'zod';
import { countersSchema } from './commandLedger.js';

const expectationSchema = z.object({
  field: z.string(),
  equals: z.number().optional(),
  notEquals: z.number().optional(),
});
const commandSchema = z.object({
  id: z.string(),
  device: z.string(),
  description: z.string(),
  kind: z.string().default('command'),
  supersedeKey: z.string().nullable().default(null),
  confirm: z.array(expectationSchema).nullable().default(null),
  topic: z.string(),
  payload: z.string(),
  createdAt: z.number(),
});
export const queueFileSchema = z.union([
  z.object({
    format: z.literal('nwp500-bridge/command-queue'),
    version: z.literal(2),
    counters: countersSchema,
    commands: z.array(commandSchema),
  }),
  // Written by 0.1: commands only (they count as accepted when read).
  z.object({
    format: z.literal('nwp500-bridge/command-queue'),
    version: z.literal(1),
    commands: z.array(commandSchema),
  }),
]);
