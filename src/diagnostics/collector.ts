// Records what happens to the cloud link (drops, recoveries, reconnect attempts, load, host events)
// into bounded histories and the nwp500-python metrics, with the Python collector's bugs fixed, and
// tells its listeners. It does not log what the link already logged (drops, connects, failures).
//
// What the counters mean (nwp500-python names, our fixed semantics):
// - total_connections: successes of type `connected` (a fresh connection, including the first one),
//   as nwp500-python counts it; recoveries are connection_recovered.
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

import type { RestObserver } from '../navien/rest.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { AnalysisInput } from './analysisTypes.js';
import { CounterSet } from './counters.js';
import { EventLog, type RestCheckRecord } from './eventLog.js';
import { summaryLines } from './format.js';
import { analysisInputOf, HISTORY_VERSION, type History } from './history.js';
import { LOAD_BIN_MS, LoadSeries } from './loadSeries.js';
import { type DiagnosticsNumbers, numbersOf } from './numbers.js';
import { SessionTracker } from './sessions.js';
import { type CollectorSnapshot, SNAPSHOT_VERSION } from './snapshot.js';
import { OWN_BURST_MS } from './thresholds.js';
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

export { formatDuration } from './format.js';
export { LOAD_BIN_MS } from './loadSeries.js';
export { SAMPLE_DURATIONS } from './sessions.js';
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

/** Events kept in the export's `recent_drops` / `recent_connections` (nwp500-python's keys). */
export const EXPORT_EVENTS = 50;

export type ChangeKind =
  | 'drop'
  | 'connection'
  | 'reconnect_failure'
  | 'credential_renewal'
  | 'system_event'
  | 'config_epoch'
  | 'rest_check';

export interface DiagnosticsCollectorOptions {
  maxEventsRetained: number;
  clock: Clock;
  log?: Logger;
}

export class DiagnosticsCollector implements RestObserver {
  private readonly clock: Clock;
  private readonly log: Logger | undefined;
  private readonly maxEventsRetained: number;

  private readonly counters = new CounterSet();
  private readonly sessions = new SessionTracker();
  private readonly load = new LoadSeries();
  private readonly events: EventLog;

  private lastDropWall: number | null = null;
  private lastSuccessWall: number | null = null;
  private lastSuccessMono: number | null = null;
  private lastRenewalMono: number | null = null;
  private ownBurstMessages = 0;

  private readonly runStartMono: number;
  private priorObservedMs = 0;
  private firstObservedAtWall: number;

  private readonly dropListeners = new Set<(event: ConnectionDropEvent) => void>();
  private readonly changeListeners = new Set<(kind: ChangeKind) => void>();

  constructor(options: DiagnosticsCollectorOptions) {
    this.clock = options.clock;
    this.log = options.log;
    this.maxEventsRetained = Math.max(1, Math.floor(options.maxEventsRetained));
    this.events = new EventLog(this.maxEventsRetained);
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
    const end = this.sessions.drop(monoMs);
    if (end.durationSeconds !== null) this.counters.add('totalDisconnects');
    this.counters.add('totalConnectionDrops');
    this.counters.bump('dropsByError', error.name);
    this.counters.bump('awsErrorCounts', error.name);
    this.lastDropWall = wallMs;
    const currentEpoch = this.events.configEpochs.newest();
    const event: ConnectionDropEvent = {
      timestamp: isoUtc(wallMs),
      error_name: error.name,
      error_message: error.message,
      error_code: error.code,
      reconnect_attempt: countOrZero(input.reconnectAttempt),
      duration_connected_seconds: end.durationSeconds,
      active_subscriptions: countOrZero(input.activeSubscriptions),
      queued_commands: countOrZero(input.queuedCommands),
      session_started_at: end.startedAtWall === null ? null : isoUtc(end.startedAtWall),
      config_epoch: currentEpoch ? currentEpoch.index : null,
      messages_before: this.load.lastFiveMinutes(monoMs),
      credential_age_seconds: this.credentialAgeSeconds(monoMs),
    };
    this.events.drops.push({ event, wallMs, monoMs });
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
    const eventType: ConnectionEventType = ['connected', 'resumed', 'deep_reconnected'].includes(
      input.eventType,
    )
      ? input.eventType
      : 'connected';
    if (eventType === 'connected') this.counters.add('totalConnections');
    else this.counters.add('connectionRecovered');
    const outcome = this.sessions.connect(
      monoMs,
      wallMs,
      input.sessionPresent === true,
      countOrZero(input.attemptNumber),
    );
    if (outcome.attemptsTaken !== null) {
      this.counters.bump('attemptDistribution', attemptBucket(outcome.attemptsTaken));
    }
    this.lastSuccessWall = wallMs;
    this.lastSuccessMono = monoMs;
    const event: ConnectionEvent = {
      timestamp: isoUtc(wallMs),
      event_type: eventType,
      session_present: input.sessionPresent === true,
      return_code: typeof input.returnCode === 'number' ? input.returnCode : null,
      attempt_number: countOrZero(input.attemptNumber),
      time_to_reconnect_seconds: outcome.timeToReconnectSeconds,
      reconnect_attempts: outcome.attemptsTaken,
    };
    this.events.connections.push({ event, wallMs, monoMs });
    this.emitChange('connection');
    return { ...event };
  }

