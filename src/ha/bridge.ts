// Wires the Navien cloud to Home Assistant: device events become retained state, availability (with
// a grace period through link drops) and discovery (rebuilt only when what it depends on changes),
// HA commands become cloud commands (reservation changes through the schedule keeper, bridge
// controls through BridgeControls), the link's health becomes the bridge device, stale discovery
// is removed once the device list is known, and HA's birth brings everything back.

import type { DeviceFeature } from '../device/feature.js';
import { decodeFeature } from '../device/feature.js';
import type { DeviceStatus } from '../device/status.js';
import type { DiagnosticsCollector } from '../diagnostics/collector.js';
import type { CloudDevice } from '../navien/api.js';
import type { NavienCloud } from '../navien/cloud.js';
import type { CloudLink } from '../navien/connection.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { pseudonym } from '../util/redact.js';
import { AvailabilityPolicy } from './availability.js';
import { type BridgeControls, runBridgeAction } from './bridgeControls.js';
import { BridgeDiagnostics, type HealthSource } from './bridgeDiagnostics.js';
import { buildBridgeDiscovery } from './bridgeEntities.js';
import type { LocalBroker } from './broker.js';
import { CloudInfoReader, type CloudInfoRest } from './cloudInfo.js';
import { routeCommand } from './commands.js';
import { buildWaterHeaterDiscovery, firmwareText } from './deviceDiscovery.js';
import { DeviceMemory } from './deviceMemory.js';
import type { DeviceDiscovery, Origin } from './discovery/index.js';
import { EnergyStore, type EnergyTotals } from './energyStore.js';
import { NWP500_ENTITIES } from './entities.js';
import type { CommandPlan, EntityDef } from './entityModel.js';
import { chooseSlugs } from './entitySlug.js';
import { OtherInstances } from './otherInstances.js';
import {
  applyDiscoveryPlan,
  currentComponents,
  type DiscoveryPlan,
  type DiscoveryRegistry,
} from './registry.js';
import { parseReservationCommand } from './reservationCommand.js';
import { ReservationSync } from './reservationSync.js';
import { DEFAULT_VACATION_DAYS, type DeviceSnapshot, MODE_BY_SETTING, statusSetting } from './snapshot.js';
import { StateWriter } from './state.js';
import { AVAILABILITY_OFFLINE, AVAILABILITY_ONLINE, isDeviceId, RESERVATIONS_KEY } from './topics.js';

export type CloudPort = Pick<
  NavienCloud,
  'events' | 'devices' | 'device' | 'sendCommand' | 'expectDevices' | 'requestReservations'
>;
export type BrokerPort = Pick<
  LocalBroker,
  | 'topics'
  | 'publish'
  | 'clear'
  | 'subscribe'
  | 'onHomeAssistantBirth'
  | 'republishRetained'
  | 'isConnected'
  | 'onConnected'
>;

export interface HaBridgeOptions {
  cloud: CloudPort;
  link: Pick<CloudLink, 'stats' | 'events'>;
  broker: BrokerPort;
  collector: Pick<
    DiagnosticsCollector,
    'getMetrics' | 'numbers' | 'getRecentDrops' | 'analysisInput' | 'onChange' | 'recordCommandRefused'
  >;
  registry: DiscoveryRegistry;
  /** data_dir: the energy totals and remembered device settings live there. */
  dataDir: string;
  /** The add-on version, shown as the discovery origin and the bridge device's firmware. */
  version: string;
  supportUrl?: string;
  clock: Clock;
  log: Logger;
  /**
   * With a status but no feature payload yet, discovery waits this long for the feature (it sets
   * the range and modes) before it goes out with the defaults. Default 30 s.
   */
  featureGraceMs?: number;
  /** Told of every retained message ignored on a command topic (for the command accounting). */
  onRetainedCommandIgnored?: (topic: string) => void;
  /** Told of every HA payload refused before it became a command (for the command accounting). */
  onCommandRefused?: (code: string) => void;
  /** Bridge diagnostics republish period (default 60 s). */
  diagnosticsIntervalMs?: number;
  /** Wait after a link event before the bridge diagnostics are republished (default 250 ms). */
  diagnosticsSettleMs?: number;
  /** This instance's install id (NavienAuth.installId()), also in the broker's topics. */
  installId: string;
  /**
   * `availability_grace_secs` in ms: how long heaters whose data was fresh stay available through
   * a cloud-link drop (default 120 s; 0 = unavailable at once).
   */
  availabilityGraceMs?: number;
  /** The cloud's REST reads (firmware, TOU plan); without it those entities stay unknown. */
  rest?: CloudInfoRest;
  /** The bridge device's controls; without them the bridge device has none. */
  controls?: BridgeControls;
  /** The bridge's computed health, shown by its Health entity; without it there is none. */
  health?: HealthSource;
  /** The schedule keeper's timings (tests shorten them). */
  reservationTimings?: { readTimeoutMs?: number; confirmDelayMs?: number; refreshIntervalMs?: number };
}

