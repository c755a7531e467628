// The Navien cloud as the rest of the bridge sees it: the devices on the account, their decoded
// status, feature and energy usage as events, commands in (validated, then queued or sent), and
// polling on the link. Owns the device-side timers; the link owns the connection.

import { randomUUID } from 'node:crypto';
import { confirmationFor, supersedeKey } from '../device/commandIntent.js';
import { type DeviceCommand, encodeCommand } from '../device/commands.js';
import { decodeEnergyUsage, type EnergyUsage } from '../device/energy.js';
import { type DeviceFeature, decodeFeature } from '../device/feature.js';
import { decodeReservationResponse, type ReservationSchedule } from '../device/reservations.js';
import { type DeviceStatus, decodeStatus, extractFeature, extractStatus } from '../device/status.js';
import {
  clientResponseFilter,
  clientResponseTopic,
  deviceTopicFilter,
  parseDeviceTopic,
  RESPONSE_SUFFIX,
} from '../device/topics.js';
import { type BackoffPolicy, backoffDelay } from '../util/backoff.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { TypedEmitter } from '../util/emitter.js';
import type { Logger } from '../util/logger.js';
import type { Redactor } from '../util/redact.js';
import type { CloudDevice, NavienApi } from './api.js';
import type { CloudLink, LinkState } from './connection.js';
import { DeviceRoster, REMOVAL_CONFIRMATION_MS } from './deviceRoster.js';
import { toCloudError } from './errors.js';

export interface CloudDiagnostics {
  recordCommandRefused(reason: string): void;
}

/** The command queue's side of the cloud: refusals to count, statuses that confirm commands. */
export interface CommandTracker {
  noteRefused(): void;
  observeStatus(mac: string, rawStatus: Readonly<Record<string, unknown>>): void;
}

export interface CloudEvents extends Record<string, unknown[]> {
  /** The device list was read (at start, and again later if it changed). */
  devices: [CloudDevice[]];
  status: [mac: string, status: DeviceStatus];
  feature: [mac: string, feature: DeviceFeature];
  energy: [mac: string, usage: EnergyUsage];
  /** A device became reachable with fresh data, or stopped being so. */
  availability: [mac: string, available: boolean];
  /** Heaters confirmed gone from the account (missing from two device lists an hour apart). */
  removed: [macs: string[]];
  /**
   * A reservation reply (`rsv/rd`: to a read, or the echo of a write). The reply topic names no
   * device: `mac` is the device the reply names, null when it names none (the caller knows which
   * read it sent).
   */
  reservations: [mac: string | null, schedule: ReservationSchedule];
}

export type CommandOutcome =
  | { ok: true; delivery: 'sent' | 'queued' }
  | {
      ok: false;
      code: 'out_of_range' | 'unsupported' | 'invalid' | 'unknown_device' | 'offline';
      reason: string;
    };

export interface NavienCloudOptions {
  api: NavienApi;
  link: CloudLink;
  clientId: () => string;
  statusIntervalMs: number;
  /** Feature (capabilities, limits, firmware) refresh period. */
  featureIntervalMs?: number;
  /** Energy-usage query period. */
  energyIntervalMs?: number;
  /** How often the device list is read again (devices added or removed in the app). */
  deviceListIntervalMs?: number;
  /** The heaters kept and the evidence for removing one (in data_dir); default: in memory only. */
  roster?: DeviceRoster;
  /** Retries of a failed or malformed device-list read (default 5 s doubling to 5 min). */
  deviceListBackoff?: BackoffPolicy;
  /** A device whose last status is older than this many status intervals is unavailable. */
  staleIntervals?: number;
  diagnostics: CloudDiagnostics;
  /** The command queue: counts refusals and confirms commands by the statuses that show them. */
  commands?: CommandTracker;
  /**
   * false (`enable_command_queue: false`): a command that arrives while the link is down is refused
   * instead of waiting for the link. Default true.
   */
  holdWhileOffline?: boolean;
  /** Learns each device's serial number as it arrives, so logs and reports never show it. */
  redactor?: Redactor;
  clock: Clock;
  log: Logger;
  random?: () => number;
}

interface DeviceRecord {
  device: CloudDevice;
  status: DeviceStatus | null;
  feature: DeviceFeature | null;
  /** Monotonic ms of the last status received. */
  lastStatusMono: number | null;
  lastStatusWall: number | null;
  available: boolean;
}

