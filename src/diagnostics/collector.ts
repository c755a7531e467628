// Records what happens to the cloud link (drops, recoveries, reconnect attempts, load, host events)
// into bounded histories and the nwp500-python metrics, with the Python collector's bugs fixed.
//
// What the counters mean (nwp500-python names, our fixed semantics):
// - total_connections: successes of type `connected` (a fresh connection, including the first one).
// - connection_recovered: successes of type `resumed` or `deep_reconnected`.
// - total_connection_drops: every recorded drop, including a drop reported while the link was
//   already down (e.g. a failed resume the engine chose to report as a drop).
// - total_disconnects: outages, i.e. transitions from connected to disconnected. A drop while already
//   disconnected does not count again, so disconnects <= drops.
// - total_reconnect_attempts: reconnect attempts the engine made (`recordReconnectAttempt`), not drops.
// - reconnection_attempts_distribution: per recovered outage, how many attempts the recovery took
//   (at least 1: even an SDK-internal resume is one attempt), in buckets "1", "2-5", "6-10", "11+".
// - connection_drops_by_error: drops by error name. aws_error_counts: every cloud error seen, by
//   name: drops plus failed reconnect attempts (so the two maps are no longer the same numbers).
// - messages_published / messages_queued: publish requests sent at once / put in the offline queue.
// - sessions: a session starts at every success and ends at the next drop (or at a success that
//   replaces it); durations use the monotonic clock. shortest_session_seconds is null until one ended.
//
// The bridge's own intentional teardown (shutdown, replacing a connection on purpose) is not a drop:
// the caller simply does not call recordConnectionDrop for it.

import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { AnalysisInput } from './patterns.js';
import { RingBuffer } from './ringBuffer.js';
import { type CollectorSnapshot, SNAPSHOT_VERSION } from './snapshot.js';
import {
  ATTEMPT_BUCKETS,
  type AttemptBucket,
  type CloudError,
  type CollectorCounters,
  type CollectorExport,
  type ConnectionDropEvent,
  type ConnectionEvent,
  type ConnectionEventType,
  isoUtc,
  type MqttMetrics,
  msToSeconds,
  type SystemEventKind,
} from './types.js';

export type { CollectorSnapshot } from './snapshot.js';
export type {
  CloudError,
  CollectorCounters,
  CollectorExport,
  ConnectionDropEvent,
  ConnectionEvent,
  ConnectionEventType,
  MqttMetrics,
  SystemEventKind,
} from './types.js';

/** Events kept in the export's `recent_drops` / `recent_connections`. */
export const EXPORT_EVENTS = 50;
/** Session durations kept for `sample_durations`. */
export const SAMPLE_DURATIONS = 20;
/** The load series resolution (pub + recv per bin), as aws-crt.md §5 asks for. */
export const LOAD_BIN_MS = 5 * 60_000;
/** One week of 5-minute bins. */
const LOAD_BINS_RETAINED = 7 * 24 * 12;
const SMALL_HISTORY = 200;
/** Error names and refusal reasons come from code, but a map keyed by outside text must stay bounded. */
const MAX_DISTINCT_KEYS = 100;
const OVERFLOW_KEY = 'OTHER';

export type ChangeKind =
  | 'drop'
  | 'connection'
  | 'reconnect_failure'
  | 'credential_renewal'
  | 'system_event'
  | 'config_epoch';

interface Timed {
  wallMs: number;
  monoMs: number;
}
interface DropRecord extends Timed {
  event: ConnectionDropEvent;
}
interface ConnectionRecord extends Timed {
  event: ConnectionEvent;
}
interface ReconnectFailureRecord extends Timed {
  attempt: number;
  deep: boolean;
  error: CloudError;
}
interface SystemEventRecord extends Timed {
  kind: SystemEventKind;
  detail: string;
}
interface ConfigEpochRecord extends Timed {
  index: number;
  settings: Record<string, string | number | boolean>;
}
interface RenewalRecord extends Timed {
  planned: boolean;
  reason: string;
}
interface LoadBin extends Timed {
  bin: number;
  messages: number;
}

export interface DiagnosticsCollectorOptions {
  maxEventsRetained: number;
  clock: Clock;
  log?: Logger;
}

export class DiagnosticsCollector {
  private readonly clock: Clock;
  private readonly log: Logger | undefined;
  private readonly maxEventsRetained: number;