interface DeviceRuntime {
  mac: string;
  name: string;
  status: DeviceStatus | null;
  feature: DeviceFeature | null;
  energy: EnergyTotals | null;
  available: boolean;
  /** The inputs the current discovery was built from; a change means a rebuild. */
  discoveryInputs: string | null;
  /** The same inputs by identity: a status that changes none of them costs no serialising. */
  discoveryInputRefs: readonly unknown[] | null;
  discovery: DeviceDiscovery | null;
  featureWaitOver: boolean;
  featureTimer: TimerHandle | undefined;
  /** Writes the state JSON, reusing what did not change since the last status. */
  state: StateWriter<DeviceSnapshot>;
}

/** The longest entity key we echo in a log line; longer ones are cut. */
const LOGGED_KEY_CHARS = 40;
/** Command topics whose retained message was logged; beyond this many, repeats go to debug. */
const MAX_RETAINED_TOPICS_LOGGED = 256;
/** A heater's list is read on a status that shows it never read at most this often… */
const SCHEDULE_READ_MIN_INTERVAL_MS = 5 * 60_000;
/** …and on one that shows the program switched elsewhere at most this often. */
const SCHEDULE_FLIP_READ_INTERVAL_MS = 60_000;

export class HaBridge {
  private readonly table: readonly EntityDef<DeviceSnapshot>[] = NWP500_ENTITIES;
  private readonly memory: DeviceMemory;
  private readonly energy: EnergyStore;
  private readonly diagnostics: BridgeDiagnostics;
  private readonly availability: AvailabilityPolicy;
  private readonly reservations: ReservationSync;
  private readonly cloudInfo: CloudInfoReader | undefined;
  /** Monotonic ms of the last schedule read a status asked for, per heater. */
  private readonly scheduleReadAt = new Map<string, number>();
  private readonly others: OtherInstances;
  private readonly origin: Origin;
  private readonly devices = new Map<string, DeviceRuntime>();
  /** The discovery JSON last handed to the broker, per topic. */
  private readonly publishedDiscovery = new Map<string, string>();
  private readonly unsubscribers: Array<() => void> = [];
  private registrySaving: Promise<void> = Promise.resolve();
  private running = false;
  private ignoredRetained = 0;
  private readonly retainedTopicsLogged = new Set<string>();

