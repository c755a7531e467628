// The command queue: every HA command waits here, one lane per heater, until it is done. A lane
// sends one command at a time, strictly in the order HA asked, so a slow or stuck heater never
// holds up another and an older command is never applied after a newer one. A command is done when
// the heater's status shows it (or, where no status field tells, when the cloud acknowledged it);
// every publish attempt has a deadline, a failed one stays at the head for the next attempt or the
// next connection. Bounded by count and age, every ending is counted (commandLedger.ts), and the
// queue and its counters are kept together in data_dir, so a restart loses and replays nothing
// it should not.

import { randomUUID } from 'node:crypto';
import { type Confirmation, isConfirmedBy } from '../device/commandIntent.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { JsonStore } from '../util/jsonStore.js';
import type { Logger } from '../util/logger.js';
import {
  type CommandAccounting,
  type CommandCounters,
  type CommandEnding,
  zeroCounters,
} from './commandLedger.js';
import { queueFileSchema } from './queueFile.js';

export interface QueuedCommand {
  id: string;
  /** Device the command is for (its MAC), for logs (redacted) and per-device views. */
  device: string;
  /** Human name of the command, e.g. "dhw_temperature 120". */
  description: string;
  /** The command's kind (`dhw_temperature`, `power`, …). */
  kind: string;
  /** Commands for one device with the same key write the same setting; null: never superseded. */
  supersedeKey: string | null;
  /** What the device's status shows once it took the command; null: the PUBACK decides. */
  confirm: Confirmation | null;
  topic: string;
  payload: string;
  /** Wall-clock ms at which HA asked for it: age must survive a restart, so not monotonic. */
  createdAt: number;
}

/** What the cloud side hands in; kind, supersede key and confirmation default to "none". */
export type CommandRequest = Omit<QueuedCommand, 'id' | 'createdAt' | 'kind' | 'supersedeKey' | 'confirm'> &
  Partial<Pick<QueuedCommand, 'kind' | 'supersedeKey' | 'confirm'>>;

export type PendingState = 'queued' | 'in_flight' | 'awaiting_confirmation';

/** One command waiting for a device, for the page and the diagnostics. */
export interface PendingCommand {
  id: string;
  description: string;
  kind: string;
  /** Wall-clock ms when HA asked. */
  createdAt: number;
  ageMs: number;
  state: PendingState;
}

export type DropReason = 'overflow' | 'expired';

export interface CommandQueueOptions {
  maxSize: number;
  maxAgeMs: number;
  /** Where the queue and its counters are persisted; undefined keeps them in memory only. */
  path?: string;
  /** One publish attempt without a PUBACK by then has failed (default 35 s). */
  publishTimeoutMs?: number;
  /** After a PUBACK, the device's status must show the command within this (default 15 s)… */
  confirmTimeoutMs?: number;
  /** …else it is sent again, up to this many sends in all, then counted `unconfirmed` (default 3). */
  maxSends?: number;
  /** First wait before a failed publish is tried again on the same connection (doubles to 30 s). */
  retryDelayMs?: number;
  clock: Clock;
  log: Logger;
  onDrop?: (reason: DropReason, command: QueuedCommand) => void;
}

export type PublishFn = (command: QueuedCommand) => Promise<void>;

export interface FlushOptions {
  ratePerSecond?: number;
  /** False once this publish function's connection is gone: the queue waits for the next one. */
  canSend?: () => boolean;
  /** Ignored (one command in flight per device); kept for callers of the 0.1 queue. */
  window?: number;
}

export interface FlushResult {
  /** Publish attempts acknowledged while the flush ran. */
  sent: number;
  remaining: number;
  failed: boolean;
}

interface Sender {
  publish: PublishFn;
  canSend: () => boolean;
}

interface Entry {
  command: QueuedCommand;
  /** Enqueue order across devices (for overflow and the file). */
  seq: number;
  /** Monotonic ms equivalent of `createdAt`, so a wall-clock step does not age a command. */
  createdMono: number;
  state: PendingState;
  /** Publishes started. */
  sends: number;
  /** Publishes that failed (no PUBACK), for the retry backoff. */
  failures: number;
  /** The cloud acknowledged it at least once. */
  acknowledged: boolean;
  /** Fences a publish that was given up: its late PUBACK or error changes nothing. */
  attempt: number;
  sender: Sender | null;
  /** Deadline of the publish, the confirmation wait, or the retry delay. */
  timer: TimerHandle | undefined;
  retryPending: boolean;
  settle: (() => void) | undefined;
  sentAtMono: number;
}