/** Payloads larger than AWS IoT allows are not real device messages: never parse them. */
const MAX_PAYLOAD_BYTES = 128 * 1024;
const ENERGY_REPLY_TIMEOUT_MS = 30_000;

export class NavienCloud {
  readonly events: TypedEmitter<CloudEvents>;
  private readonly records = new Map<string, DeviceRecord>();
  private readonly sessionId = randomUUID().replace(/-/g, '');
  private readonly timers = new Set<TimerHandle>();
  private statusTimer: TimerHandle | undefined;
  private featureTimer: TimerHandle | undefined;
  private energyTimer: TimerHandle | undefined;
  private listTimer: TimerHandle | undefined;
  private listAttempts = 0;
  private running = false;
  private energyInFlight: { mac: string; timer: TimerHandle; expected: number } | null = null;
  private energyWaiting: string[] = [];
  private badMessages = 0;
  private readonly unsubscribers: Array<() => void> = [];
  private readonly roster: DeviceRoster;
  private emptyListWarned = false;

  constructor(private readonly options: NavienCloudOptions) {
    this.events = new TypedEmitter<CloudEvents>((event, error) =>
      options.log.error({ err: error, event }, 'a cloud event listener failed'),
    );
    this.roster = options.roster ?? new DeviceRoster({ log: options.log, now: () => options.clock.now() });
  }

  /**
   * Heaters known from elsewhere (what an earlier run published for Home Assistant): they are
   * removed only once the device list has confirmed it, like every other heater.
   */
  expectDevices(macs: Iterable<string>): void {
    this.roster.expect(macs);
  }

  devices(): CloudDevice[] {
    return [...this.records.values()].map((r) => r.device);
  }

  device(mac: string): Readonly<DeviceRecord> | undefined {
    return this.records.get(mac);
  }

  malformedMessages(): number {
    return this.badMessages;
  }

  /** Starts the link and reads the device list (retried until it works); never throws. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const { link } = this.options;
    this.unsubscribers.push(
      link.events.on('message', (topic, payload) => this.onMessage(topic, payload)),
      link.events.on('connected', () => this.onLinkUp()),
      link.events.on('subscribed', (filter) => this.onSubscribed(filter)),
      link.events.on('state', (state) => this.onLinkState(state)),
    );
    link.start();
    void this.readDeviceList();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const off of this.unsubscribers.splice(0)) off();
    const { clock } = this.options;
    for (const timer of [
      this.statusTimer,
      this.featureTimer,
      this.energyTimer,
      this.listTimer,
      this.energyInFlight?.timer,
    ]) {
      clock.clearTimeout(timer);
    }
    for (const timer of this.timers) clock.clearTimeout(timer);
    this.timers.clear();
    await this.options.link.stop();
  }

  /**
   * An HA command: validated against the device's feature (range, capability) and refused with a
   * reason, never sent, when wrong; otherwise sent, or queued while the link is down.
   */
  sendCommand(mac: string, command: DeviceCommand): CommandOutcome {
    const { diagnostics, log, link, commands } = this.options;
    const refuse = (code: Extract<CommandOutcome, { ok: false }>['code'], reason: string): CommandOutcome => {
      diagnostics.recordCommandRefused(code);
      commands?.noteRefused();
      return { ok: false, code, reason };
    };
    const record = this.records.get(mac);
    if (!record) return refuse('unknown_device', 'no such device on the NaviLink account');
    const encoded = encodeCommand(command, record.device, this.identity(), record.feature ?? undefined);
    if (!encoded.ok) {
      log.warn({ command: command.kind, code: encoded.code, reason: encoded.reason }, 'command refused');
      return refuse(encoded.code, encoded.reason);
    }
    if (this.options.holdWhileOffline === false && !link.isConnected()) {
      return refuse('offline', 'the cloud link is down and the command queue is disabled');
    }
    const request = encoded.payload.request as { param?: unknown } | undefined;
    const param = Array.isArray(request?.param) ? request.param.filter((n) => typeof n === 'number') : [];
    const delivery = link.sendCommand({
      device: mac,
      description: describe(command),
      kind: command.kind,
      supersedeKey: supersedeKey(command),
      confirm: confirmationFor(encoded.commandCode, param),
      topic: encoded.topic,
      payload: JSON.stringify(encoded.payload),
    });
    if (delivery === 'refused') {
      return refuse('offline', 'the cloud link is down and the command queue is disabled');
    }
    log.info(
      { command: describe(command), delivery },
      delivery === 'queued' ? 'command queued until the cloud link is back' : 'command sent',
    );
    return { ok: true, delivery };
  }