  constructor(private readonly options: HaBridgeOptions) {
    const { dataDir, log, clock } = options;
    const now = () => clock.now();
    this.memory = new DeviceMemory({ dataDir, log, now });
    this.energy = new EnergyStore({ dataDir, log, now });
    this.diagnostics = new BridgeDiagnostics({
      broker: options.broker,
      link: options.link,
      collector: options.collector,
      clock,
      log,
      installId: options.installId,
      ...(options.health === undefined ? {} : { health: options.health }),
      ...(options.controls === undefined ? {} : { logLevel: () => options.controls?.logLevel() ?? 'info' }),
      ...(options.diagnosticsIntervalMs === undefined ? {} : { intervalMs: options.diagnosticsIntervalMs }),
      ...(options.diagnosticsSettleMs === undefined ? {} : { settleMs: options.diagnosticsSettleMs }),
    });
    const linkUp = () => options.link.stats().state === 'connected';
    this.availability = new AvailabilityPolicy({
      graceMs: options.availabilityGraceMs ?? 120_000,
      clock,
      linkUp,
      publish: (mac, online) => this.publishAvailability(mac, online),
    });
    this.reservations = new ReservationSync({
      cloud: options.cloud,
      clock,
      log,
      linkUp,
      onChange: (mac) => this.publishStateOf(mac),
      refuse: (mac, code, reason) => this.refuse(mac, RESERVATIONS_KEY, code, reason),
      ...options.reservationTimings,
    });
    this.cloudInfo =
      options.rest === undefined
        ? undefined
        : new CloudInfoReader({
            rest: options.rest,
            clock,
            log,
            onUpdate: (mac) => this.publishStateOf(mac),
          });
    this.others = new OtherInstances({
      installId: options.installId,
      baseTopic: options.broker.topics.baseTopic,
      log,
      isOurs: (mac) => this.devices.has(mac),
    });
    this.origin = {
      name: 'nwp500-bridge',
      sw_version: options.version,
      ...(options.supportUrl === undefined ? {} : { support_url: options.supportUrl }),
    };
  }

  /** Loads what earlier runs remembered, then follows the cloud and the broker until `stop()`. */
  async start(): Promise<void> {
    if (this.running) return;
    await Promise.all([this.memory.load(), this.energy.load(), this.options.registry.load()]);
    this.running = true;
    const { broker, cloud, link, log } = this.options;
    this.reservations.start();
    this.unsubscribers.push(
      broker.subscribe(broker.topics.commandFilter, (topic, payload, { retain }) => {
        if (!this.isStaleCommand(topic, payload, retain)) this.onCommand(topic, payload);
      }),
      broker.subscribe(broker.topics.bridgeDiagnostics, (_topic, payload) =>
        this.others.onBridgeState(payload),
      ),
      broker.subscribe(`${broker.topics.discoveryPrefix}/device/+/config`, (topic, payload) =>
        this.others.onDiscovery(topic, payload),
      ),
      link.events.on('state', (state) => {
        // Read every heater's list after each (re)connect: it may have changed in the app meanwhile.
        if (state === 'connected') for (const mac of this.devices.keys()) this.reservations.read(mac);
      }),
      broker.onHomeAssistantBirth(() => {
        const count = broker.republishRetained();
        log.info(
          { messages: count },
          'republished discovery, state, attributes and availability for Home Assistant',
        );
      }),
      cloud.events.on('devices', (devices) => this.onDevices(devices)),
      cloud.events.on('removed', (macs) => this.onRemoved(macs)),
      cloud.events.on('status', (mac, status) => this.onStatus(mac, status)),
      cloud.events.on('feature', (mac, feature) => this.onFeature(mac, feature)),
      cloud.events.on('energy', (mac, usage) => this.onEnergy(mac, usage.days)),
      cloud.events.on('availability', (mac, available) => this.onAvailability(mac, available)),
    );
    this.diagnostics.start();
    this.removeLegacyBridgeDiscovery();
    this.publishDiscovery(broker.topics.bridgeDiscovery, this.bridgeDiscovery());
    this.keepPublishedDevices();
    const known = cloud.devices();
    if (known.length > 0) this.onDevices(known);
  }

  /** Stops following events, clears every timer and waits for pending file writes. */
  async stop(): Promise<void> {
    this.running = false;
    for (const off of this.unsubscribers.splice(0)) off();
    this.diagnostics.stop();
    this.availability.stop();
    this.reservations.stop();
    this.cloudInfo?.stop();
    for (const runtime of this.devices.values()) this.clearFeatureTimer(runtime);
    await Promise.all([this.memory.flush(), this.energy.flush(), this.registrySaving]);
  }

  // ---- cloud events ----------------------------------------------------------------------------