  private readonly drops: RingBuffer<DropRecord>;
  private readonly connections: RingBuffer<ConnectionRecord>;
  private readonly reconnectFailureHistory: RingBuffer<ReconnectFailureRecord>;
  private readonly systemEvents: RingBuffer<SystemEventRecord>;
  private readonly configEpochs = new RingBuffer<ConfigEpochRecord>(SMALL_HISTORY);
  private readonly renewals = new RingBuffer<RenewalRecord>(SMALL_HISTORY);
  private readonly loadBins = new RingBuffer<LoadBin>(LOAD_BINS_RETAINED);
  private readonly sessionSamples = new RingBuffer<number>(SAMPLE_DURATIONS);

  // The 5 most recent whole minutes of traffic, for `messages_before` on a drop.
  private readonly minuteOf = [-1, -1, -1, -1, -1];
  private readonly minuteCount = [0, 0, 0, 0, 0];
  private currentLoadBin: LoadBin | null = null;

  private totalConnections = 0;
  private totalDisconnects = 0;
  private totalConnectionDrops = 0;
  private totalReconnectAttempts = 0;
  private deepReconnectAttempts = 0;
  private reconnectFailures = 0;
  private connectionRecovered = 0;
  private messagesPublished = 0;
  private messagesQueued = 0;
  private messagesIn = 0;
  private messagesOut = 0;
  private credentialRenewals = 0;
  private unplannedCredentialRenewals = 0;
  private queueDroppedOverflow = 0;
  private queueDroppedExpired = 0;
  private systemEventCount = 0;
  private readonly dropsByError = new Map<string, number>();
  private readonly awsErrorCounts = new Map<string, number>();
  private readonly reconnectFailuresByError = new Map<string, number>();
  private readonly commandsRefusedByReason = new Map<string, number>();
  private readonly systemEventsByKind = new Map<string, number>();
  private readonly attemptDistribution = new Map<string, number>();

  private sessionCount = 0;
  private sessionSumSeconds = 0;
  private sessionMinSeconds: number | null = null;
  private sessionMaxSeconds = 0;

  private connected = false;
  private sessionStartMono: number | null = null;
  private sessionStartWall: number | null = null;
  private sessionStartIso: string | null = null;
  private sessionPresent = false;
  private outageStartMono: number | null = null;
  private outageAttempts = 0;
  private lastDropWall: number | null = null;
  private lastSuccessWall: number | null = null;
  private lastRenewalMono: number | null = null;
  private nextConfigEpoch = 0;
  private currentUptimeSeconds = 0;

  private readonly runStartMono: number;
  private priorObservedMs = 0;
  private firstObservedAtWall: number;

  private readonly dropListeners = new Set<(event: ConnectionDropEvent) => void>();
  private readonly changeListeners = new Set<(kind: ChangeKind) => void>();

  constructor(options: DiagnosticsCollectorOptions) {
    this.clock = options.clock;
    this.log = options.log;
    this.maxEventsRetained = Math.max(1, Math.floor(options.maxEventsRetained));
    this.drops = new RingBuffer(this.maxEventsRetained);
    this.connections = new RingBuffer(this.maxEventsRetained);
    this.reconnectFailureHistory = new RingBuffer(this.maxEventsRetained);
    this.systemEvents = new RingBuffer(this.maxEventsRetained);
    this.runStartMono = this.clock.monotonic();
    this.firstObservedAtWall = this.clock.now();
  }

  // ---- recording -------------------------------------------------------------------------------