const MAX_RETRY_DELAY_MS = 30_000;

export class CommandQueue {
  private readonly lanes = new Map<string, Entry[]>();
  private readonly store: JsonStore<typeof queueFileSchema> | undefined;
  private counters: CommandCounters = zeroCounters();
  private sender: Sender | null = null;
  private spacingMs = 50;
  private lastPublishMono = Number.NEGATIVE_INFINITY;
  private gateTimer: TimerHandle | undefined;
  private expiryTimer: TimerHandle | undefined;
  private seq = 0;
  private attempts = 0;
  private flushStats = { sent: 0, failed: 0 };
  private stopped = false;

  constructor(private readonly options: CommandQueueOptions) {
    this.store = options.path
      ? new JsonStore({
          path: options.path,
          schema: queueFileSchema,
          what: 'the queued commands',
          log: options.log,
          now: () => options.clock.now(),
        })
      : undefined;
  }

  /** Commands accepted and not ended yet (in flight included). */
  get size(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.length;
    return n;
  }

  drops(): Readonly<Record<DropReason, number>> {
    return { overflow: this.counters.overflow, expired: this.counters.expired };
  }

  accounting(): CommandAccounting {
    return { ...this.counters, in_queue: this.size, oldest_queued_age_ms: this.oldestQueuedAgeMs() };
  }

  /** Age of the oldest command still in the queue (since HA asked), null when empty. */
  oldestQueuedAgeMs(): number | null {
    let oldest: Entry | undefined;
    for (const lane of this.lanes.values())
      for (const entry of lane) if (!oldest || entry.createdMono < oldest.createdMono) oldest = entry;
    return oldest ? this.ageOf(oldest) : null;
  }

  /** What waits for one device, oldest first. */
  pendingFor(device: string): PendingCommand[] {
    return (this.lanes.get(device) ?? []).map((entry) => ({
      id: entry.command.id,
      description: entry.command.description,
      kind: entry.command.kind,
      createdAt: entry.command.createdAt,
      ageMs: this.ageOf(entry),
      state: entry.state,
    }));
  }

  /** A payload HA sent was rejected before it was accepted (outside the invariant). */
  noteRefused(): void {
    this.counters.refused++;
    this.scheduleSave();
  }

  /** A retained message on a command topic was ignored (outside the invariant). */
  noteRetainedIgnored(): void {
    this.counters.ignored_retained++;
    this.scheduleSave();
  }

  /**
   * Restores the queue and counters saved by an earlier run. Commands older than the age limit
   * are dropped as `expired` here and never sent: a heater must not act on a wish from long ago.
   */
  async load(): Promise<void> {
    const saved = await this.store?.read();
    if (!saved) return;
    const { clock, log, maxAgeMs } = this.options;
    this.counters = 'counters' in saved ? { ...zeroCounters(), ...saved.counters } : zeroCounters();
    if (saved.version === 1) this.counters.accepted += saved.commands.length;
    const nowWall = clock.now();
    const nowMono = clock.monotonic();
    let expired = 0;
    for (const command of saved.commands) {
      const ageMs = Math.max(0, nowWall - command.createdAt);
      const entry = this.newEntry(command, nowMono - ageMs);
      this.lane(command.device).push(entry);
      if (ageMs > maxAgeMs) {
        expired++;
        this.end(entry, 'expired', 'dropped a queued command older than max_queued_command_age at start-up');
      }
    }
    const restored = this.size;
    if (restored > 0 || expired > 0) {
      log.info({ restored, expired }, 'restored queued commands from the last run');
    }
    this.scheduleExpiry();
    this.scheduleSave();
  }

  /**
   * Accepts a command: it goes to the end of its device's lane, replacing a waiting (not yet
   * sent) command of the same setting, which is counted `superseded`. Sent at once when a
   * connection is there (see `flush`), else when the next one comes.
   */
  enqueue(input: CommandRequest): QueuedCommand {
    const { clock, log } = this.options;
    const command: QueuedCommand = {
      kind: 'command',
      supersedeKey: null,
      confirm: null,
      ...input,
      id: randomUUID(),
      createdAt: clock.now(),
    };
    this.counters.accepted++;
    if (command.supersedeKey !== null) {
      for (const older of [...(this.lanes.get(command.device) ?? [])]) {
        if (older.state !== 'queued' || older.command.supersedeKey !== command.supersedeKey) continue;
        log.info(
          { command: older.command.description, by: command.description, device: command.device },
          'a newer command for the same setting replaced a queued one',
        );
        this.end(older, 'superseded', null);
      }
    }
    this.lane(command.device).push(this.newEntry(command, clock.monotonic()));
    while (this.size > this.options.maxSize) {
      const oldest = this.oldestWaiting();
      if (!oldest) break;
      this.end(oldest, 'overflow', 'command queue full: dropped the oldest queued command');
    }
    this.scheduleSave();
    this.scheduleExpiry();
    if (!this.stopped) this.kick(command.device);
    return command;
  }