  recordReconnectAttempt(input: { attempt: number; deep: boolean }): void {
    this.counters.add('totalReconnectAttempts');
    if (input.deep) this.counters.add('deepReconnectAttempts');
    this.sessions.attempt();
  }

  recordReconnectFailure(input: {
    attempt: number;
    deep: boolean;
    error: CloudError;
    credentialAgeSeconds?: number | null;
  }): void {
    const error = normaliseError(input.error);
    this.counters.add('reconnectFailures');
    this.counters.bump('reconnectFailuresByError', error.name);
    this.counters.bump('awsErrorCounts', error.name);
    const monoMs = this.clock.monotonic();
    const age = input.credentialAgeSeconds;
    this.events.failures.push({
      wallMs: this.clock.now(),
      monoMs,
      attempt: countOrZero(input.attempt),
      deep: input.deep === true,
      error,
      credentialAgeSeconds:
        typeof age === 'number' && Number.isFinite(age) && age >= 0 ? age : this.credentialAgeSeconds(monoMs),
    });
    this.emitChange('reconnect_failure');
  }

  /** New AWS credentials were obtained (first sign-in included). Not a drop: the link stays up. */
  recordCredentialRenewal(input: { planned: boolean; reason: string }): void {
    const monoMs = this.clock.monotonic();
    this.counters.add('credentialRenewals');
    if (!input.planned) this.counters.add('unplannedCredentialRenewals');
    this.lastRenewalMono = monoMs;
    this.events.renewals.push({
      wallMs: this.clock.now(),
      monoMs,
      planned: input.planned === true,
      reason: String(input.reason),
    });
    this.emitChange('credential_renewal');
  }

  /** A publish request: sent now (`queued: false`) or put in the offline queue. Not the load series. */
  recordPublish(input: { queued: boolean }): void {
    this.counters.add(input.queued ? 'messagesQueued' : 'messagesPublished');
  }

  /** One message on the wire; cheap, called for every message in or out. */
  recordMessage(direction: 'in' | 'out'): void {
    this.counters.add(direction === 'in' ? 'messagesIn' : 'messagesOut');
    const monoMs = this.clock.monotonic();
    // The bridge's own requests after a (re)connect and their echoes are not load on the link.
    if (this.lastSuccessMono !== null && monoMs - this.lastSuccessMono < OWN_BURST_MS) {
      this.ownBurstMessages++;
      return;
    }
    this.load.record(monoMs, this.clock.now());
  }

  recordSystemEvent(input: { kind: SystemEventKind; detail: string }): void {
    this.counters.add('systemEvents');
    this.counters.bump('systemEventsByKind', input.kind);
    this.events.systemEvents.push({
      wallMs: this.clock.now(),
      monoMs: this.clock.monotonic(),
      kind: input.kind,
      detail: String(input.detail),
    });
    // Nothing else logs host events: this line is the only trace of them in the log.
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
    const current = this.events.configEpochs.newest();
    if (current && JSON.stringify(current.settings) === JSON.stringify(clean)) return;
    this.events.configEpochs.push({
      wallMs: this.clock.now(),
      monoMs: this.clock.monotonic(),
      index: this.events.nextConfigEpoch++,
      settings: clean,
    });
    this.emitChange('config_epoch');
  }

  /**
   * A NaviLink REST answer (any status): the cloud was reachable, and its Date header tells how far
   * its clock is from ours (SigV4 signatures fail beyond 5 minutes). RestObserver, for auth.
   */
  onRestAnswer(info: { path: string; status: number; serverDateMs: number | null; localMs: number }): void {
    const offset =
      typeof info.serverDateMs === 'number' && Number.isFinite(info.serverDateMs)
        ? Math.round(info.serverDateMs - info.localMs)
        : null;
    this.recordRestCheck({
      path: info.path,
      reachable: true,
      status: info.status,
      clockOffsetMs: offset,
      error: null,
    });
  }

