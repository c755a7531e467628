// A command queue on a virtual clock with a scripted cloud: each publish is recorded and answered
// as the test says (PUBACK, failure, or never), statuses are fed in by hand.

import { CommandQueue, type CommandQueueOptions, type QueuedCommand } from '../../src/navien/queue.js';
import { ManualClock } from '../../src/util/clock.js';
import { type CapturedLog, captureLog } from '../helpers/logCapture.js';

export type Answer = 'ack' | 'fail' | 'hang';

export interface Publish {
  command: QueuedCommand;
  /** Which connection it went out on. */
  connection: number;
  ack(): void;
  fail(error?: unknown): void;
}

export const MAC_A = 'aabbccddeeff';
export const MAC_B = '001122334455';

export class QueueRig {
  readonly clock: ManualClock;
  readonly log: CapturedLog;
  readonly queue: CommandQueue;
  readonly publishes: Publish[] = [];
  readonly drops: string[] = [];
  /** How the next publishes are answered (per device; default: PUBACK at once). */
  readonly answer = new Map<string, Answer>();
  connection = 0;
  private connected = false;

  constructor(options: Partial<Omit<CommandQueueOptions, 'clock' | 'log'>> = {}, clock = new ManualClock()) {
    this.clock = clock;
    this.log = captureLog('debug');
    this.queue = new CommandQueue({
      maxSize: 200,
      maxAgeMs: 300_000,
      publishTimeoutMs: 10_000,
      confirmTimeoutMs: 5_000,
      maxSends: 3,
      retryDelayMs: 1_000,
      ...options,
      clock,
      log: this.log.logger,
      onDrop: (reason, c) => this.drops.push(`${reason}:${c.description}`),
    });
  }

  /** A new connection comes up (the link's flush after a reconnect). */
  async connect(): Promise<void> {
    this.connection++;
    this.connected = true;
    const connection = this.connection;
    void this.queue.flush((command) => this.publish(command, connection), {
      canSend: () => this.connected && this.connection === connection,
      ratePerSecond: 1000,
    });
    await this.settle();
  }

  disconnect(): void {
    this.connected = false;
  }

  /** The link's flush when a command is accepted while connected. */
  async kick(): Promise<void> {
    if (!this.connected) return;
    const connection = this.connection;
    void this.queue.flush((command) => this.publish(command, connection), {
      canSend: () => this.connected && this.connection === connection,
      ratePerSecond: 1000,
    });
    await this.settle();
  }

  enqueue(
    device: string,
    kind: string,
    value: number,
    options: { supersede?: boolean; confirm?: boolean } = {},
  ): QueuedCommand {
    const command = this.queue.enqueue({
      device,
      description: `${kind} ${value}`,
      kind,
      supersedeKey: options.supersede === false ? null : kind,
      confirm: options.confirm ? [{ field: kind, equals: value }] : null,
      topic: `cmd/52/navilink-${device}/ctrl`,
      payload: JSON.stringify({ kind, value }),
    });
    return command;
  }

  /** The device reports `fields` (raw status) to the queue. */
  status(device: string, fields: Record<string, number>): void {
    this.queue.observeStatus(device, fields);
  }

  /** Moves virtual time on in small steps, letting promises settle in between. */
  async advance(ms: number, step = 100): Promise<void> {
    for (let done = 0; done < ms; done += step) {
      this.clock.advance(Math.min(step, ms - done));
      await this.settle();
    }
  }

  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
  }

  /** What reached the cloud, for one device, as `kind value`. */
  sent(device?: string): string[] {
    return this.publishes
      .filter((p) => device === undefined || p.command.device === device)
      .map((p) => p.command.description);
  }

  private publish(command: QueuedCommand, connection: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const record: Publish = {
        command,
        connection,
        ack: () => resolve(),
        fail: (error = { name: 'AWS_ERROR_MQTT_TIMEOUT' }) => reject(error),
      };
      this.publishes.push(record);
      const answer = this.answer.get(command.device) ?? 'ack';
      if (answer === 'ack') resolve();
      else if (answer === 'fail') reject({ name: 'AWS_ERROR_MQTT_TIMEOUT' });
    });
  }
}