  private onDevices(list: readonly CloudDevice[]): void {
    if (!this.running) return;
    const { cloud, link } = this.options;
    const heaters = list.filter((device) => isDeviceId(device.macAddress));
    const slugs = chooseSlugs(
      heaters.map((device) => ({
        mac: device.macAddress,
        name: device.deviceName || this.memory.get(device.macAddress).name || '',
      })),
      this.memory.entitySlugs(),
      this.others.slugsOtherThan(new Set(heaters.map((d) => d.macAddress))),
    );
    for (const device of heaters) {
      const mac = device.macAddress;
      const slug = slugs.get(mac);
      if (slug !== undefined) this.memory.remember(mac, { entitySlug: slug });
      let runtime = this.devices.get(mac);
      if (!runtime) {
        runtime = this.createRuntime(mac, device.deviceName);
        this.devices.set(mac, runtime);
        const record = cloud.device(mac);
        if (record?.feature) runtime.feature = record.feature;
        if (record?.status) runtime.status = record.status;
        runtime.available = record?.available ?? false;
        this.availability.update(mac, runtime.available);
        if (link.stats().state === 'connected') this.reservations.read(mac);
      } else {
        runtime.name = device.deviceName;
      }
      if (device.deviceName) this.memory.remember(mac, { name: device.deviceName });
      this.cloudInfo?.track(device, runtime.feature?.controllerSerialNumber ?? null);
      this.refreshDiscovery(runtime);
      this.publishState(runtime);
    }
    // A heater not in the list stays until the cloud confirms its removal (see onRemoved).
    this.collectStaleDiscovery();
  }

  /**
   * Heaters this bridge published before (the discovery registry) keep their entities after a
   * restart until the cloud confirms they left the account: rebuilt from what was remembered,
   * offline until the cloud lists them again. The cloud settles their removal under its rule.
   */
  private keepPublishedDevices(): void {
    const { broker, cloud, registry } = this.options;
    const macs: string[] = [];
    for (const topic of registry.snapshot().keys()) {
      const mac = /\/device\/nwp500_([0-9a-f]{12})\/config$/.exec(topic)?.[1];
      if (mac !== undefined && topic === broker.topics.deviceDiscovery(mac)) macs.push(mac);
    }
    cloud.expectDevices(macs);
    for (const mac of macs) {
      if (this.devices.has(mac)) continue;
      const runtime = this.createRuntime(mac, '');
      this.devices.set(mac, runtime);
      this.availability.update(mac, false);
      this.refreshDiscovery(runtime);
    }
  }

  /** Heaters confirmed gone from the account: their discovery, state, attributes and availability are cleared. */
  private onRemoved(macs: readonly string[]): void {
    if (!this.running) return;
    const { broker, log } = this.options;
    for (const mac of macs) {
      const runtime = this.devices.get(mac);
      if (!runtime || !isDeviceId(mac)) continue;
      this.clearFeatureTimer(runtime);
      this.devices.delete(mac);
      this.availability.forget(mac);
      this.reservations.forget(mac);
      this.cloudInfo?.forget(mac);
      for (const kind of ['unread', 'flip']) this.scheduleReadAt.delete(`${kind}:${mac}`);
      broker.clear(broker.topics.deviceState(mac));
      broker.clear(broker.topics.deviceAttributes(mac));
      broker.clear(broker.topics.deviceAvailability(mac));
      // Also when the registry lost track of it: the topic is this bridge's own.
      const discovery = broker.topics.deviceDiscovery(mac);
      if (this.publishedDiscovery.delete(discovery)) broker.clear(discovery);
      log.info({ device: pseudonym(mac) }, 'removed the entities of a heater no longer on the account');
    }
    this.collectStaleDiscovery();
  }