  /**
   * Asks a device for its reservation list now (not queued: a read from before an outage is worth
   * nothing after it); the answer comes as a `reservations` event. False when it could not be sent.
   */
  requestReservations(mac: string): boolean {
    const { link, clientId } = this.options;
    if (!this.records.has(mac) || !link.isConnected() || !link.isSubscribed(clientResponseFilter(clientId())))
      return false;
    this.request(mac, { kind: 'reservation_read' });
    return true;
  }

  private identity() {
    return { clientId: this.options.clientId(), sessionId: this.sessionId };
  }

  /**
   * Reads the device list, then again every `deviceListIntervalMs`. An error or a malformed answer
   * is retried with backoff; an empty one changes nothing; a heater missing from a good answer is
   * kept until the roster confirms it gone (missing again at least an hour later), and the list is
   * read again in an hour to settle it.
   */
  private async readDeviceList(): Promise<void> {
    const { api, log, clock, link } = this.options;
    if (!this.running) return;
    const interval = this.options.deviceListIntervalMs ?? 6 * 3600_000;
    const readAgainIn = (ms: number) => {
      clock.clearTimeout(this.listTimer);
      this.listTimer = clock.setTimeout(() => void this.readDeviceList(), ms);
    };
    let devices: CloudDevice[];
    try {
      devices = await api.listDevices();
    } catch (error) {
      if (!this.running) return;
      const delay = backoffDelay(
        this.options.deviceListBackoff ?? { initialMs: 5_000, maxMs: 300_000 },
        ++this.listAttempts,
        this.options.random,
      );
      const cloudError = toCloudError(error);
      log.warn(
        { error: cloudError.name, reason: cloudError.message, retryInSeconds: Math.round(delay / 1000) },
        'could not read the device list; nothing is removed, retrying',
      );
      readAgainIn(delay);
      return;
    }
    if (!this.running) return;
    this.listAttempts = 0;
    if (devices.length === 0) {
      const known = this.roster.known().length;
      // Warn once per run of empty answers; an account that never had a heater is not a problem.
      log[known > 0 && !this.emptyListWarned ? 'warn' : 'debug'](
        { known },
        known > 0
          ? 'the device list came back empty; keeping every known heater'
          : 'no devices on the NaviLink account',
      );
      this.emptyListWarned = known > 0;
      readAgainIn(Math.min(interval, 10 * 60_000));
      return;
    }
    this.emptyListWarned = false;
    // The replies to reservation and energy queries come on the client's own topic: subscribed
    // before the heaters' (SUBACKs come in order), it is live by the time a heater's first status is.
    link.subscribe(clientResponseFilter(this.options.clientId()));
    const change = this.roster.observe(devices.map((device) => device.macAddress));
    for (const device of devices) {
      const existing = this.records.get(device.macAddress);
      if (existing) existing.device = device;
      else {
        this.records.set(device.macAddress, {
          device,
          status: null,
          feature: null,
          lastStatusMono: null,
          lastStatusWall: null,
          available: false,
        });
      }
      link.subscribe(deviceTopicFilter(device.macAddress, device.deviceType));
    }
    for (const gone of change.removed) {
      const record = this.records.get(gone);
      if (record) link.unsubscribe(deviceTopicFilter(gone, record.device.deviceType));
      this.records.delete(gone);
    }
    if (change.missing.length > 0) {
      log.warn(
        { missing: change.missing.map((m) => ({ device: m.mac, since: new Date(m.since).toISOString() })) },
        'heaters missing from the device list are kept until they are missing again at least an hour later',
      );
    }
    if (change.removed.length > 0) {
      log.info(
        { removed: change.removed },
        'removed heaters no longer on the NaviLink account (missing from device lists an hour apart)',
      );
    }
    log.info({ devices: devices.length }, 'read the NaviLink device list');
    this.events.emit('devices', this.devices());
    if (change.removed.length > 0) this.events.emit('removed', change.removed);
    // Devices added to or removed from the account show up without a restart; a missing one is
    // settled an hour (and a minute, to be clearly past the hour) later.
    readAgainIn(change.missing.length > 0 ? Math.min(interval, REMOVAL_CONFIRMATION_MS + 60_000) : interval);
    if (link.isConnected()) this.onLinkUp();
  }

  private onLinkUp(): void {
    if (!this.running || this.records.size === 0) return;
    this.requestAll('feature_request');
    this.requestAll('status_request');
    this.scheduleStatusPolls();
    this.scheduleFeaturePolls();
    this.queueEnergyQueries();
    this.scheduleEnergyPolls();
  }

