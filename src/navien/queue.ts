// The offline command queue: HA commands wait here, in order, until the cloud acknowledged them
// (PUBACK). Bounded by count and age; every drop is counted and logged; kept in data_dir so a
// restart within the age limit loses nothing.

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../util/clock.js';
import { JsonStore } from '../util/jsonStore.js';
import type { Logger } from '../util/logger.js';

export interface QueuedCommand {
  id: string;
  /** Device the command is for (its MAC), for logs (redacted) and per-device views. */
  device: string;
  /** Human name of the command, e.g. "dhw_temperature 120". */
  description: string;
  topic: string;
  payload: string;
  /** Wall-clock ms at which HA asked for it: age must survive a restart, so not monotonic. */
  createdAt: number;
}

const fileSchema = z.object({
  format: z.literal('nwp500-bridge/command-queue'),
  version: z.literal(1),
  commands: z.array(
    z.object({
      id: z.string(),
      device: z.string(),
      description: z.string(),
      topic: z.string(),
      payload: z.string(),
      createdAt: z.number(),
    }),
  ),
});

export type DropReason = 'overflow' | 'expired';

export interface CommandQueueOptions {
  maxSize: number;
  maxAgeMs: number;
  /** Where the queue is persisted; undefined keeps it in memory only. */
  path?: string;
  clock: Clock;
  log: Logger;
  onDrop?: (reason: DropReason, command: QueuedCommand) => void;
}

export type PublishFn = (command: QueuedCommand) => Promise<void>;

export interface FlushOptions {
  /** Commands awaiting their PUBACK at once. */
  window?: number;
  ratePerSecond?: number;
  /** Checked before each command: false stops the flush (the link went down). */
  canSend?: () => boolean;
}

export class CommandQueue {
  private items: QueuedCommand[] = [];
  private readonly inFlight = new Set<string>();
  private readonly store: JsonStore<typeof fileSchema> | undefined;
  private flushing: Promise<FlushResult> | null = null;
  private flushAgain: { publish: PublishFn; opts: FlushOptions } | null = null;
  private dropped = { overflow: 0, expired: 0 };

  constructor(private readonly options: CommandQueueOptions) {
    this.store = options.path
      ? new JsonStore({
          path: options.path,
          schema: fileSchema,
          what: 'the queued commands',
          log: options.log,
          now: () => options.clock.now(),
        })
      : undefined;
  }

  get size(): number {
    return this.items.length;
  }

  drops(): Readonly<Record<DropReason, number>> {
    return { ...this.dropped };
  }

  /** Restores commands saved by an earlier run; those past the age limit are dropped (and counted). */
  async load(): Promise<void> {
    const saved = await this.store?.read();
    if (!saved) return;
    this.items = saved.commands;
    this.expire();
    if (this.items.length > 0) {
      this.options.log.info({ commands: this.items.length }, 'restored queued commands from the last run');
    }
  }

  enqueue(input: Omit<QueuedCommand, 'id' | 'createdAt'>): QueuedCommand {
    const command: QueuedCommand = { ...input, id: randomUUID(), createdAt: this.options.clock.now() };
    this.items.push(command);
    while (this.items.length > this.options.maxSize) {
      const oldest = this.items.findIndex((c) => !this.inFlight.has(c.id));
      if (oldest < 0) break;
      const [removed] = this.items.splice(oldest, 1);
      if (removed) this.drop('overflow', removed);
    }
    this.scheduleSave();
    return command;
  }

  /** Drops commands older than the age limit: a water heater should not act on a stale wish. */
  expire(): void {
    const now = this.options.clock.now();
    const keep: QueuedCommand[] = [];
    for (const command of this.items) {
      if (!this.inFlight.has(command.id) && now - command.createdAt > this.options.maxAgeMs)
        this.drop('expired', command);
      else keep.push(command);
    }
    if (keep.length !== this.items.length) {
      this.items = keep;
      this.scheduleSave();
    }
  }

  /**
   * Publishes queued commands in order, up to `window` awaiting their PUBACK at once, spaced to
   * at most `ratePerSecond` (AWS IoT allows 100 messages/s per connection, replies included).
   * A command leaves the queue only when acknowledged; on the first failure the flush stops and
   * the rest wait, in order, for the next one.
   */
  flush(publish: PublishFn, opts: FlushOptions = {}): Promise<FlushResult> {
    if (this.flushing) {
      // A command queued while a flush is finishing must not wait for the next outage to end.
      this.flushAgain = { publish, opts };
      return this.flushing;
    }
    this.flushing = this.doFlush(publish, opts).finally(() => {
      this.flushing = null;
      const again = this.flushAgain;
      this.flushAgain = null;
      if (again && this.items.length > 0) void this.flush(again.publish, again.opts);
    });
    return this.flushing;
  }

  private async doFlush(publish: PublishFn, opts: FlushOptions): Promise<FlushResult> {
    const window = opts.window ?? 8;
    const spacingMs = 1000 / (opts.ratePerSecond ?? 20);
    const canSend = opts.canSend ?? (() => true);
    let sent = 0;
    let failed = false;
    const pending = new Set<Promise<void>>();
    this.expire();
    for (;;) {
      if (failed || !canSend()) break;
      const next = this.items.find((c) => !this.inFlight.has(c.id));
      if (!next) break;
      this.inFlight.add(next.id);
      const started = performance.now();
      const op: Promise<void> = publish(next).then(
        () => {
          this.inFlight.delete(next.id);
          this.items = this.items.filter((c) => c.id !== next.id);
          sent++;
          this.scheduleSave();
        },
        (error: unknown) => {
          this.inFlight.delete(next.id);
          failed = true;
          this.options.log.debug(
            { err: error, command: next.description },
            'queued command not acknowledged; kept for the next flush',
          );
        },
      );
      pending.add(op);
      void op.finally(() => pending.delete(op));
      if (pending.size >= window) await Promise.race(pending);
      const wait = spacingMs - (performance.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(pending);
    return { sent, remaining: this.items.length, failed };
  }

  private drop(reason: DropReason, command: QueuedCommand): void {
    this.dropped[reason]++;
    const ageSeconds = Math.round((this.options.clock.now() - command.createdAt) / 1000);
    this.options.log.warn(
      { reason, command: command.description, ageSeconds, device: command.device },
      reason === 'overflow'
        ? 'command queue full: dropped the oldest queued command'
        : 'dropped a queued command older than max_queued_command_age',
    );
    this.options.onDrop?.(reason, command);
  }

  /** Saves in the background; a burst of changes collapses into few atomic writes. */
  private scheduleSave(): void {
    void this.store?.write({ format: 'nwp500-bridge/command-queue', version: 1, commands: this.items });
  }

  /** Waits until every pending save reached the disk (for shutdown and tests). */
  async settle(): Promise<void> {
    await this.store?.flush();
  }
}

export interface FlushResult {
  sent: number;
  remaining: number;
  failed: boolean;
}
