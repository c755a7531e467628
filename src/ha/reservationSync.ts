// Keeps each heater's reservation list and carries out changes to it safely. The device replaces
// its whole list on every write and its replies name neither request nor (always) device, so all
// work is one job at a time, account-wide: a change reads the list fresh, applies itself to that,
// writes the result, and reads it back until the device shows exactly what was written. Every
// wait has a deadline; a change that cannot be read, applied or confirmed is refused or reported,
// never guessed.

import { MAX_RESERVATION_WRITE } from '../device/commands.js';
import { type ReservationSchedule, sameReservations } from '../device/reservations.js';
import type { NavienCloud } from '../navien/cloud.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { pseudonym } from '../util/redact.js';
import type { ScheduleCommand } from './reservationCommand.js';
import { applyScheduleChange, describeChange } from './scheduleChange.js';
import type { ScheduleState, ScheduleWriteResult } from './snapshot.js';

export interface ReservationSyncOptions {
  cloud: Pick<NavienCloud, 'events' | 'requestReservations' | 'sendCommand'>;
  clock: Clock;
  log: Logger;
  /** True while the cloud link is connected. */
  linkUp: () => boolean;
  /** A heater's schedule or last-write result changed. */
  onChange: (mac: string) => void;
  /** Counts and logs a refused command once. */
  refuse: (mac: string, code: string, reason: string) => void;
  /** How long a read may take to be answered (default 15 s). */
  readTimeoutMs?: number;
  /** Read-backs after a write (default 3), each after `confirmDelayMs` (default 2 s). */
  confirmReads?: number;
  confirmDelayMs?: number;
  /** Every heater's list is read again this often (default 30 min). */
  refreshIntervalMs?: number;
  /** Commands waiting beyond the running one; more are refused (default 20). */
  maxPending?: number;
}

type Job = { kind: 'read'; mac: string } | { kind: 'change'; mac: string; command: ScheduleCommand };

interface Waiting {
  mac: string;
  resolve: (schedule: ReservationSchedule | null) => void;
}

export class ReservationSync {
  private readonly schedules = new Map<string, ScheduleState>();
  private readonly writes = new Map<string, ScheduleWriteResult>();
  private readonly jobs: Job[] = [];
  private readonly unsubscribers: Array<() => void> = [];
  private waiting: Waiting | null = null;
  private readTimer: TimerHandle | undefined;
  private pause: { timer: TimerHandle; resolve: () => void } | null = null;
  private refreshTimer: TimerHandle | undefined;
  private running = false;
  private started = false;