  recordConnectionDrop(input: {
    error: CloudError;
    reconnectAttempt: number;
    activeSubscriptions: number;
    queuedCommands: number;
  }): ConnectionDropEvent {
    const monoMs = this.clock.monotonic();
    const wallMs = this.clock.now();
    const error = normaliseError(input.error);
    let duration: number | null = null;
    let sessionStartedAt: string | null = null;
    if (this.connected && this.sessionStartMono !== null) {
      duration = msToSeconds(monoMs - this.sessionStartMono);
      sessionStartedAt = this.sessionStartIso;
      this.endSession(duration);
      this.totalDisconnects++;
    }
    this.connected = false;
    this.sessionStartMono = null;
    this.sessionStartWall = null;
    this.sessionStartIso = null;
    this.currentUptimeSeconds = 0;
    if (this.outageStartMono === null) {
      this.outageStartMono = monoMs;
      this.outageAttempts = 0;
    }
    this.totalConnectionDrops++;
    bump(this.dropsByError, error.name);
    bump(this.awsErrorCounts, error.name);
    this.lastDropWall = wallMs;
    const currentEpoch = this.configEpochs.newest();
    const event: ConnectionDropEvent = {
      timestamp: isoUtc(wallMs),
      error_name: error.name,
      error_message: error.message,
      error_code: error.code,
      reconnect_attempt: countOrZero(input.reconnectAttempt),
      duration_connected_seconds: duration,
      active_subscriptions: countOrZero(input.activeSubscriptions),
      queued_commands: countOrZero(input.queuedCommands),
      session_started_at: sessionStartedAt,
      config_epoch: currentEpoch ? currentEpoch.index : null,
      messages_before: this.messagesInLastFiveMinutes(monoMs),
      credential_age_seconds:
        this.lastRenewalMono === null ? null : msToSeconds(monoMs - this.lastRenewalMono),
    };
    this.drops.push({ event, wallMs, monoMs });
    this.log?.warn(
      {
        errorName: event.error_name,
        errorCode: event.error_code,
        connectedSeconds: duration,
        connectedAt: sessionStartedAt,
        sessionPresent: duration === null ? null : this.sessionPresent,
        reconnectAttempt: event.reconnect_attempt,
        messagesBefore: event.messages_before,
        credentialAgeSeconds: event.credential_age_seconds,
      },
      `cloud connection dropped: ${event.error_name}${duration === null ? ' (link was already down)' : ` after ${formatDuration(duration)} connected`}`,
    );
    for (const listener of this.dropListeners) {
      try {
        listener({ ...event });
      } catch (err) {
        this.log?.error({ err }, 'a connection-drop listener threw; ignored');
      }
    }
    this.emitChange('drop');
    return { ...event };
  }

  recordConnectionSuccess(input: {
    eventType: ConnectionEventType;
    sessionPresent: boolean;
    returnCode: number | null;
    attemptNumber: number;
  }): ConnectionEvent {
    const monoMs = this.clock.monotonic();
    const wallMs = this.clock.now();
    if (this.connected && this.sessionStartMono !== null) {
      // A new connection replaced a live one without a drop (e.g. a deliberate rebuild): that session ended.
      this.endSession(msToSeconds(monoMs - this.sessionStartMono));
    }
    const eventType: ConnectionEventType = ['connected', 'resumed', 'deep_reconnected'].includes(
      input.eventType,
    )
      ? input.eventType
      : 'connected';
    if (eventType === 'connected') this.totalConnections++;
    else this.connectionRecovered++;
    let timeToReconnect: number | null = null;
    let attemptsTaken: number | null = null;
    if (this.outageStartMono !== null) {
      timeToReconnect = msToSeconds(monoMs - this.outageStartMono);
      attemptsTaken = Math.max(1, this.outageAttempts, countOrZero(input.attemptNumber));
      bump(this.attemptDistribution, attemptBucket(attemptsTaken));
    }
    this.outageStartMono = null;
    this.outageAttempts = 0;
    this.connected = true;
    this.sessionStartMono = monoMs;
    this.sessionStartWall = wallMs;
    const timestamp = isoUtc(wallMs);
    this.sessionStartIso = timestamp;
    this.sessionPresent = input.sessionPresent === true;
    this.currentUptimeSeconds = 0;
    this.lastSuccessWall = wallMs;
    const event: ConnectionEvent = {
      timestamp,
      event_type: eventType,
      session_present: input.sessionPresent === true,
      return_code: typeof input.returnCode === 'number' ? input.returnCode : null,
      attempt_number: countOrZero(input.attemptNumber),
      time_to_reconnect_seconds: timeToReconnect,
      reconnect_attempts: attemptsTaken,
    };
    this.connections.push({ event, wallMs, monoMs });
    this.log?.info(
      {
        eventType,
        sessionPresent: event.session_present,
        timeToReconnectSeconds: timeToReconnect,
        attemptsTaken,
      },
      timeToReconnect === null
        ? `cloud connection ${eventType}`
        : `cloud connection ${eventType} after ${formatDuration(timeToReconnect)} (${attemptsTaken} attempt${attemptsTaken === 1 ? '' : 's'})`,
    );
    this.emitChange('connection');
    return { ...event };
  }

  recordReconnectAttempt(input: { attempt: number; deep: boolean }): void {
    this.totalReconnectAttempts++;
    if (input.deep) this.deepReconnectAttempts++;
    if (!this.connected) this.outageAttempts++;
  }

  recordReconnectFailure(input: { attempt: number; deep: boolean; error: CloudError }): void {
    const error = normaliseError(input.error);
    this.reconnectFailures++;
    bump(this.reconnectFailuresByError, error.name);
    bump(this.awsErrorCounts, error.name);
    this.reconnectFailureHistory.push({
      wallMs: this.clock.now(),
      monoMs: this.clock.monotonic(),
      attempt: countOrZero(input.attempt),
      deep: input.deep === true,
      error,
    });
    this.log?.info(
      { errorName: error.name, errorCode: error.code, attempt: input.attempt, deep: input.deep },
      `cloud reconnect attempt ${input.attempt} failed: ${error.name}`,
    );
    this.emitChange('reconnect_failure');
  }