  private onStatus(mac: string, status: DeviceStatus): void {
    const runtime = this.devices.get(mac);
    if (!this.running || !runtime) return;
    runtime.status = status;
    const mode = MODE_BY_SETTING.get(statusSetting(status) ?? -1);
    this.memory.remember(mac, {
      unit: status.temperatureUnit,
      ...(mode === undefined ? {} : { lastMode: mode }),
    });
    if (!runtime.feature && !runtime.featureWaitOver && !runtime.featureTimer) {
      runtime.featureTimer = this.options.clock.setTimeout(() => {
        runtime.featureTimer = undefined;
        runtime.featureWaitOver = true;
        this.options.log.warn(
          { device: pseudonym(mac) },
          'no feature payload from the device yet; publishing its entities with the default range and modes',
        );
        this.refreshDiscovery(runtime);
      }, this.options.featureGraceMs ?? 30_000);
    }
    this.refreshDiscovery(runtime);
    this.publishState(runtime);
    this.readScheduleIfStale(runtime);
  }

  /**
   * A status that finds the list never read, or the program switch other than the list says (it was
   * changed in the app), asks for a read: a never-read list at most every few minutes, a switch
   * changed elsewhere at most once a minute, so a heater that never answers costs little.
   */
  private readScheduleIfStale(runtime: DeviceRuntime): void {
    const schedule = this.reservations.schedule(runtime.mac);
    const flag = runtime.status?.values.get('program_reservation_use');
    const flipped =
      schedule !== null &&
      typeof flag === 'boolean' &&
      schedule.enabled !== null &&
      flag !== schedule.enabled;
    if (schedule !== null && !flipped) return;
    const key = `${flipped ? 'flip' : 'unread'}:${runtime.mac}`;
    const now = this.options.clock.monotonic();
    const last = this.scheduleReadAt.get(key);
    const wait = flipped ? SCHEDULE_FLIP_READ_INTERVAL_MS : SCHEDULE_READ_MIN_INTERVAL_MS;
    if (last !== undefined && now - last < wait) return;
    this.scheduleReadAt.set(key, now);
    this.reservations.read(runtime.mac);
  }

  private onFeature(mac: string, feature: DeviceFeature): void {
    const runtime = this.devices.get(mac);
    if (!this.running || !runtime) return;
    const firmwareChanged = firmwareText(runtime.feature) !== firmwareText(feature);
    runtime.feature = feature;
    this.clearFeatureTimer(runtime);
    const device = this.options.cloud.devices().find((d) => d.macAddress === mac);
    if (device) this.cloudInfo?.track(device, feature.controllerSerialNumber);
    // New firmware installed: read the cloud's list again (what was downloaded is now installed).
    if (firmwareChanged) this.cloudInfo?.refresh(mac);
    this.memory.remember(mac, { feature: feature.raw });
    this.refreshDiscovery(runtime);
    this.publishState(runtime);
  }

  private onEnergy(mac: string, days: Parameters<EnergyStore['record']>[1]): void {
    const runtime = this.devices.get(mac);
    if (!this.running || !runtime) return;
    runtime.energy = this.energy.record(mac, days);
    this.publishState(runtime);
  }

  private onAvailability(mac: string, available: boolean): void {
    const runtime = this.devices.get(mac);
    if (!this.running || !runtime) return;
    runtime.available = available;
    this.availability.update(mac, available);
  }

  // ---- HA commands -----------------------------------------------------------------------------

  /** Retained messages ignored on command topics since this bridge started. */
  ignoredRetainedCommands(): number {
    return this.ignoredRetained;
  }

  /**
   * A command topic carries commands, never state. A retained message there (MQTT Explorer, an
   * automation with retain on) would be run again at every reconnect and every restart, so it is
   * ignored, counted and cleared with an empty retained publish. The empty message that clears a
   * topic (ours or anyone's) is no command either.
   */
  private isStaleCommand(topic: string, payload: Buffer, retain: boolean): boolean {
    if (payload.length === 0) return true;
    if (!retain) return false;
    const { broker, log } = this.options;
    this.ignoredRetained++;
    this.options.onRetainedCommandIgnored?.(topic);
    broker.clear(topic);
    // One line per topic: an automation that retains every command would otherwise fill the log.
    const first =
      !this.retainedTopicsLogged.has(topic) && this.retainedTopicsLogged.size < MAX_RETAINED_TOPICS_LOGGED;
    if (first) this.retainedTopicsLogged.add(topic);
    log[first ? 'warn' : 'debug'](
      { topic: topic.slice(0, 200).replace(/[0-9a-f]{12}/gi, (id) => pseudonym(id)) },
      'ignored a retained command and cleared it: commands must be published without retain (they would run again at every reconnect)',
    );
    return true;
  }

