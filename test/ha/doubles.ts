// Stand-ins for the Navien cloud side (the live cloud is the one thing tests may replace): a cloud
// link that reports the stats and state a test sets, and a cloud whose device events a test emits.

import type { DeviceCommand } from '../../src/device/commands.js';
import type { CloudDevice } from '../../src/navien/api.js';
import type { CloudEvents, CommandOutcome } from '../../src/navien/cloud.js';
import type { LinkEvents, LinkState, LinkStats } from '../../src/navien/connection.js';
import type { ManualClock } from '../../src/util/clock.js';
import { TypedEmitter } from '../../src/util/emitter.js';

export class LinkDouble {
  readonly events = new TypedEmitter<LinkEvents>();
  state: LinkState = 'connected';
  connectedAtMono = 0;

  constructor(private readonly clock: ManualClock) {}

  stats(): LinkStats {
    return {
      state: this.state,
      clientId: 'client',
      reconnectAttempt: 0,
      connectedSince: null,
      sessionUptimeSeconds: (this.clock.monotonic() - this.connectedAtMono) / 1000,
      lastMessageAgeSeconds: 1,
      lastError: null,
      subscriptions: { total: 2, active: 2 },
      queuedCommands: 0,
      abandonedConnections: 0,
    };
  }

  setState(state: LinkState): void {
    this.state = state;
    this.events.emit('state', state);
  }
}

export class CloudDouble {
  readonly events = new TypedEmitter<CloudEvents>();
  list: CloudDevice[] = [];
  readonly sent: Array<{ mac: string; command: DeviceCommand }> = [];
  /** What `sendCommand` answers; a test may set a refusal. */
  outcome: CommandOutcome = { ok: true, delivery: 'sent' };

  /** Heaters the bridge said it knows from its registry (the real cloud tracks their removal). */
  readonly expected = new Set<string>();

  devices(): CloudDevice[] {
    return this.list;
  }

  expectDevices(macs: Iterable<string>): void {
    for (const mac of macs) this.expected.add(mac);
  }

  /** The cloud confirmed these heaters gone from the account. */
  remove(...macs: string[]): void {
    this.list = this.list.filter((device) => !macs.includes(device.macAddress));
    this.events.emit('removed', macs);
  }

  device(_mac: string): undefined {
    return undefined;
  }

  /** Reservation reads asked for; a test answers with `events.emit('reservations', …)`. */
  readonly reservationReads: string[] = [];
  /** What `requestReservations` answers (false: as if the link were down). */
  readsSent = true;

  requestReservations(mac: string): boolean {
    if (this.readsSent) this.reservationReads.push(mac);
    return this.readsSent;
  }

  sendCommand(mac: string, command: DeviceCommand): CommandOutcome {
    if (this.outcome.ok) this.sent.push({ mac, command });
    return this.outcome;
  }

  announce(...macs: string[]): void {
    this.list = macs.map((macAddress) => ({
      macAddress,
      additionalValue: '5322',
      deviceType: 52,
      deviceName: 'Water Heater',
      connected: 2,
      homeSeq: 1,
      installType: 'R',
    }));
    this.events.emit('devices', this.list);
  }
}