  /**
   * A filter went live while the link was up (a heater listed after the connect, or a resubscribe):
   * what was asked before its SUBACK may have been answered to no one, so ask now.
   */
  private onSubscribed(filter: string): void {
    const { link, clientId } = this.options;
    if (!this.running || !link.isConnected()) return;
    if (filter === clientResponseFilter(clientId())) {
      this.nextEnergyQuery();
      return;
    }
    for (const [mac, record] of this.records) {
      if (deviceTopicFilter(mac, record.device.deviceType) !== filter) continue;
      this.request(mac, { kind: 'feature_request' });
      this.request(mac, { kind: 'status_request' });
    }
  }

  private onLinkState(state: LinkState): void {
    if (state === 'connected') return;
    // The cloud is unreachable: no device can be, whatever its last status said.
    for (const [mac, record] of this.records) this.setAvailable(mac, record, false);
  }

  private requestAll(kind: 'status_request' | 'feature_request'): void {
    for (const mac of this.records.keys()) this.request(mac, { kind });
  }

  /**
   * Requests are not queued: a status poll from before an outage is worth nothing after it. Nor
   * are they sent before the topic of their answer is subscribed (onSubscribed asks then).
   */
  private request(mac: string, command: DeviceCommand): void {
    const record = this.records.get(mac);
    const { link } = this.options;
    if (!record || !link.isConnected() || !link.isSubscribed(this.answerFilter(mac, record, command))) return;
    const encoded = encodeCommand(command, record.device, this.identity(), record.feature ?? undefined);
    if (!encoded.ok) {
      this.options.log.warn({ command: command.kind, reason: encoded.reason }, 'request not encodable');
      return;
    }
    this.options.link.publish(encoded.topic, JSON.stringify(encoded.payload)).catch((error: unknown) => {
      this.options.log.debug({ command: command.kind, error: toCloudError(error).name }, 'request not sent');
    });
  }

  /** Where the answer to `command` comes: the client's own topic, or the heater's. */
  private answerFilter(mac: string, record: DeviceRecord, command: DeviceCommand): string {
    return command.kind === 'reservation_read' || command.kind === 'energy_usage'
      ? clientResponseFilter(this.options.clientId())
      : deviceTopicFilter(mac, record.device.deviceType);
  }

  private scheduleStatusPolls(): void {
    const { clock, statusIntervalMs } = this.options;
    clock.clearTimeout(this.statusTimer);
    this.statusTimer = clock.setTimeout(() => {
      if (!this.running) return;
      this.refreshAvailability();
      this.requestAll('status_request');
      this.scheduleStatusPolls();
    }, statusIntervalMs);
  }

  private scheduleFeaturePolls(): void {
    const { clock } = this.options;
    clock.clearTimeout(this.featureTimer);
    this.featureTimer = clock.setTimeout(
      () => {
        if (!this.running) return;
        this.requestAll('feature_request');
        this.scheduleFeaturePolls();
      },
      this.options.featureIntervalMs ?? 30 * 60_000,
    );
  }

  private scheduleEnergyPolls(): void {
    const { clock } = this.options;
    clock.clearTimeout(this.energyTimer);
    this.energyTimer = clock.setTimeout(
      () => {
        if (!this.running) return;
        this.queueEnergyQueries();
        this.scheduleEnergyPolls();
      },
      this.options.energyIntervalMs ?? 15 * 60_000,
    );
  }

  /**
   * Energy replies arrive on a client-keyed topic that names no device, so queries go one at a
   * time and each reply belongs to the query in flight.
   */
  private queueEnergyQueries(): void {
    for (const mac of this.records.keys())
      if (!this.energyWaiting.includes(mac)) this.energyWaiting.push(mac);
    this.nextEnergyQuery();
  }