  private onCommand(topic: string, payload: Buffer): void {
    if (!this.running) return;
    const { broker } = this.options;
    const bridgeKey = broker.topics.parseBridgeCommandTopic(topic);
    if (bridgeKey !== undefined) {
      this.onBridgeCommand(bridgeKey, payload);
      return;
    }
    const parsed = broker.topics.parseCommandTopic(topic);
    if (!parsed) {
      this.refuse(undefined, undefined, 'unknown_device', 'the topic does not name a water heater');
      return;
    }
    const runtime = this.devices.get(parsed.deviceId);
    if (!runtime) {
      this.refuse(
        parsed.deviceId,
        parsed.key,
        'unknown_device',
        'no such water heater on the NaviLink account',
      );
      return;
    }
    if (parsed.key === RESERVATIONS_KEY) {
      const command = parseReservationCommand(payload, this.snapshotOf(runtime));
      if (command.ok) this.reservations.change(runtime.mac, command.value);
      else this.refuse(runtime.mac, parsed.key, command.code, command.reason);
      return;
    }
    const routed = routeCommand(this.table, this.snapshotOf(runtime), parsed.key, payload);
    if (!routed.ok) {
      this.refuse(runtime.mac, parsed.key, routed.code, routed.reason);
      return;
    }
    this.carryOut(runtime, parsed.key, routed);
  }

  private carryOut(runtime: DeviceRuntime, key: string, plan: Extract<CommandPlan, { ok: true }>): void {
    const { cloud, log } = this.options;
    if (plan.remember && this.memory.remember(runtime.mac, plan.remember)) this.publishState(runtime);
    if (plan.schedule) this.reservations.change(runtime.mac, plan.schedule);
    for (const command of plan.commands) {
      const outcome = cloud.sendCommand(runtime.mac, command);
      if (!outcome.ok) {
        // The cloud counted the refusal in diagnostics already; counting here would count it twice.
        log.warn(
          { device: pseudonym(runtime.mac), key, code: outcome.code, reason: outcome.reason },
          `refused an HA command: ${outcome.reason}`,
        );
        return;
      }
    }
  }

  /** `<b>/bridge/<key>/set`: the bridge device's own controls. */
  private onBridgeCommand(key: string, payload: Buffer): void {
    const routed = routeCommand(this.diagnostics.table, this.diagnostics.snapshot(), key, payload);
    if (!routed.ok) {
      this.refuse(undefined, key, routed.code, routed.reason);
      return;
    }
    const { controls, log } = this.options;
    if (!controls) return;
    for (const action of routed.actions ?? []) {
      runBridgeAction(action, { controls, log, republish: () => this.diagnostics.publishNow() });
    }
  }

  private refuse(mac: string | undefined, key: string | undefined, code: string, reason: string): void {
    this.options.collector.recordCommandRefused(code);
    this.options.onCommandRefused?.(code);
    this.options.log.warn(
      {
        ...(mac === undefined ? {} : { device: pseudonym(mac) }),
        ...(key === undefined ? {} : { key: key.slice(0, LOGGED_KEY_CHARS) }),
        code,
      },
      `refused an HA command: ${reason}`,
    );
  }

  // ---- publishing ------------------------------------------------------------------------------

  private createRuntime(mac: string, name: string): DeviceRuntime {
    const remembered = this.memory.get(mac);
    return {
      mac,
      name: name || remembered.name || 'NWP500',
      status: null,
      feature: remembered.feature ? decodeFeature(remembered.feature) : null,
      energy: this.energy.totals(mac),
      available: false,
      discoveryInputs: null,
      discoveryInputRefs: null,
      discovery: null,
      featureWaitOver: false,
      featureTimer: undefined,
      state: new StateWriter(this.table),
    };
  }