  /** New AWS credentials were obtained (first sign-in included). Not a drop: the link stays up. */
  recordCredentialRenewal(input: { planned: boolean; reason: string }): void {
    const monoMs = this.clock.monotonic();
    this.credentialRenewals++;
    if (!input.planned) this.unplannedCredentialRenewals++;
    this.lastRenewalMono = monoMs;
    this.renewals.push({
      wallMs: this.clock.now(),
      monoMs,
      planned: input.planned === true,
      reason: String(input.reason),
    });
    this.log?.debug({ planned: input.planned, reason: input.reason }, 'cloud credentials renewed');
    this.emitChange('credential_renewal');
  }

  /** A publish request: sent now (`queued: false`) or put in the offline queue. Not the load series. */
  recordPublish(input: { queued: boolean }): void {
    if (input.queued) this.messagesQueued++;
    else this.messagesPublished++;
  }

  /** One message on the wire; cheap, called for every message in or out. */
  recordMessage(direction: 'in' | 'out'): void {
    if (direction === 'in') this.messagesIn++;
    else this.messagesOut++;
    const monoMs = this.clock.monotonic();
    const minute = Math.floor(monoMs / 60_000);
    const slot = minute % 5;
    if (this.minuteOf[slot] !== minute) {
      this.minuteOf[slot] = minute;
      this.minuteCount[slot] = 0;
    }
    this.minuteCount[slot] = (this.minuteCount[slot] ?? 0) + 1;
    const bin = Math.floor(monoMs / LOAD_BIN_MS);
    let current = this.currentLoadBin;
    if (current === null || current.bin !== bin) {
      const binStartMono = bin * LOAD_BIN_MS;
      current = {
        bin,
        monoMs: binStartMono,
        wallMs: this.clock.now() - (monoMs - binStartMono),
        messages: 0,
      };
      this.currentLoadBin = current;
      this.loadBins.push(current);
    }
    current.messages++;
  }

  recordSystemEvent(input: { kind: SystemEventKind; detail: string }): void {
    this.systemEventCount++;
    bump(this.systemEventsByKind, input.kind);
    this.systemEvents.push({
      wallMs: this.clock.now(),
      monoMs: this.clock.monotonic(),
      kind: input.kind,
      detail: String(input.detail),
    });
    this.log?.info({ kind: input.kind }, `host event: ${input.kind}: ${input.detail}`);
    this.emitChange('system_event');
  }

  /** The settings that shape drops (e.g. keep_alive_secs); a new epoch starts only when they change. */
  recordConfigEpoch(settings: Record<string, string | number | boolean>): void {
    const clean: Record<string, string | number | boolean> = {};
    for (const key of Object.keys(settings).sort()) {
      const value = settings[key];
      if (
        typeof value === 'string' ||
        typeof value === 'boolean' ||
        (typeof value === 'number' && Number.isFinite(value))
      ) {
        clean[key] = value;
      }
    }
    const current = this.configEpochs.newest();
    if (current && JSON.stringify(current.settings) === JSON.stringify(clean)) return;
    this.configEpochs.push({
      wallMs: this.clock.now(),
      monoMs: this.clock.monotonic(),
      index: this.nextConfigEpoch++,
      settings: clean,
    });
    this.log?.info({ settings: clean }, 'diagnostics: new configuration epoch');
    this.emitChange('config_epoch');
  }

  recordCommandRefused(reason: string): void {
    bump(this.commandsRefusedByReason, String(reason));
  }

  recordQueueDrop(reason: 'overflow' | 'expired'): void {
    if (reason === 'overflow') this.queueDroppedOverflow++;
    else this.queueDroppedExpired++;
  }

  // ---- reading ---------------------------------------------------------------------------------

  /** Refreshes `current_session_uptime_seconds` (kept for nwp500-python parity; getMetrics does it too). */
  updateMetrics(): void {
    this.currentUptimeSeconds =
      this.connected && this.sessionStartMono !== null
        ? msToSeconds(this.clock.monotonic() - this.sessionStartMono)
        : 0;
  }