  /** Drops waiting commands older than the age limit (runs on its own timer as well). */
  expire(): void {
    const { maxAgeMs } = this.options;
    for (const lane of this.lanes.values()) {
      for (const entry of [...lane]) {
        if (entry.state === 'queued' && this.ageOf(entry) > maxAgeMs) this.giveUp(entry);
      }
    }
    this.scheduleExpiry();
  }

  /**
   * A connection is up: `publish` sends on it for as long as `canSend()` holds. Every device's
   * head command is sent (a publish still running on a connection that is gone is given up and
   * sent again here); later commands follow as each is done. Resolves once the publishes this call
   * started have their PUBACK or failed (each is bounded by the publish deadline).
   */
  async flush(publish: PublishFn, opts: FlushOptions = {}): Promise<FlushResult> {
    if (this.stopped) return { sent: 0, remaining: this.size, failed: false };
    this.sender = { publish, canSend: opts.canSend ?? (() => true) };
    if (opts.ratePerSecond && opts.ratePerSecond > 0) this.spacingMs = 1000 / opts.ratePerSecond;
    this.flushStats = { sent: 0, failed: 0 };
    for (const lane of this.lanes.values()) {
      const head = lane[0];
      if (head?.state === 'in_flight' && head.sender !== this.sender && !head.sender?.canSend()) {
        this.publishFailed(head, head.attempt, 'its connection was replaced', false);
      }
    }
    this.expire();
    const started: Promise<void>[] = [];
    for (const device of [...this.lanes.keys()]) {
      const attempt = this.kick(device);
      if (attempt) started.push(attempt);
    }
    await Promise.all(started);
    return { sent: this.flushStats.sent, remaining: this.size, failed: this.flushStats.failed > 0 };
  }

  /** A status from `device` (its raw wire fields): confirms the command in flight if it shows it. */
  observeStatus(device: string, rawStatus: Readonly<Record<string, unknown>>): void {
    const head = this.lanes.get(device)?.[0];
    if (!head?.command.confirm || head.state === 'queued') return;
    if (!isConfirmedBy(head.command.confirm, rawStatus)) return;
    this.end(head, 'delivered', null, true);
  }

  /** Clears every timer and waits for the file (the queue keeps what it holds for the next run). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sender = null;
    const { clock } = this.options;
    clock.clearTimeout(this.gateTimer);
    clock.clearTimeout(this.expiryTimer);
    for (const lane of this.lanes.values()) {
      for (const entry of lane) {
        clock.clearTimeout(entry.timer);
        entry.timer = undefined;
        entry.attempt = ++this.attempts;
        entry.settle?.();
        entry.settle = undefined;
        entry.state = 'queued';
      }
    }
    this.scheduleSave();
    await this.settle();
  }

  /** Waits until every pending save reached the disk (for shutdown and tests). */
  async settle(): Promise<void> {
    await this.store?.flush();
  }

  // ---- the lanes --------------------------------------------------------------------------------

  private lane(device: string): Entry[] {
    let lane = this.lanes.get(device);
    if (!lane) {
      lane = [];
      this.lanes.set(device, lane);
    }
    return lane;
  }

  private newEntry(command: QueuedCommand, createdMono: number): Entry {
    return {
      command,
      seq: ++this.seq,
      createdMono,
      state: 'queued',
      sends: 0,
      failures: 0,
      acknowledged: false,
      attempt: 0,
      sender: null,
      timer: undefined,
      retryPending: false,
      settle: undefined,
      sentAtMono: 0,
    };
  }

  private ageOf(entry: Entry): number {
    return Math.max(0, this.options.clock.monotonic() - entry.createdMono);
  }

  private oldestWaiting(): Entry | undefined {
    let oldest: Entry | undefined;
    for (const lane of this.lanes.values())
      for (const entry of lane)
        if (entry.state === 'queued' && (!oldest || entry.seq < oldest.seq)) oldest = entry;
    return oldest;
  }