  private snapshotOf(runtime: DeviceRuntime): DeviceSnapshot {
    const { mac } = runtime;
    const remembered = this.memory.get(mac);
    return {
      status: runtime.status,
      feature: runtime.feature,
      unit: runtime.status?.temperatureUnit ?? remembered.unit ?? runtime.feature?.temperatureUnit ?? 'F',
      energy: runtime.energy,
      vacationDays: remembered.vacationDays ?? DEFAULT_VACATION_DAYS,
      lastMode: remembered.lastMode ?? null,
      schedule: this.reservations.schedule(mac),
      scheduleWrite: this.reservations.lastWrite(mac),
      tou: this.cloudInfo?.tou(mac) ?? null,
      firmware: this.cloudInfo?.firmware(mac) ?? null,
    };
  }

  /** `<b>/<id>/availability`, as the availability policy decides it. */
  private publishAvailability(mac: string, online: boolean): void {
    const { broker } = this.options;
    if (!this.devices.has(mac)) return;
    broker.publish(
      broker.topics.deviceAvailability(mac),
      online ? AVAILABILITY_ONLINE : AVAILABILITY_OFFLINE,
      {
        retain: true,
      },
    );
  }

  private publishStateOf(mac: string): void {
    const runtime = this.devices.get(mac);
    if (this.running && runtime) this.publishState(runtime);
  }

  /** The state goes out once the device has reported; the broker skips it when nothing changed. */
  private publishState(runtime: DeviceRuntime): void {
    if (!runtime.status) return;
    const { broker, log } = this.options;
    try {
      const texts = runtime.state.write(this.snapshotOf(runtime));
      // Attributes first: a state that counts schedule entries does not arrive before the entries.
      broker.publish(broker.topics.deviceAttributes(runtime.mac), texts.attributes, { retain: true });
      broker.publish(broker.topics.deviceState(runtime.mac), texts.state, { retain: true });
    } catch (error) {
      log.error({ err: error, device: pseudonym(runtime.mac) }, 'could not build the device state');
    }
  }

  /**
   * Builds the device's discovery when its inputs (name, unit, feature) changed. Without a feature
   * payload (from the device or remembered) it waits: the range and modes come from there.
   */
  private refreshDiscovery(runtime: DeviceRuntime): void {
    if (!runtime.feature && !runtime.featureWaitOver) return;
    const remembered = this.memory.get(runtime.mac);
    const slug = remembered.entitySlug ?? runtime.mac.slice(-6);
    const unit =
      runtime.status?.temperatureUnit ?? remembered.unit ?? runtime.feature?.temperatureUnit ?? 'F';
    const refs = [runtime.name, unit, runtime.feature?.raw ?? null, slug];
    const previous = runtime.discoveryInputRefs;
    if (previous && refs.every((value, i) => value === previous[i])) return;
    const inputs = JSON.stringify(refs);
    if (inputs === runtime.discoveryInputs) {
      runtime.discoveryInputRefs = refs;
      return;
    }
    const snapshot = this.snapshotOf(runtime);
    const { broker, log } = this.options;
    let message: DeviceDiscovery;
    try {
      message = buildWaterHeaterDiscovery({
        table: this.table,
        snapshot,
        identity: {
          deviceId: runtime.mac,
          name: runtime.name,
          entityIdPrefix: `nwp500_${slug}`,
          bridgeDeviceId: broker.topics.bridgeDeviceId,
        },
        topics: broker.topics,
        origin: this.origin,
      });
    } catch (error) {
      log.error({ err: error, device: pseudonym(runtime.mac) }, 'could not build the discovery message');
      return;
    }
    runtime.discoveryInputs = inputs;
    runtime.discoveryInputRefs = refs;
    runtime.discovery = message;
    this.publishDiscovery(broker.topics.deviceDiscovery(runtime.mac), message);
  }