  /** No REST answer (network error or timeout). RestObserver, for auth. */
  onRestUnreachable(info: { path: string; error: string; localMs: number }): void {
    this.recordRestCheck({
      path: info.path,
      reachable: false,
      status: null,
      clockOffsetMs: null,
      error: String(info.error).slice(0, 200),
    });
  }

  private recordRestCheck(check: Omit<RestCheckRecord, 'wallMs' | 'monoMs'>): void {
    this.events.restChecks.push({
      ...check,
      path: String(check.path).slice(0, 100),
      wallMs: this.clock.now(),
      monoMs: this.clock.monotonic(),
    });
    this.emitChange('rest_check');
  }

  recordCommandRefused(reason: string): void {
    this.counters.bump('commandsRefusedByReason', String(reason));
  }

  recordQueueDrop(reason: 'overflow' | 'expired'): void {
    this.counters.add(reason === 'overflow' ? 'queueDroppedOverflow' : 'queueDroppedExpired');
  }

  // ---- reading ---------------------------------------------------------------------------------

  /** Kept for nwp500-python parity: the uptime is computed on every read, so there is nothing to refresh. */
  updateMetrics(): void {}

  /** A fresh copy every call, keys in nwp500-python's order. */
  getMetrics(): MqttMetrics {
    const distribution: Record<string, number> = {};
    for (const bucket of ATTEMPT_BUCKETS) {
      const n = this.counters.keyCount('attemptDistribution', bucket);
      if (n) distribution[bucket] = n;
    }
    const s = this.sessions.stats();
    const c = this.counters;
    return {
      total_connections: c.get('totalConnections'),
      total_disconnects: c.get('totalDisconnects'),
      total_connection_drops: c.get('totalConnectionDrops'),
      total_reconnect_attempts: c.get('totalReconnectAttempts'),
      longest_session_seconds: s.maxSeconds,
      shortest_session_seconds: s.minSeconds,
      average_session_seconds: s.count === 0 ? 0 : Math.round((s.sumSeconds / s.count) * 1000) / 1000,
      current_session_uptime_seconds: this.sessions.uptimeSeconds(this.clock.monotonic()),
      connection_drops_by_error: c.byKey('dropsByError'),
      reconnection_attempts_distribution: distribution,
      last_drop_timestamp: this.lastDropWall === null ? null : isoUtc(this.lastDropWall),
      last_successful_connect_timestamp: this.lastSuccessWall === null ? null : isoUtc(this.lastSuccessWall),
      connection_recovered: c.get('connectionRecovered'),
      messages_published: c.get('messagesPublished'),
      messages_queued: c.get('messagesQueued'),
    };
  }

  getCounters(): CollectorCounters {
    const monoMs = this.clock.monotonic();
    const c = this.counters;
    return {
      connected: this.sessions.connected,
      current_outage_seconds: this.sessions.outageSeconds(monoMs),
      current_outage_attempts: this.sessions.outageAttempts(),
      observed_hours: Math.round(this.observedMs() / 3600) / 1000,
      messages_in: c.get('messagesIn'),
      messages_out: c.get('messagesOut'),
      deep_reconnect_attempts: c.get('deepReconnectAttempts'),
      reconnect_failures: c.get('reconnectFailures'),
      reconnect_failures_by_error: c.byKey('reconnectFailuresByError'),
      credential_renewals: c.get('credentialRenewals'),
      unplanned_credential_renewals: c.get('unplannedCredentialRenewals'),
      commands_refused: c.sumOf('commandsRefusedByReason'),
      commands_refused_by_reason: c.byKey('commandsRefusedByReason'),
      queue_dropped_overflow: c.get('queueDroppedOverflow'),
      queue_dropped_expired: c.get('queueDroppedExpired'),
      system_events: c.get('systemEvents'),
      system_events_by_kind: c.byKey('systemEventsByKind'),
    };
  }

  /** Every count and rate, from the one function everything that shows them uses. */
  numbers(): DiagnosticsNumbers {
    return numbersOf({
      metrics: this.getMetrics(),
      counters: this.getCounters(),
      sessionsEnded: this.sessions.stats().count,
      dropWallMs: this.events.drops.toArray().map((d) => d.wallMs),
      nowWallMs: this.clock.now(),
    });
  }