  /** Sends the device's head command if it waits, a connection is there and the rate allows. */
  private kick(device: string): Promise<void> | undefined {
    if (this.stopped) return undefined;
    let head = this.lanes.get(device)?.[0];
    while (head && head.state === 'queued' && this.ageOf(head) > this.options.maxAgeMs) {
      this.giveUp(head, false);
      head = this.lanes.get(device)?.[0];
    }
    if (head?.state !== 'queued' || head.retryPending) return undefined;
    const sender = this.sender;
    if (!sender?.canSend()) return undefined;
    const { clock } = this.options;
    const wait = this.lastPublishMono + this.spacingMs - clock.monotonic();
    if (wait > 0) {
      if (!this.gateTimer) {
        this.gateTimer = clock.setTimeout(() => {
          this.gateTimer = undefined;
          for (const key of [...this.lanes.keys()]) this.kick(key);
        }, wait);
      }
      return undefined;
    }
    return this.send(head, sender);
  }

  private send(entry: Entry, sender: Sender): Promise<void> {
    const { clock, log } = this.options;
    const attempt = ++this.attempts;
    entry.attempt = attempt;
    entry.state = 'in_flight';
    entry.sender = sender;
    entry.sends++;
    entry.sentAtMono = clock.monotonic();
    this.lastPublishMono = entry.sentAtMono;
    const settled = new Promise<void>((resolve) => {
      entry.settle = resolve;
    });
    const timeoutMs = this.options.publishTimeoutMs ?? 35_000;
    entry.timer = clock.setTimeout(
      () => this.publishFailed(entry, attempt, `no PUBACK within ${Math.round(timeoutMs / 1000)} s`),
      timeoutMs,
    );
    log.debug(
      { command: entry.command.description, id: entry.command.id, send: entry.sends },
      'sending a command',
    );
    let publishing: Promise<void>;
    try {
      publishing = sender.publish(entry.command);
    } catch (error) {
      publishing = Promise.reject(error);
    }
    publishing.then(
      () => this.acknowledged(entry, attempt),
      (error: unknown) => this.publishFailed(entry, attempt, errorName(error)),
    );
    return settled;
  }

  private current(entry: Entry, attempt: number): boolean {
    return (
      entry.attempt === attempt &&
      entry.state === 'in_flight' &&
      this.lanes.get(entry.command.device)?.[0] === entry
    );
  }

  private acknowledged(entry: Entry, attempt: number): void {
    if (!this.current(entry, attempt)) return;
    const { clock } = this.options;
    clock.clearTimeout(entry.timer);
    entry.acknowledged = true;
    this.flushStats.sent++;
    this.release(entry);
    if (!entry.command.confirm) {
      this.end(entry, 'delivered', null, false);
      return;
    }
    entry.state = 'awaiting_confirmation';
    const confirmMs = this.options.confirmTimeoutMs ?? 15_000;
    entry.timer = clock.setTimeout(() => this.unconfirmedRound(entry, attempt), confirmMs);
  }

  /** A publish without PUBACK; `resend` false: the caller sends it again (flush). */
  private publishFailed(entry: Entry, attempt: number, reason: string, resend = true): void {
    if (!this.current(entry, attempt)) return;
    const { clock, log } = this.options;
    clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.attempt = ++this.attempts;
    entry.state = 'queued';
    entry.failures++;
    this.flushStats.failed++;
    this.release(entry);
    log.info(
      { command: entry.command.description, id: entry.command.id, reason, send: entry.sends },
      'a command was not acknowledged; it stays first in line for its heater',
    );
    if (this.ageOf(entry) > this.options.maxAgeMs) {
      this.giveUp(entry);
      return;
    }
    this.scheduleExpiry();
    const current = this.sender;
    if (!resend || !current?.canSend()) return; // the next connection's flush sends it
    if (entry.sender !== current && !entry.sender?.canSend()) {
      // Its connection was replaced by a live one: send it there now.
      this.kick(entry.command.device);
      return;
    }
    // The same connection failed it: try again after a pause (never a tight loop).
    const delay = Math.min(
      MAX_RETRY_DELAY_MS,
      (this.options.retryDelayMs ?? 1000) * 2 ** (entry.failures - 1),
    );
    entry.retryPending = true;
    entry.timer = clock.setTimeout(() => {
      entry.timer = undefined;
      entry.retryPending = false;
      this.kick(entry.command.device);
    }, delay);
  }

