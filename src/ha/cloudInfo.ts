// Reads what only the cloud's REST API knows about a heater — its firmware (with versions it has
// downloaded but not installed) and its registered TOU plan — soon after the heater is known and
// every few hours after, one heater at a time, each read bounded by a deadline. A failed read keeps
// the last answer and is retried later.

import { decodeFirmwareList, type FirmwarePart } from '../device/firmware.js';
import { decodeTouPlan, type TouPlan } from '../device/tou.js';
import type { CloudDevice } from '../navien/api.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { pseudonym } from '../util/redact.js';
import type { CloudRead } from './snapshot.js';

export interface CloudInfoRest {
  firmware(device: CloudDevice): Promise<readonly unknown[]>;
  touInfo(device: CloudDevice, controllerId: string): Promise<unknown>;
}

export interface CloudInfoOptions {
  rest: CloudInfoRest;
  clock: Clock;
  log: Logger;
  /** Between reads of one heater (default 6 h). */
  intervalMs?: number;
  /** After a failed read (default 10 min). */
  retryMs?: number;
  /** The longest one REST read may take before it counts as failed (default 60 s). */
  deadlineMs?: number;
  /** Wait before the first read of a heater (default 2 s), so start-up traffic goes first. */
  firstDelayMs?: number;
  /** Called after a read changed what is known of a heater. */
  onUpdate: (mac: string) => void;
}

interface Tracked {
  device: CloudDevice;
  /** The controller serial (the TOU read needs it); null until the feature payload gave it. */
  serial: string | null;
  firmware: CloudRead<FirmwarePart[]> | null;
  tou: CloudRead<TouPlan> | null;
  dueMono: number;
  failures: number;
}

export class CloudInfoReader {
  private readonly heaters = new Map<string, Tracked>();
  private timer: TimerHandle | undefined;
  private reading = false;
  private stopped = false;

  constructor(private readonly options: CloudInfoOptions) {}

  firmware(mac: string): CloudRead<FirmwarePart[]> | null {
    return this.heaters.get(mac)?.firmware ?? null;
  }

  tou(mac: string): CloudRead<TouPlan> | null {
    return this.heaters.get(mac)?.tou ?? null;
  }

  /** Starts following a heater, or tells what changed (a serial from a new feature payload: read soon). */
  track(device: CloudDevice, serial: string | null): void {
    if (this.stopped) return;
    const mac = device.macAddress;
    const existing = this.heaters.get(mac);
    const soon = this.options.clock.monotonic() + (this.options.firstDelayMs ?? 2_000);
    if (!existing) {
      this.heaters.set(mac, { device, serial, firmware: null, tou: null, dueMono: soon, failures: 0 });
    } else {
      existing.device = device;
      if (serial !== existing.serial) {
        existing.serial = serial;
        if (serial !== null) existing.dueMono = Math.min(existing.dueMono, soon);
      }
    }
    this.schedule();
  }

  /** Reads a heater again soon (after its firmware version changed). */
  refresh(mac: string): void {
    const heater = this.heaters.get(mac);
    if (!heater) return;
    heater.dueMono = Math.min(
      heater.dueMono,
      this.options.clock.monotonic() + (this.options.firstDelayMs ?? 2_000),
    );
    this.schedule();
  }

  forget(mac: string): void {
    this.heaters.delete(mac);
  }

  stop(): void {
    this.stopped = true;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.stopped || this.reading) return;
    const { clock } = this.options;
    clock.clearTimeout(this.timer);
    this.timer = undefined;
    let next = Number.POSITIVE_INFINITY;
    for (const heater of this.heaters.values()) next = Math.min(next, heater.dueMono);
    if (!Number.isFinite(next)) return;
    this.timer = clock.setTimeout(
      () => {
        this.timer = undefined;
        void this.readDue();
      },
      Math.max(0, next - clock.monotonic()),
    );
  }

  private async readDue(): Promise<void> {
    if (this.stopped || this.reading) return;
    this.reading = true;
    try {
      const now = this.options.clock.monotonic();
      for (const [mac, heater] of this.heaters) {
        if (this.stopped) return;
        if (heater.dueMono > now || this.heaters.get(mac) !== heater) continue;
        await this.read(mac, heater);
      }
    } finally {
      this.reading = false;
      this.schedule();
    }
  }

  private async read(mac: string, heater: Tracked): Promise<void> {
    const { rest, clock, log } = this.options;
    try {
      const firmwares = await this.bounded(rest.firmware(heater.device), 'firmware');
      heater.firmware = { value: decodeFirmwareList(firmwares), readAtMs: clock.now() };
      if (heater.serial !== null) {
        const plan = decodeTouPlan(
          await this.bounded(rest.touInfo(heater.device, heater.serial), 'TOU plan'),
        );
        if (plan.problems.length > 0) log.debug({ problems: plan.problems }, 'TOU plan read with problems');
        heater.tou = { value: plan, readAtMs: clock.now() };
      }
      heater.failures = 0;
      heater.dueMono = clock.monotonic() + (this.options.intervalMs ?? 6 * 3_600_000);
    } catch (error) {
      heater.failures++;
      heater.dueMono = clock.monotonic() + (this.options.retryMs ?? 10 * 60_000);
      // One warning per streak of failures: the cloud's REST side being down is logged elsewhere too.
      const level = heater.failures === 1 ? 'warn' : 'debug';
      log[level](
        {
          device: pseudonym(mac),
          error: error instanceof Error ? error.name : 'unknown',
          failures: heater.failures,
        },
        'could not read the firmware or TOU plan from the cloud; keeping the last answer',
      );
    }
    if (!this.stopped && this.heaters.get(mac) === heater) this.options.onUpdate(mac);
  }

  private bounded<T>(work: Promise<T>, what: string): Promise<T> {
    const { clock } = this.options;
    let timer: TimerHandle | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => {
        const error = new Error(`the ${what} read took longer than its deadline`);
        error.name = 'NAVIEN_REST_DEADLINE';
        reject(error);
      }, this.options.deadlineMs ?? 60_000);
    });
    return Promise.race([work, deadline]).finally(() => clock.clearTimeout(timer));
  }
}