  /** Messages kept out of the load series as the bridge's own post-reconnect burst. */
  ownBurstMessageCount(): number {
    return this.ownBurstMessages;
  }

  getRecentDrops(limit = 10): ConnectionDropEvent[] {
    return this.events.drops.last(limit).map((record) => ({ ...record.event }));
  }

  getRecentConnections(limit = 10): ConnectionEvent[] {
    return this.events.connections.last(limit).map((record) => ({ ...record.event }));
  }

  isConnected(): boolean {
    return this.sessions.connected;
  }

  /** Wall-clock ms at which the current session started; null while disconnected. */
  currentSessionStartedAt(): number | null {
    return this.sessions.startedAtWall();
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

  /** nwp500-python's six export keys, same names and shapes. */
  exportObject(): CollectorExport {
    const s = this.sessions.stats();
    return {
      timestamp: isoUtc(this.clock.now()),
      metrics: this.getMetrics(),
      recent_drops: this.getRecentDrops(EXPORT_EVENTS),
      recent_connections: this.getRecentConnections(EXPORT_EVENTS),
      aws_error_counts: this.counters.byKey('awsErrorCounts'),
      session_history_summary: { total_sessions: s.count, sample_durations: s.samples },
    };
  }

  exportJson(): string {
    return JSON.stringify(this.exportObject(), null, 2);
  }

  /** Every history the analysis reads, bounded, as the report carries it. */
  history(): History {
    const nowMono = this.clock.monotonic();
    return {
      version: HISTORY_VERSION,
      mono_now_ms: nowMono,
      now: isoUtc(this.clock.now()),
      observed_hours: this.observedHours(),
      first_observed_at: isoUtc(this.firstObservedAtWall),
      connected: this.sessions.connected,
      max_items: this.maxEventsRetained,
      ...this.events.historyLists(),
      load: {
        bin_seconds: LOAD_BIN_MS / 1000,
        bins: this.load.bins
          .toArray()
          .map((b) => ({ start: isoUtc(b.wallMs), mono_ms: b.monoMs, messages: b.messages })),
      },
    };
  }

  /** Writes a human-readable summary to `write` (stdout by default) and to the log at info level. */
  printSummary(write: (line: string) => void = (line) => void process.stdout.write(`${line}\n`)): void {
    for (const line of this.summaryLines()) {
      write(line);
      this.log?.info(line);
    }
  }

  summaryLines(): string[] {
    return summaryLines(this.numbers());
  }

  /** Everything the pattern analysis needs, on one monotonic timeline (restored events re-based). */
  analysisInput(options: { keepAliveSecs?: number | null; seed?: number } = {}): AnalysisInput {
    const input = analysisInputOf(this.history(), options.seed === undefined ? {} : { seed: options.seed });
    return options.keepAliveSecs == null ? input : { ...input, keepAliveSecs: options.keepAliveSecs };
  }

  // ---- persistence -----------------------------------------------------------------------------

  snapshot(): CollectorSnapshot {
    const { counters, keyed } = this.counters.snapshot();
    return {
      version: SNAPSHOT_VERSION,
      savedAtWallMs: this.clock.now(),
      firstObservedAtWallMs: this.firstObservedAtWall,
      observedMs: this.observedMs(),
      counters,
      ...keyed,
      sessions: this.sessions.stats(),
      lastDropWallMs: this.lastDropWall,
      lastSuccessWallMs: this.lastSuccessWall,
      ...this.events.snapshotLists(),
      loadBins: this.load.bins.toArray().map((b) => ({ wallMs: b.wallMs, messages: b.messages })),
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
    this.counters.restore({ counters: snapshot.counters, keyed: snapshot });
    this.sessions.restore(snapshot.sessions);
    this.lastDropWall = laterOf(snapshot.lastDropWallMs, this.lastDropWall);
    this.lastSuccessWall = laterOf(snapshot.lastSuccessWallMs, this.lastSuccessWall);
    this.firstObservedAtWall = Math.min(this.firstObservedAtWall, snapshot.firstObservedAtWallMs);
    this.priorObservedMs += snapshot.observedMs;

    this.events.restore(snapshot, toMono);
    this.load.restore(snapshot.loadBins, toMono);
  }

  // ---- internals -------------------------------------------------------------------------------

  private observedMs(): number {
    return this.priorObservedMs + Math.max(0, this.clock.monotonic() - this.runStartMono);
  }

  private credentialAgeSeconds(monoMs: number): number | null {
    return this.lastRenewalMono === null ? null : msToSeconds(monoMs - this.lastRenewalMono);
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

function laterOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