  constructor(private readonly options: ReservationSyncOptions) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribers.push(
      this.options.cloud.events.on('reservations', (mac, schedule) => this.onReply(mac, schedule)),
    );
    this.scheduleRefresh();
  }

  /** Drops waiting work and ends every wait now. */
  stop(): void {
    this.started = false;
    for (const off of this.unsubscribers.splice(0)) off();
    this.jobs.length = 0;
    const { clock } = this.options;
    clock.clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.endWait(null);
    if (this.pause) {
      clock.clearTimeout(this.pause.timer);
      this.pause.resolve();
      this.pause = null;
    }
  }

  schedule(mac: string): ScheduleState | null {
    return this.schedules.get(mac) ?? null;
  }

  lastWrite(mac: string): ScheduleWriteResult | null {
    return this.writes.get(mac) ?? null;
  }

  forget(mac: string): void {
    this.schedules.delete(mac);
    this.writes.delete(mac);
    for (let i = this.jobs.length - 1; i >= 0; i--) if (this.jobs[i]?.mac === mac) this.jobs.splice(i, 1);
  }

  /** Reads a heater's list when nothing else is queued for it. */
  read(mac: string): void {
    if (!this.started || this.jobs.some((job) => job.mac === mac)) return;
    this.jobs.push({ kind: 'read', mac });
    void this.run();
  }

  /** A change from HA: queued behind the running job, carried out on a fresh read. */
  change(mac: string, command: ScheduleCommand): void {
    if (!this.started) return;
    const pending = this.jobs.filter((job) => job.kind === 'change').length;
    if (pending >= (this.options.maxPending ?? 20)) {
      this.finish(mac, command, 'refused', 'too many reservation commands are waiting', 'busy');
      return;
    }
    // A read queued for the heater is made redundant by the change's own fresh read.
    const read = this.jobs.findIndex((job) => job.kind === 'read' && job.mac === mac);
    if (read >= 0) this.jobs.splice(read, 1);
    this.jobs.push({ kind: 'change', mac, command });
    void this.run();
  }

  private scheduleRefresh(): void {
    const { clock } = this.options;
    clock.clearTimeout(this.refreshTimer);
    this.refreshTimer = clock.setTimeout(
      () => {
        if (!this.started) return;
        for (const mac of this.schedules.keys()) this.read(mac);
        this.scheduleRefresh();
      },
      this.options.refreshIntervalMs ?? 30 * 60_000,
    );
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.jobs.shift(); job && this.started; job = this.jobs.shift()) {
        if (job.kind === 'read') await this.fetch(job.mac);
        else await this.apply(job.mac, job.command);
      }
    } catch (error) {
      this.options.log.error({ err: error }, 'the reservation keeper failed; waiting work was dropped');
      this.jobs.length = 0;
    } finally {
      this.running = false;
    }
  }

  private async apply(mac: string, command: ScheduleCommand): Promise<void> {
    const { cloud, linkUp, log } = this.options;
    const fresh = await this.fetch(mac);
    if (!fresh) {
      if (!linkUp()) {
        this.finish(
          mac,
          command,
          'refused',
          'the cloud link is down; the list cannot be read first',
          'offline',
        );
      } else {
        this.finish(
          mac,
          command,
          'refused',
          'the heater did not answer a read of its list',
          'schedule_unknown',
        );
      }
      return;
    }
    const planned = applyScheduleChange(fresh, command);
    if (!planned.ok) {
      this.finish(mac, command, 'refused', planned.reason, planned.code);
      return;
    }
    const expected = { enabled: planned.value.reservationUse === 2, entries: planned.value.entries };
    if (sameReservations(fresh, expected)) {
      this.finish(mac, command, 'unchanged', 'the heater already holds this');
      return;
    }
    const sent = cloud.sendCommand(mac, {
      kind: 'reservation_write',
      reservationUse: planned.value.reservationUse,
      entries: planned.value.entries,
    });
    if (!sent.ok) {
      // The cloud counted and logged the refusal.
      this.finish(mac, command, 'refused', sent.reason);
      return;
    }
    for (let attempt = 0; attempt < (this.options.confirmReads ?? 3) && this.started; attempt++) {
      await this.wait(this.options.confirmDelayMs ?? 2_000);
      const back = await this.fetch(mac);
      if (back && sameReservations(back, expected)) {
        this.finish(mac, command, 'confirmed', null);
        return;
      }
    }
    const reason =
      sent.delivery === 'queued'
        ? 'queued while the cloud link is down; not read back yet'
        : 'the heater did not show the new list when read back';
    log.warn(
      { device: pseudonym(mac), change: describeChange(command.change) },
      `reservation write unconfirmed: ${reason}`,
    );
    this.finish(mac, command, 'unconfirmed', reason);
  }

  /** A fresh read: the schedule, or null without an answer in time (or with the link down). */
  private fetch(mac: string): Promise<{ enabled: boolean | null; entries: ScheduleState['entries'] } | null> {
    if (!this.started || !this.options.cloud.requestReservations(mac)) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiting = {
        mac,
        resolve: (reply) => resolve(reply ? { enabled: reply.enabled, entries: reply.entries } : null),
      };
      this.readTimer = this.options.clock.setTimeout(
        () => this.endWait(null),
        this.options.readTimeoutMs ?? 15_000,
      );
    });
  }

  private endWait(reply: ReservationSchedule | null): void {
    this.options.clock.clearTimeout(this.readTimer);
    this.readTimer = undefined;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.resolve(reply);
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.options.clock.setTimeout(() => {
        this.pause = null;
        resolve();
      }, ms);
      this.pause = { timer, resolve };
    });
  }

  /** A reply on `rsv/rd`: to our read, or the device's echo of a write (then it names the device). */
  private onReply(named: string | null, reply: ReservationSchedule): void {
    const mac = named ?? this.waiting?.mac ?? null;
    const { log, clock } = this.options;
    if (mac === null) {
      log.debug('a reservation reply arrived that no read was waiting for; ignored');
      return;
    }
    if (reply.reservationUse === null && reply.problems.length > 0) {
      log.warn(
        { device: pseudonym(mac), problems: reply.problems.slice(0, 3) },
        'unreadable reservation reply; kept the last list',
      );
      if (this.waiting?.mac === mac) this.endWait(null);
      return;
    }
    if (reply.entries.length > MAX_RESERVATION_WRITE) {
      log.warn(
        { device: pseudonym(mac), entries: reply.entries.length },
        'the heater reports more reservations than it can hold',
      );
    }
    this.schedules.set(mac, { enabled: reply.enabled, entries: reply.entries, readAtMs: clock.now() });
    this.options.onChange(mac);
    if (this.waiting?.mac === mac) this.endWait(reply);
  }

  private finish(
    mac: string,
    command: ScheduleCommand,
    outcome: ScheduleWriteResult['outcome'],
    reason: string | null,
    refusalCode?: string,
  ): void {
    const action = describeChange(command.change);
    if (refusalCode !== undefined)
      this.options.refuse(mac, refusalCode, `reservations (${action}): ${reason ?? ''}`);
    if (outcome === 'confirmed') {
      this.options.log.info(
        { device: pseudonym(mac), change: action },
        'reservation change confirmed by a read-back',
      );
    }
    this.writes.set(mac, { action, outcome, reason, atMs: this.options.clock.now() });
    this.options.onChange(mac);
  }
}
