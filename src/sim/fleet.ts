// The simulated devices as a group: routes client publishes on `cmd/52/navilink-<mac>/<suffix>` to
// the right device, sends its replies back through the broker, and drives the tank physics on the
// injected clock (start/stop own the timer; `tick` advances by hand).

import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { SimCounters } from './counters.js';
import type { DeviceReply, SimDevice } from './device.js';
import { DEVICE_TYPE, REQUEST_SUFFIXES } from './wire.js';

export interface FleetOptions {
  clock: Clock;
  logger: Logger;
  counters: SimCounters;
  publish: (topic: string, payload: string) => void;
  /** Physics step interval on the clock, ms. */
  tickIntervalMs: number;
  /** Simulated time per real time (60 = a minute of tank physics per second). */
  physicsSpeed: number;
  /** Device reply latency on the clock, ms (0 = reply at once). */
  replyDelayMs: number;
}

const DEVICE_TOPIC = new RegExp(`^cmd/${DEVICE_TYPE}/navilink-([0-9a-fA-F]{12})/(.+)$`);

export class DeviceFleet {
  private readonly byMacAddress = new Map<string, SimDevice>();
  private tickTimer: TimerHandle | undefined;
  private lastTickAt = 0;
  private readonly pendingReplies = new Set<TimerHandle>();

  constructor(
    readonly devices: readonly SimDevice[],
    private readonly options: FleetOptions,
  ) {
    for (const device of devices) this.byMacAddress.set(device.macAddress, device);
  }

  device(mac: string): SimDevice | undefined {
    return this.byMacAddress.get(mac.toLowerCase());
  }

  /** Starts the physics timer (idempotent). */
  start(): void {
    if (this.tickTimer) return;
    this.lastTickAt = this.options.clock.monotonic();
    this.scheduleTick();
  }

  stop(): void {
    const { clock } = this.options;
    clock.clearTimeout(this.tickTimer);
    this.tickTimer = undefined;
    for (const timer of this.pendingReplies) clock.clearTimeout(timer);
    this.pendingReplies.clear();
  }

  /** Advances every device by `ms` of simulated time (no speed factor). */
  tick(ms: number): void {
    for (const device of this.devices) device.tick(ms);
  }

  /** Entry point for every client PUBLISH; anything not addressed to a known device is ignored. */
  handlePublish(topic: string, payload: Buffer, clientId: string): void {
    const match = DEVICE_TOPIC.exec(topic);
    if (!match) return;
    const [, mac = '', suffix = ''] = match;
    if (!REQUEST_SUFFIXES.has(suffix)) return;
    const device = this.device(mac);
    const { counters } = this.options;
    if (!device) {
      counters.requestsForUnknownDevices += 1;
      this.options.logger.debug({ suffix }, 'request for an unknown device ignored');
      return;
    }
    const result = device.handleRequest(suffix, payload, clientId);
    if (result.outcome === 'not-a-request') return;
    if (result.outcome === 'malformed') {
      counters.malformedRequests += 1;
      return;
    }
    counters.commandsReceived += 1;
    for (const reply of result.replies) this.sendReply(reply);
  }

  private sendReply(reply: DeviceReply): void {
    const { clock, replyDelayMs } = this.options;
    if (replyDelayMs <= 0) {
      this.deliver(reply);
      return;
    }
    const timer = clock.setTimeout(() => {
      this.pendingReplies.delete(timer);
      this.deliver(reply);
    }, replyDelayMs);
    this.pendingReplies.add(timer);
  }

  private deliver(reply: DeviceReply): void {
    this.options.counters.repliesPublished += 1;
    this.options.publish(reply.topic, reply.payload);
  }

  private scheduleTick(): void {
    const { clock, tickIntervalMs, physicsSpeed } = this.options;
    this.tickTimer = clock.setTimeout(() => {
      const now = clock.monotonic();
      const elapsed = now - this.lastTickAt;
      this.lastTickAt = now;
      try {
        this.tick(elapsed * physicsSpeed);
      } catch (error) {
        this.options.logger.error({ err: error }, 'device physics step failed');
      }
      this.scheduleTick();
    }, tickIntervalMs);
  }
}