  /**
   * Versions before 0.2.0 published the bridge device as `nwp500_bridge`; it is removed once (when
   * the registry recorded it), its entities now living on `nwp500_bridge_<install>`.
   */
  private removeLegacyBridgeDiscovery(): void {
    const { broker, registry, log } = this.options;
    const legacy = broker.topics.legacyBridgeDiscovery;
    if (!registry.snapshot().has(legacy)) return;
    const plan: DiscoveryPlan = { removeTopics: [legacy], removeComponents: new Map() };
    const result = applyDiscoveryPlan(plan, {
      broker,
      registry,
      current: new Map(),
      log,
      onApplied: () => this.saveRegistry(),
    });
    if (result === 'applied') this.saveRegistry();
    log.info(
      { bridgeDevice: broker.topics.bridgeDeviceId },
      'replacing the bridge device nwp500_bridge of earlier versions with one named for this install',
    );
  }

  private bridgeDiscovery(): DeviceDiscovery {
    return buildBridgeDiscovery({
      table: this.diagnostics.table,
      snapshot: this.diagnostics.snapshot(),
      topics: this.options.broker.topics,
      origin: this.origin,
    });
  }

  /**
   * Publishes a discovery message that changed and records it. Components it no longer has are
   * removed the way HA asks (reduced to their platform first), since HA would keep them otherwise.
   */
  private publishDiscovery(topic: string, message: DeviceDiscovery): void {
    const json = JSON.stringify(message);
    if (this.publishedDiscovery.get(topic) === json) return;
    this.publishedDiscovery.set(topic, json);
    const { broker, registry, log } = this.options;
    const keep = new Set(Object.keys(message.components));
    const gone = (registry.snapshot().get(topic) ?? []).filter((ref) => !keep.has(ref.id));
    if (gone.length === 0) {
      broker.publish(topic, json, { retain: true, qos: 1 });
      registry.recordDiscovery(topic, message);
      this.saveRegistry();
      return;
    }
    const plan: DiscoveryPlan = { removeTopics: [], removeComponents: new Map([[topic, gone]]) };
    const current = new Map([[topic, message]]);
    const result = applyDiscoveryPlan(plan, {
      broker,
      registry,
      current,
      log,
      onApplied: () => this.saveRegistry(),
    });
    if (result === 'applied') this.saveRegistry();
  }

  /**
   * Removes discovery this bridge published earlier for devices (or entities) it no longer has.
   * Devices still waiting for their first feature payload keep their old discovery meanwhile.
   */
  private collectStaleDiscovery(): void {
    const { broker, registry, log } = this.options;
    const current = new Map<string, DeviceDiscovery>([
      [broker.topics.bridgeDiscovery, this.bridgeDiscovery()],
    ]);
    const waiting = new Set<string>();
    for (const runtime of this.devices.values()) {
      const topic = broker.topics.deviceDiscovery(runtime.mac);
      if (runtime.discovery) current.set(topic, runtime.discovery);
      else waiting.add(topic);
    }
    const plan = registry.plan(currentComponents(current));
    plan.removeTopics = plan.removeTopics.filter((topic) => !waiting.has(topic));
    for (const topic of plan.removeTopics) {
      this.publishedDiscovery.delete(topic);
      const id = /\/device\/nwp500_([0-9a-f]{12})\/config$/.exec(topic)?.[1];
      if (id !== undefined) {
        broker.clear(broker.topics.deviceState(id));
        broker.clear(broker.topics.deviceAttributes(id));
        broker.clear(broker.topics.deviceAvailability(id));
      }
    }
    for (const [topic, message] of current) this.publishedDiscovery.set(topic, JSON.stringify(message));
    const result = applyDiscoveryPlan(plan, {
      broker,
      registry,
      current,
      log,
      onApplied: () => this.saveRegistry(),
    });
    if (result === 'applied') this.saveRegistry();
  }

  private saveRegistry(): void {
    const { registry, log } = this.options;
    this.registrySaving = this.registrySaving
      .then(() => registry.save())
      .catch((error: unknown) => log.warn({ err: error }, 'could not save the discovery registry'));
  }

  private clearFeatureTimer(runtime: DeviceRuntime): void {
    this.options.clock.clearTimeout(runtime.featureTimer);
    runtime.featureTimer = undefined;
  }
}
