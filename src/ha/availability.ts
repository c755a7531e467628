// What `<b>/<id>/availability` says: a heater the cloud reports unreachable goes offline at once,
// unless the cause is a drop of the cloud link and its data was fresh when the link dropped; then
// it stays online for `availability_grace_secs`, so a link that drops and recovers in seconds does
// not comb the HA history. The bridge's own connectivity entity shows every drop regardless.

import type { Clock, TimerHandle } from '../util/clock.js';

export interface AvailabilityPolicyOptions {
  /** 0 turns the grace off: offline as soon as the cloud says so. */
  graceMs: number;
  clock: Clock;
  /** True while the cloud link is connected. */
  linkUp: () => boolean;
  /** Called with each change of what a heater's availability topic should say. */
  publish: (mac: string, online: boolean) => void;
}

interface HeaterAvailability {
  /** What the cloud says (link up and data fresh). */
  cloud: boolean;
  /** What was last published. */
  shown: boolean | null;
  graceTimer: TimerHandle | undefined;
}

export class AvailabilityPolicy {
  private readonly heaters = new Map<string, HeaterAvailability>();

  constructor(private readonly options: AvailabilityPolicyOptions) {}

  /** The cloud's word on a heater: at start-up, and on every change. */
  update(mac: string, cloudAvailable: boolean): void {
    const heater = this.heaters.get(mac) ?? { cloud: false, shown: null, graceTimer: undefined };
    this.heaters.set(mac, heater);
    const wasShownOnline = heater.shown === true;
    heater.cloud = cloudAvailable;
    if (cloudAvailable) {
      this.clearGrace(heater);
      this.show(mac, heater, true);
      return;
    }
    // Held only through a link drop, and only for a heater that was online (its data fresh) then.
    const { graceMs, linkUp, clock } = this.options;
    if (graceMs > 0 && wasShownOnline && !linkUp()) {
      heater.graceTimer ??= clock.setTimeout(() => {
        heater.graceTimer = undefined;
        if (!heater.cloud) this.show(mac, heater, false);
      }, graceMs);
      return;
    }
    this.clearGrace(heater);
    this.show(mac, heater, false);
  }

  /** True while a heater is shown online only because of the grace period. */
  inGrace(mac: string): boolean {
    return this.heaters.get(mac)?.graceTimer !== undefined;
  }

  forget(mac: string): void {
    const heater = this.heaters.get(mac);
    if (heater) this.clearGrace(heater);
    this.heaters.delete(mac);
  }

  stop(): void {
    for (const heater of this.heaters.values()) this.clearGrace(heater);
  }

  private show(mac: string, heater: HeaterAvailability, online: boolean): void {
    if (heater.shown === online) return;
    heater.shown = online;
    this.options.publish(mac, online);
  }

  private clearGrace(heater: HeaterAvailability): void {
    this.options.clock.clearTimeout(heater.graceTimer);
    heater.graceTimer = undefined;
  }
}