  private unconfirmedRound(entry: Entry, attempt: number): void {
    if (entry.attempt !== attempt || entry.state !== 'awaiting_confirmation') return;
    const { log } = this.options;
    entry.timer = undefined;
    if (entry.sends >= (this.options.maxSends ?? 3) || this.ageOf(entry) > this.options.maxAgeMs) {
      this.end(entry, 'unconfirmed', 'the heater never showed a command it was sent');
      return;
    }
    log.info(
      { command: entry.command.description, id: entry.command.id, send: entry.sends },
      'the heater did not show a command yet; sending it again',
    );
    entry.attempt = ++this.attempts;
    entry.state = 'queued';
    this.scheduleExpiry();
    this.kick(entry.command.device);
  }

  /** A command whose time ran out: `unconfirmed` if the cloud ever took it, else `expired`. */
  private giveUp(entry: Entry, kickNext = true): void {
    if (entry.acknowledged)
      this.end(entry, 'unconfirmed', 'the heater never showed a command it was sent', false, kickNext);
    else
      this.end(
        entry,
        'expired',
        'dropped a queued command older than max_queued_command_age',
        false,
        kickNext,
      );
  }

  /** Resolves the flush waiting for this publish. */
  private release(entry: Entry): void {
    entry.settle?.();
    entry.settle = undefined;
  }

  /** Ends a command exactly once: out of its lane, counted, logged, saved; the next one goes. */
  private end(
    entry: Entry,
    ending: CommandEnding,
    warning: string | null,
    confirmed = false,
    kickNext = true,
  ): void {
    const { clock, log } = this.options;
    const lane = this.lanes.get(entry.command.device);
    const index = lane?.indexOf(entry) ?? -1;
    if (!lane || index < 0) return;
    lane.splice(index, 1);
    if (lane.length === 0) this.lanes.delete(entry.command.device);
    clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.attempt = ++this.attempts;
    this.release(entry);
    this.counters[ending]++;
    const { command } = entry;
    const ageSeconds = Math.round(this.ageOf(entry) / 1000);
    if (ending === 'delivered') {
      log.info(
        {
          command: command.description,
          id: command.id,
          sends: entry.sends,
          confirmedBy: confirmed ? 'status' : 'puback',
          ms: Math.round(clock.monotonic() - entry.sentAtMono),
        },
        'command delivered',
      );
    } else if (warning) {
      log.warn(
        { reason: ending, command: command.description, id: command.id, ageSeconds, device: command.device },
        warning,
      );
    }
    if (ending === 'overflow' || ending === 'expired') this.options.onDrop?.(ending, command);
    this.scheduleSave();
    if (index === 0 && kickNext) this.kick(command.device);
  }

  /** One timer for the next waiting command to reach the age limit. */
  private scheduleExpiry(): void {
    const { clock, maxAgeMs } = this.options;
    clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (this.stopped) return;
    let next = Number.POSITIVE_INFINITY;
    for (const lane of this.lanes.values())
      for (const entry of lane)
        if (entry.state === 'queued') next = Math.min(next, entry.createdMono + maxAgeMs);
    if (next === Number.POSITIVE_INFINITY) return;
    // Just past the limit: "older than" is strict.
    const delay = Math.max(0, next - clock.monotonic()) + 1;
    this.expiryTimer = clock.setTimeout(() => {
      this.expiryTimer = undefined;
      this.expire();
    }, delay);
  }

  /** Saves in the background; a burst of changes collapses into few atomic writes. */
  private scheduleSave(): void {
    if (!this.store) return;
    const entries = [...this.lanes.values()].flat().sort((a, b) => a.seq - b.seq);
    const nowWall = this.options.clock.now();
    void this.store.write({
      format: 'nwp500-bridge/command-queue',
      version: 2,
      counters: { ...this.counters },
      commands: entries.map((entry) => ({
        ...entry.command,
        // When HA asked, on today's wall clock: the age as measured (monotonic) back from now, so
        // a wall-clock step while it waited does not make it younger (or older) after a restart.
        createdAt: nowWall - this.ageOf(entry),
        confirm: entry.command.confirm ? entry.command.confirm.map((e) => ({ ...e })) : null,
      })),
    });
  }
}

function errorName(error: unknown): string {
  if (error && typeof error === 'object' && 'name' in error && typeof error.name === 'string')
    return error.name;
  return typeof error === 'string' ? error.slice(0, 120) : 'publish failed';
}
