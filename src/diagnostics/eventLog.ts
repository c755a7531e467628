// The collector's bounded histories: drops, connections, failed attempts, host events,
// configuration epochs, credential renewals and REST checks, as the report (`history`) and the saved
// snapshot carry them, and how a saved run's histories are put back before this run's.

import type { History } from './history.js';
import { RingBuffer } from './ringBuffer.js';
import type { CollectorSnapshot } from './snapshot.js';
import {
  type CloudError,
  type ConnectionDropEvent,
  type ConnectionEvent,
  isoUtc,
  type SystemEventKind,
} from './types.js';

/** Epochs, renewals and REST checks are rare: this many of each are kept. */
const SMALL_HISTORY = 200;

export interface Timed {
  wallMs: number;
  monoMs: number;
}
export interface DropRecord extends Timed {
  event: ConnectionDropEvent;
}
export interface ConnectionRecord extends Timed {
  event: ConnectionEvent;
}
export interface ReconnectFailureRecord extends Timed {
  attempt: number;
  deep: boolean;
  error: CloudError;
  credentialAgeSeconds: number | null;
}
export interface SystemEventRecord extends Timed {
  kind: SystemEventKind;
  detail: string;
}
export interface ConfigEpochRecord extends Timed {
  index: number;
  settings: Record<string, string | number | boolean>;
}
export interface RestCheckRecord extends Timed {
  path: string;
  reachable: boolean;
  status: number | null;
  /** The cloud's clock minus ours (from the answer's Date header), ms; null without one. */
  clockOffsetMs: number | null;
  error: string | null;
}
export interface RenewalRecord extends Timed {
  planned: boolean;
  reason: string;
}

export class EventLog {
  readonly drops: RingBuffer<DropRecord>;
  readonly connections: RingBuffer<ConnectionRecord>;
  readonly failures: RingBuffer<ReconnectFailureRecord>;
  readonly systemEvents: RingBuffer<SystemEventRecord>;
  readonly configEpochs = new RingBuffer<ConfigEpochRecord>(SMALL_HISTORY);
  readonly renewals = new RingBuffer<RenewalRecord>(SMALL_HISTORY);
  readonly restChecks = new RingBuffer<RestCheckRecord>(SMALL_HISTORY);
  nextConfigEpoch = 0;

  constructor(maxEventsRetained: number) {
    this.drops = new RingBuffer(maxEventsRetained);
    this.connections = new RingBuffer(maxEventsRetained);
    this.failures = new RingBuffer(maxEventsRetained);
    this.systemEvents = new RingBuffer(maxEventsRetained);
  }

  /** The lists of the report's `history`. */
  historyLists(): Pick<
    History,
    | 'drops'
    | 'connections'
    | 'reconnect_failures'
    | 'system_events'
    | 'config_epochs'
    | 'credential_renewals'
    | 'rest_checks'
  > {
    return {
      drops: this.drops.toArray().map((d) => ({ ...d.event, mono_ms: d.monoMs })),
      connections: this.connections.toArray().map((c) => ({ ...c.event, mono_ms: c.monoMs })),
      reconnect_failures: this.failures.toArray().map((f) => ({
        timestamp: isoUtc(f.wallMs),
        mono_ms: f.monoMs,
        attempt: f.attempt,
        deep: f.deep,
        error_name: f.error.name,
        error_code: f.error.code,
        error_message: f.error.message,
        credential_age_seconds: f.credentialAgeSeconds,
      })),
      system_events: this.systemEvents
        .toArray()
        .map((e) => ({ timestamp: isoUtc(e.wallMs), mono_ms: e.monoMs, kind: e.kind, detail: e.detail })),
      config_epochs: this.configEpochs.toArray().map((e) => ({
        index: e.index,
        started_at: isoUtc(e.wallMs),
        mono_ms: e.monoMs,
        settings: { ...e.settings },
      })),
      credential_renewals: this.renewals.toArray().map((r) => ({
        timestamp: isoUtc(r.wallMs),
        mono_ms: r.monoMs,
        planned: r.planned,
        reason: r.reason,
      })),
      rest_checks: this.restChecks.toArray().map((r) => ({
        timestamp: isoUtc(r.wallMs),
        mono_ms: r.monoMs,
        path: r.path,
        reachable: r.reachable,
        status: r.status,
        clock_offset_ms: r.clockOffsetMs,
        error: r.error,
      })),
    };
  }