  /** A fresh copy every call, keys in nwp500-python's order. */
  getMetrics(): MqttMetrics {
    this.updateMetrics();
    const distribution: Record<string, number> = {};
    for (const bucket of ATTEMPT_BUCKETS) {
      const n = this.attemptDistribution.get(bucket);
      if (n) distribution[bucket] = n;
    }
    return {
      total_connections: this.totalConnections,
      total_disconnects: this.totalDisconnects,
      total_connection_drops: this.totalConnectionDrops,
      total_reconnect_attempts: this.totalReconnectAttempts,
      longest_session_seconds: this.sessionMaxSeconds,
      shortest_session_seconds: this.sessionMinSeconds,
      average_session_seconds:
        this.sessionCount === 0 ? 0 : round3(this.sessionSumSeconds / this.sessionCount),
      current_session_uptime_seconds: this.currentUptimeSeconds,
      connection_drops_by_error: sortedByCount(this.dropsByError),
      reconnection_attempts_distribution: distribution,
      last_drop_timestamp: this.lastDropWall === null ? null : isoUtc(this.lastDropWall),
      last_successful_connect_timestamp: this.lastSuccessWall === null ? null : isoUtc(this.lastSuccessWall),
      connection_recovered: this.connectionRecovered,
      messages_published: this.messagesPublished,
      messages_queued: this.messagesQueued,
    };
  }

  getCounters(): CollectorCounters {
    const monoMs = this.clock.monotonic();
    return {
      connected: this.connected,
      current_outage_seconds:
        this.outageStartMono === null ? null : msToSeconds(monoMs - this.outageStartMono),
      current_outage_attempts: this.outageAttempts,
      observed_hours: round3(this.observedMs() / 3_600_000),
      messages_in: this.messagesIn,
      messages_out: this.messagesOut,
      deep_reconnect_attempts: this.deepReconnectAttempts,
      reconnect_failures: this.reconnectFailures,
      reconnect_failures_by_error: sortedByCount(this.reconnectFailuresByError),
      credential_renewals: this.credentialRenewals,
      unplanned_credential_renewals: this.unplannedCredentialRenewals,
      commands_refused: sum(this.commandsRefusedByReason),
      commands_refused_by_reason: sortedByCount(this.commandsRefusedByReason),
      queue_dropped_overflow: this.queueDroppedOverflow,
      queue_dropped_expired: this.queueDroppedExpired,
      system_events: this.systemEventCount,
      system_events_by_kind: sortedByCount(this.systemEventsByKind),
    };
  }

  getRecentDrops(limit = 10): ConnectionDropEvent[] {
    return this.drops.last(limit).map((record) => ({ ...record.event }));
  }