  private nextEnergyQuery(): void {
    const { clock, link, clientId } = this.options;
    // Without the reply topic live, the query waits for onSubscribed instead of timing out.
    if (this.energyInFlight || !link.isConnected() || !link.isSubscribed(clientResponseFilter(clientId())))
      return;
    const mac = this.energyWaiting.shift();
    if (!mac) return;
    const now = new Date(clock.now());
    const year = now.getFullYear();
    const month = now.getMonth() + 1;
    // In the first days of a month, also ask for the last one so its final days are counted.
    const months = now.getDate() <= 2 ? [month === 1 ? 12 : month - 1, month] : [month];
    const queries: Array<{ year: number; months: number[] }> =
      months.length === 2 && month === 1
        ? [
            { year: year - 1, months: [12] },
            { year, months: [1] },
          ]
        : [{ year, months }];
    for (const query of queries) this.request(mac, { kind: 'energy_usage', ...query });
    const timer = clock.setTimeout(() => {
      this.energyInFlight = null;
      this.nextEnergyQuery();
    }, ENERGY_REPLY_TIMEOUT_MS);
    this.energyInFlight = { mac, timer, expected: queries.length };
  }

  private onMessage(topic: string, payload: Buffer): void {
    const { log, clientId } = this.options;
    if (payload.length > MAX_PAYLOAD_BYTES) {
      this.badMessages++;
      log.warn({ bytes: payload.length }, 'ignored an oversized cloud message');
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(payload.toString('utf8'));
    } catch {
      this.badMessages++;
      log.warn({ bytes: payload.length }, 'ignored a cloud message that is not JSON');
      return;
    }
    const deviceTopic = parseDeviceTopic(topic);
    if (deviceTopic) {
      this.onDeviceMessage(deviceTopic.mac, message);
      return;
    }
    if (topic === clientResponseTopic(clientId(), RESPONSE_SUFFIX.reservation)) {
      const response = (message as { response?: unknown } | null)?.response;
      const named = (response as { macAddress?: unknown } | null | undefined)?.macAddress;
      const mac =
        typeof named === 'string' && this.records.has(named.toLowerCase()) ? named.toLowerCase() : null;
      this.events.emit('reservations', mac, decodeReservationResponse(response));
      return;
    }
    if (topic === clientResponseTopic(clientId(), RESPONSE_SUFFIX.energyUsage) && this.energyInFlight) {
      const inFlight = this.energyInFlight;
      const response = (message as { response?: unknown } | null)?.response;
      const usage = decodeEnergyUsage(response);
      if (usage.problems.length > 0)
        log.debug({ problems: usage.problems }, 'energy usage decoded with problems');
      this.events.emit('energy', inFlight.mac, usage);
      if (--inFlight.expected <= 0) {
        this.options.clock.clearTimeout(inFlight.timer);
        this.energyInFlight = null;
        this.nextEnergyQuery();
      }
    }
  }

  private onDeviceMessage(mac: string, message: unknown): void {
    const record = this.records.get(mac);
    if (!record) return;
    const { clock, log } = this.options;
    const rawFeature = extractFeature(message);
    if (rawFeature !== undefined) {
      const feature = decodeFeature(rawFeature);
      this.options.redactor?.addDeviceId(feature.controllerSerialNumber);
      if (feature.problems.length > 0)
        log.debug({ problems: feature.problems }, 'feature decoded with problems');
      record.feature = feature;
      this.events.emit('feature', mac, feature);
    }
    const rawStatus = extractStatus(message);
    if (rawStatus !== undefined) {
      // The message was parsed from the wire in onMessage and is not kept anywhere else.
      const status = decodeStatus(rawStatus, { owned: true });
      if (status.problems.length > 0)
        log.debug({ problems: status.problems }, 'status decoded with problems');
      record.status = status;
      this.options.commands?.observeStatus(mac, status.raw);
      record.lastStatusMono = clock.monotonic();
      record.lastStatusWall = clock.now();
      this.events.emit('status', mac, status);
      this.setAvailable(mac, record, this.options.link.isConnected());
    }
  }

  private refreshAvailability(): void {
    const { clock, statusIntervalMs } = this.options;
    const staleAfter = statusIntervalMs * (this.options.staleIntervals ?? 5);
    for (const [mac, record] of this.records) {
      const fresh = record.lastStatusMono !== null && clock.monotonic() - record.lastStatusMono <= staleAfter;
      this.setAvailable(mac, record, fresh && this.options.link.isConnected());
    }
  }

  private setAvailable(mac: string, record: DeviceRecord, available: boolean): void {
    if (record.available === available) return;
    record.available = available;
    this.options.log.info({ device: mac, available }, available ? 'device online' : 'device unavailable');
    this.events.emit('availability', mac, available);
  }
}

function describe(command: DeviceCommand): string {
  const { kind, ...rest } = command;
  const detail = Object.values(rest)
    .map((value) => (Array.isArray(value) ? `${value.length} entries` : String(value)))
    .join(' ');
  return detail ? `${kind} ${detail}` : kind;
}