  /** The lists of the saved snapshot (wall times only). */
  snapshotLists(): Pick<
    CollectorSnapshot,
    | 'nextConfigEpoch'
    | 'drops'
    | 'connections'
    | 'reconnectFailures'
    | 'systemEvents'
    | 'configEpochs'
    | 'credentialRenewals'
    | 'restChecks'
  > {
    return {
      nextConfigEpoch: this.nextConfigEpoch,
      drops: this.drops.toArray().map((d) => ({ wallMs: d.wallMs, event: { ...d.event } })),
      connections: this.connections.toArray().map((c) => ({ wallMs: c.wallMs, event: { ...c.event } })),
      reconnectFailures: this.failures.toArray().map((f) => ({
        wallMs: f.wallMs,
        attempt: f.attempt,
        deep: f.deep,
        error: { ...f.error },
        credentialAgeSeconds: f.credentialAgeSeconds,
      })),
      systemEvents: this.systemEvents
        .toArray()
        .map((e) => ({ wallMs: e.wallMs, kind: e.kind, detail: e.detail })),
      configEpochs: this.configEpochs
        .toArray()
        .map((e) => ({ wallMs: e.wallMs, index: e.index, settings: { ...e.settings } })),
      credentialRenewals: this.renewals
        .toArray()
        .map((r) => ({ wallMs: r.wallMs, planned: r.planned, reason: r.reason })),
      restChecks: this.restChecks.toArray().map(({ monoMs: _mono, ...r }) => ({ ...r })),
    };
  }

  /** Puts a saved run's histories before this run's; `toMono` places them on this run's timeline. */
  restore(snapshot: CollectorSnapshot, toMono: (wallMs: number) => number): void {
    // Epoch indexes continue from the saved run; epochs this run already opened are renumbered after them.
    const ownEpochs = this.configEpochs.toArray();
    this.nextConfigEpoch = snapshot.nextConfigEpoch;
    const renumber = new Map<number, number>();
    this.configEpochs.clear();
    for (const e of snapshot.configEpochs) {
      this.configEpochs.push({
        wallMs: e.wallMs,
        monoMs: toMono(e.wallMs),
        index: e.index,
        settings: { ...e.settings },
      });
    }
    for (const e of ownEpochs) {
      const previous = this.configEpochs.newest();
      if (previous && JSON.stringify(previous.settings) === JSON.stringify(e.settings)) {
        renumber.set(e.index, previous.index);
        continue;
      }
      const index = this.nextConfigEpoch++;
      renumber.set(e.index, index);
      this.configEpochs.push({ ...e, index });
    }

    prependHistory(
      this.drops,
      snapshot.drops.map((d) => ({ wallMs: d.wallMs, monoMs: toMono(d.wallMs), event: { ...d.event } })),
      (d) => {
        const epoch = d.event.config_epoch;
        return epoch === null
          ? d
          : { ...d, event: { ...d.event, config_epoch: renumber.get(epoch) ?? epoch } };
      },
    );
    prependHistory(
      this.connections,
      snapshot.connections.map((c) => ({
        wallMs: c.wallMs,
        monoMs: toMono(c.wallMs),
        event: { ...c.event },
      })),
    );
    prependHistory(
      this.failures,
      snapshot.reconnectFailures.map((f) => ({
        wallMs: f.wallMs,
        monoMs: toMono(f.wallMs),
        attempt: f.attempt,
        deep: f.deep,
        error: { ...f.error },
        credentialAgeSeconds: f.credentialAgeSeconds ?? null,
      })),
    );
    prependHistory(
      this.systemEvents,
      snapshot.systemEvents.map((e) => ({ ...e, monoMs: toMono(e.wallMs) })),
    );
    prependHistory(
      this.renewals,
      snapshot.credentialRenewals.map((r) => ({ ...r, monoMs: toMono(r.wallMs) })),
    );
    prependHistory(
      this.restChecks,
      (snapshot.restChecks ?? []).map((r) => ({ ...r, monoMs: toMono(r.wallMs) })),
    );
  }
}

function prependHistory<T>(
  ring: RingBuffer<T>,
  restored: T[],
  adjustOwn: (item: T) => T = (item) => item,
): void {
  const own = ring.toArray();
  ring.clear();
  for (const item of restored) ring.push(item);
  for (const item of own) ring.push(adjustOwn(item));
}