  getRecentConnections(limit = 10): ConnectionEvent[] {
    return this.connections.last(limit).map((record) => ({ ...record.event }));
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** Wall-clock ms at which the current session started; null while disconnected. */
  currentSessionStartedAt(): number | null {
    return this.connected ? this.sessionStartWall : null;
  }

  /** Hours the bridge has been watching, over all runs restored from disk. */
  observedHours(): number {
    return this.observedMs() / 3_600_000;
  }

  onConnectionDrop(listener: (event: ConnectionDropEvent) => void): () => void {
    this.dropListeners.add(listener);
    return () => {
      this.dropListeners.delete(listener);
    };
  }

  /** Called after anything worth persisting or republishing (not for single messages or publishes). */
  onChange(listener: (kind: ChangeKind) => void): () => void {
    this.changeListeners.add(listener);
    return () => {
      this.changeListeners.delete(listener);
    };
  }

  exportObject(): CollectorExport {
    return {
      timestamp: isoUtc(this.clock.now()),
      metrics: this.getMetrics(),
      recent_drops: this.getRecentDrops(EXPORT_EVENTS),
      recent_connections: this.getRecentConnections(EXPORT_EVENTS),
      aws_error_counts: sortedByCount(this.awsErrorCounts),
      session_history_summary: {
        total_sessions: this.sessionCount,
        sample_durations: this.sessionSamples.toArray(),
      },
    };
  }

  exportJson(): string {
    return JSON.stringify(this.exportObject(), null, 2);
  }

  /** Writes a human-readable summary to `write` (stdout by default) and to the log at info level. */
  printSummary(write: (line: string) => void = (line) => void process.stdout.write(`${line}\n`)): void {
    for (const line of this.summaryLines()) {
      write(line);
      this.log?.info(line);
    }
  }

  summaryLines(): string[] {
    const m = this.getMetrics();
    const c = this.getCounters();
    const lines = [
      '='.repeat(60),
      'MQTT CONNECTION DIAGNOSTICS SUMMARY',
      '='.repeat(60),
      `Observed: ${c.observed_hours.toFixed(1)} h; link is ${c.connected ? 'up' : 'down'}`,
      `Connections: ${m.total_connections}  Recoveries: ${m.connection_recovered}`,
      `Drops: ${m.total_connection_drops}  Outages (disconnects): ${m.total_disconnects}`,
      `Reconnect attempts: ${m.total_reconnect_attempts} (deep: ${c.deep_reconnect_attempts}, failed: ${c.reconnect_failures})`,
    ];
    if (this.sessionCount > 0) {
      lines.push(
        `Sessions ended: ${this.sessionCount}  longest ${formatDuration(m.longest_session_seconds)}, ` +
          `shortest ${formatDuration(m.shortest_session_seconds ?? 0)}, average ${formatDuration(m.average_session_seconds)}`,
      );
    }
    lines.push(`Current session uptime: ${formatDuration(m.current_session_uptime_seconds)}`);
    const byError = Object.entries(m.connection_drops_by_error);
    if (byError.length > 0) {
      lines.push('Drops by error:');
      for (const [name, n] of byError) lines.push(`  ${name}: ${n}`);
    }
    const distribution = Object.entries(m.reconnection_attempts_distribution);
    if (distribution.length > 0) {
      lines.push('Attempts needed per recovery:');
      for (const [bucket, n] of distribution) lines.push(`  ${bucket}: ${n}`);
    }
    lines.push(
      `Messages: published ${m.messages_published}, queued ${m.messages_queued}, ` +
        `on the wire in ${c.messages_in} / out ${c.messages_out}`,
    );
    lines.push('='.repeat(60));
    return lines;
  }

  /** Everything the pattern analysis needs, on one monotonic timeline (restored events re-based). */
  analysisInput(options: { keepAliveSecs?: number | null; seed?: number } = {}): AnalysisInput {
    const epochs = this.configEpochs.toArray();
    const latestKeepAlive = epochs.at(-1)?.settings.keep_alive_secs;
    return {
      drops: this.drops.toArray().map((d) => ({
        wallMs: d.wallMs,
        monoMs: d.monoMs,
        errorName: d.event.error_name,
        lifetimeSeconds: d.event.duration_connected_seconds,
        reconnectAttempt: d.event.reconnect_attempt,
        messagesBefore: d.event.messages_before,
      })),
      connections: this.connections.toArray().map((c) => ({
        wallMs: c.wallMs,
        monoMs: c.monoMs,
        eventType: c.event.event_type,
        timeToReconnectSeconds: c.event.time_to_reconnect_seconds,
      })),
      reconnectFailures: this.reconnectFailureHistory.toArray().map((f) => ({
        wallMs: f.wallMs,
        monoMs: f.monoMs,
        errorName: f.error.name,
        deep: f.deep,
      })),
      loadBins: this.loadBins
        .toArray()
        .map((b) => ({ wallMs: b.wallMs, monoMs: b.monoMs, messages: b.messages })),
      loadBinMs: LOAD_BIN_MS,
      systemEvents: this.systemEvents.toArray().map((e) => ({
        wallMs: e.wallMs,
        monoMs: e.monoMs,
        kind: e.kind,
        detail: e.detail,
      })),
      configEpochs: epochs.map((e) => ({ wallMs: e.wallMs, monoMs: e.monoMs, settings: { ...e.settings } })),
      credentialRenewals: this.renewals.toArray().map((r) => ({
        wallMs: r.wallMs,
        monoMs: r.monoMs,
        planned: r.planned,
        reason: r.reason,
      })),
      hoursCollected: this.observedHours(),
      nowMonoMs: this.clock.monotonic(),
      nowWallMs: this.clock.now(),
      connected: this.connected,
      keepAliveSecs: options.keepAliveSecs ?? (typeof latestKeepAlive === 'number' ? latestKeepAlive : null),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    };
  }

  // ---- persistence -----------------------------------------------------------------------------

  snapshot(): CollectorSnapshot {
    return {
      version: SNAPSHOT_VERSION,
      savedAtWallMs: this.clock.now(),
      firstObservedAtWallMs: this.firstObservedAtWall,
      observedMs: this.observedMs(),
      counters: {
        totalConnections: this.totalConnections,
        totalDisconnects: this.totalDisconnects,
        totalConnectionDrops: this.totalConnectionDrops,
        totalReconnectAttempts: this.totalReconnectAttempts,
        deepReconnectAttempts: this.deepReconnectAttempts,
        reconnectFailures: this.reconnectFailures,
        connectionRecovered: this.connectionRecovered,
        messagesPublished: this.messagesPublished,
        messagesQueued: this.messagesQueued,
        messagesIn: this.messagesIn,
        messagesOut: this.messagesOut,
        credentialRenewals: this.credentialRenewals,
        unplannedCredentialRenewals: this.unplannedCredentialRenewals,
        queueDroppedOverflow: this.queueDroppedOverflow,
        queueDroppedExpired: this.queueDroppedExpired,
        systemEvents: this.systemEventCount,
      },
      dropsByError: Object.fromEntries(this.dropsByError),
      awsErrorCounts: Object.fromEntries(this.awsErrorCounts),
      reconnectFailuresByError: Object.fromEntries(this.reconnectFailuresByError),
      commandsRefusedByReason: Object.fromEntries(this.commandsRefusedByReason),
      systemEventsByKind: Object.fromEntries(this.systemEventsByKind),
      attemptDistribution: Object.fromEntries(this.attemptDistribution),
      sessions: {
        count: this.sessionCount,
        sumSeconds: this.sessionSumSeconds,
        minSeconds: this.sessionMinSeconds,
        maxSeconds: this.sessionMaxSeconds,
        samples: this.sessionSamples.toArray(),
      },
      lastDropWallMs: this.lastDropWall,
      lastSuccessWallMs: this.lastSuccessWall,
      nextConfigEpoch: this.nextConfigEpoch,
      drops: this.drops.toArray().map((d) => ({ wallMs: d.wallMs, event: { ...d.event } })),
      connections: this.connections.toArray().map((c) => ({ wallMs: c.wallMs, event: { ...c.event } })),
      reconnectFailures: this.reconnectFailureHistory.toArray().map((f) => ({
        wallMs: f.wallMs,
        attempt: f.attempt,
        deep: f.deep,
        error: { ...f.error },
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
      loadBins: this.loadBins.toArray().map((b) => ({ wallMs: b.wallMs, messages: b.messages })),
    };
  }

  /**
   * Brings back a previous run's history. Meant to be called at start-up, before anything is
   * recorded; whatever this run already recorded is kept and placed after the restored history.
   * Monotonic times are re-based from the saved wall times, so the restored events sit on this
   * process's monotonic timeline at the distance the wall clock says they are.
   */
  restore(snapshot: CollectorSnapshot): void {
    const offset = this.clock.now() - this.clock.monotonic();
    const toMono = (wallMs: number): number => wallMs - offset;
    const c = snapshot.counters;
    this.totalConnections += c.totalConnections;
    this.totalDisconnects += c.totalDisconnects;
    this.totalConnectionDrops += c.totalConnectionDrops;
    this.totalReconnectAttempts += c.totalReconnectAttempts;
    this.deepReconnectAttempts += c.deepReconnectAttempts;
    this.reconnectFailures += c.reconnectFailures;
    this.connectionRecovered += c.connectionRecovered;
    this.messagesPublished += c.messagesPublished;
    this.messagesQueued += c.messagesQueued;
    this.messagesIn += c.messagesIn;
    this.messagesOut += c.messagesOut;
    this.credentialRenewals += c.credentialRenewals;
    this.unplannedCredentialRenewals += c.unplannedCredentialRenewals;
    this.queueDroppedOverflow += c.queueDroppedOverflow;
    this.queueDroppedExpired += c.queueDroppedExpired;
    this.systemEventCount += c.systemEvents;
    mergeCounts(this.dropsByError, snapshot.dropsByError);
    mergeCounts(this.awsErrorCounts, snapshot.awsErrorCounts);
    mergeCounts(this.reconnectFailuresByError, snapshot.reconnectFailuresByError);
    mergeCounts(this.commandsRefusedByReason, snapshot.commandsRefusedByReason);
    mergeCounts(this.systemEventsByKind, snapshot.systemEventsByKind);
    for (const bucket of ATTEMPT_BUCKETS) {
      const n = snapshot.attemptDistribution[bucket];
      if (n) this.attemptDistribution.set(bucket, (this.attemptDistribution.get(bucket) ?? 0) + n);
    }

    const s = snapshot.sessions;
    this.sessionCount += s.count;
    this.sessionSumSeconds += s.sumSeconds;
    this.sessionMaxSeconds = Math.max(this.sessionMaxSeconds, s.maxSeconds);
    if (s.minSeconds !== null) {
      this.sessionMinSeconds =
        this.sessionMinSeconds === null ? s.minSeconds : Math.min(this.sessionMinSeconds, s.minSeconds);
    }
    const ownSamples = this.sessionSamples.toArray();
    this.sessionSamples.clear();
    for (const d of [...s.samples, ...ownSamples]) this.sessionSamples.push(d);

    this.lastDropWall = laterOf(snapshot.lastDropWallMs, this.lastDropWall);
    this.lastSuccessWall = laterOf(snapshot.lastSuccessWallMs, this.lastSuccessWall);
    this.firstObservedAtWall = Math.min(this.firstObservedAtWall, snapshot.firstObservedAtWallMs);
    this.priorObservedMs += snapshot.observedMs;

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
      this.reconnectFailureHistory,
      snapshot.reconnectFailures.map((f) => ({ ...f, error: { ...f.error }, monoMs: toMono(f.wallMs) })),
    );
    prependHistory(
      this.systemEvents,
      snapshot.systemEvents.map((e) => ({ ...e, monoMs: toMono(e.wallMs) })),
    );
    prependHistory(
      this.renewals,
      snapshot.credentialRenewals.map((r) => ({ ...r, monoMs: toMono(r.wallMs) })),
    );
    const ownBins = this.loadBins.toArray();
    this.loadBins.clear();
    for (const b of snapshot.loadBins) {
      const monoMs = toMono(b.wallMs);
      // Restored bins never match this run's bin numbers, so new messages always open a new bin.
      this.loadBins.push({ bin: Number.NaN, monoMs, wallMs: b.wallMs, messages: b.messages });
    }
    for (const b of ownBins) this.loadBins.push(b);
  }

  // ---- internals -------------------------------------------------------------------------------

  private observedMs(): number {
    return this.priorObservedMs + Math.max(0, this.clock.monotonic() - this.runStartMono);
  }

  private endSession(durationSeconds: number): void {
    const d = Math.max(0, durationSeconds);
    this.sessionCount++;
    this.sessionSumSeconds += d;
    this.sessionMaxSeconds = Math.max(this.sessionMaxSeconds, d);
    this.sessionMinSeconds = this.sessionMinSeconds === null ? d : Math.min(this.sessionMinSeconds, d);
    this.sessionSamples.push(d);
  }

  private messagesInLastFiveMinutes(monoMs: number): number {
    const minute = Math.floor(monoMs / 60_000);
    let total = 0;
    for (let slot = 0; slot < 5; slot++) {
      const age = minute - (this.minuteOf[slot] ?? -1);
      if (age >= 0 && age < 5) total += this.minuteCount[slot] ?? 0;
    }
    return total;
  }

  private emitChange(kind: ChangeKind): void {
    for (const listener of this.changeListeners) {
      try {
        listener(kind);
      } catch (err) {
        this.log?.error({ err }, 'a diagnostics change listener threw; ignored');
      }
    }
  }
}

function normaliseError(error: CloudError | null | undefined): CloudError {
  // Bounded: an error message can carry a whole stack or payload, and histories keep a thousand of them.
  const name =
    typeof error?.name === 'string' && error.name.trim() !== '' ? error.name.trim().slice(0, 100) : 'UNKNOWN';
  const code = typeof error?.code === 'number' && Number.isFinite(error.code) ? error.code : null;
  const message = typeof error?.message === 'string' ? error.message.slice(0, 500) : '';
  return { name, code, message };
}

function countOrZero(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

function attemptBucket(attempts: number): AttemptBucket {
  if (attempts <= 1) return '1';
  if (attempts <= 5) return '2-5';
  if (attempts <= 10) return '6-10';
  return '11+';
}

function bump(map: Map<string, number>, key: string): void {
  const existing = map.get(key);
  if (existing !== undefined) {
    map.set(key, existing + 1);
    return;
  }
  const target = map.size >= MAX_DISTINCT_KEYS ? OVERFLOW_KEY : key;
  map.set(target, (map.get(target) ?? 0) + 1);
}

function mergeCounts(map: Map<string, number>, counts: Record<string, number>): void {
  for (const [key, n] of Object.entries(counts)) {
    const target = map.has(key) || map.size < MAX_DISTINCT_KEYS ? key : OVERFLOW_KEY;
    map.set(target, (map.get(target) ?? 0) + n);
  }
}

function sortedByCount(map: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of [...map].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) out[key] = n;
  return out;
}

function sum(map: Map<string, number>): number {
  let total = 0;
  for (const n of map.values()) total += n;
  return total;
}

function laterOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
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

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** "42 s", "20.0 min", "24.0 h": the unit people would say. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'n/a';
  if (seconds < 120) return `${round3(seconds)} s`;
  if (seconds < 2 * 3600) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 3 * 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}
