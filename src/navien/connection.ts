// The cloud link: one reconnect engine for the AWS IoT connection. Every attempt signs with the
// current credentials on a fresh connection, every (re)connect resubscribes every topic and then
// flushes the command queue, half-open links are caught by ping timeout, a link that stops
// hearing anything is resubscribed and then rebuilt, and every step is reported to diagnostics.
//
// Every wait on the network has a deadline and an owner (the session it belongs to): sign-in,
// connect, each subscribe, each publish and close. Whatever fails in an attempt — building the
// connection, connecting, subscribing — goes through one failure path with backoff; a live
// connection that fails a subscribe or a publish deadline is dropped and rebuilt the same way.
// Nothing stops retrying except `max_reconnect_attempts` (state `gave_up`) and stop().

import { type BackoffPolicy, backoffDelay } from '../util/backoff.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { DeadlineError, withDeadline } from '../util/deadline.js';
import { TypedEmitter } from '../util/emitter.js';
import type { Logger } from '../util/logger.js';
import type { AuthState } from './auth.js';
import { crtTransportFactory, regionOf } from './crtConnection.js';
import {
  type CloudError,
  ConnectionGoneError,
  NavienError,
  type NavienErrorName,
  toCloudError,
} from './errors.js';
import type { CommandQueue, QueuedCommand } from './queue.js';
import type { AwsCredentials } from './tokens.js';
import type { CloudTransport, TransportFactory } from './transport.js';

export type LinkState = 'stopped' | 'connecting' | 'connected' | 'reconnecting' | 'auth_failed' | 'gave_up';
export type ConnectionEventType = 'connected' | 'resumed' | 'deep_reconnected';

/** The part of NavienAuth the link needs. */
export interface LinkAuth {
  ensureValid(): Promise<unknown>;
  signIn(reason: string, planned?: boolean): Promise<unknown>;
  awsCredentials(): AwsCredentials | undefined;
  awsRenewalAt(): number | null;
  /** Age of the current AWS credentials, null if there are none. */
  awsCredentialAgeMs(): number | null;
  clientId(): string;
  state(): AuthState;
  onRenewal(listener: (info: { planned: boolean; reason: string }) => void): () => void;
}

/** What the link tells the diagnostics collector (the names users of nwp500-python know). */
export interface LinkDiagnostics {
  recordConnectionDrop(input: {
    error: CloudError;
    reconnectAttempt: number;
    activeSubscriptions: number;
    queuedCommands: number;
  }): unknown;
  recordConnectionSuccess(input: {
    eventType: ConnectionEventType;
    sessionPresent: boolean;
    returnCode: number | null;
    attemptNumber: number;
  }): unknown;
  recordReconnectAttempt(input: { attempt: number; deep: boolean }): void;
  recordReconnectFailure(input: {
    attempt: number;
    deep: boolean;
    error: CloudError;
    /** Age of the AWS credentials the failed handshake was signed with; null if there were none. */
    credentialAgeSeconds?: number | null;
  }): void;
  recordPublish(input: { queued: boolean }): void;
  recordMessage(direction: 'in' | 'out'): void;
}

export interface LinkEvents extends Record<string, unknown[]> {
  /** Same name and payload as nwp500-python's event. */
  connection_interrupted: [{ error: CloudError }];
  /** Same name and payload as nwp500-python's event; fired for every successful reconnect. */
  connection_resumed: [{ return_code: number; session_present: boolean }];
  /** Every successful (re)connect, after subscriptions were restored. */
  connected: [{ eventType: ConnectionEventType; sessionPresent: boolean }];
  message: [topic: string, payload: Buffer];
  /**
   * A tracked filter's SUBACK arrived: messages on it reach us from now on. Fired on every
   * (re)connect before `connected`, and for a filter added while the link is up.
   */
  subscribed: [filter: string];
  state: [LinkState];
  /** The attempt budget (`max_reconnect_attempts`) ran out. */
  reconnection_failed: [{ attempts: number }];
}

export interface LinkOptions {
  url: string;
  /** Extra trust for wss; a function is read again for every attempt (a CA file fixed meanwhile). */
  caPem?: string | (() => string | undefined);
  keepAliveSecs: number;
  /** Default: half the keep-alive, at most 30 s, so a half-open link is noticed within ~1.5 × keep-alive. */
  pingTimeoutMs?: number;
  /** A connect that has not finished by then is abandoned (a hung WebSocket upgrade never ends by itself). */
  connectTimeoutMs?: number;
  /** aws-crt's own limit for a subscribe or publish; the engine's deadline is this plus a second. */
  operationTimeoutMs?: number;
  /** Deadline of the sign-in or token check that starts every attempt (default 75 s). */
  signInTimeoutMs?: number;
  /** Deadline of a graceful close; past it the connection is abandoned (default 5 s). */
  closeTimeoutMs?: number;
  reconnect: { initialMs: number; maxMs: number; deepThreshold: number; maxAttempts: number };
  /** No inbound message for this long while publishing → resubscribe, then rebuild. 0 disables. */
  deafAfterMs?: number;
  /** Queue for HA commands; undefined when `enable_command_queue` is off. */
  queue?: CommandQueue;
  flushRatePerSecond?: number;
  auth: LinkAuth;
  diagnostics: LinkDiagnostics;
  clock: Clock;
  log: Logger;
  random?: () => number;
  /** Makes each attempt's connection; aws-crt by default, an in-memory transport in simulations. */
  transportFactory?: TransportFactory;
}

type SubscriptionState = 'pending' | 'active' | 'failed';

/** What a simulation or the health function needs to judge the engine, cheap to read. */
export interface EngineSnapshot {
  state: LinkState;
  /** Monotonic ms since when the link has not been connected; null while connected (or never started). */
  downSinceMs: number | null;
  /** Failed attempts and drops since the last successful connection. */
  attempts: number;
  gaveUp: boolean;
  authFailed: boolean;
  /** A retry is scheduled, or an attempt is waiting on something that has a deadline. */
  timerPending: boolean;
  /** An attempt is under way (signing in, connecting or subscribing). */
  attemptInFlight: boolean;
  /** Connections given up on before they answered (fenced zombies). */
  abandonedConnections: number;
  /**
   * Network waits in flight (sign-in, connect, subscribes, publishes, closes), each holding one
   * deadline timer on the clock. The engine's other timers are at most three (retry, credential
   * renewal, deaf check), so its timers never exceed `waitsInFlight + 3`.
   */
  waitsInFlight: number;
}

const SHORT_SESSION_MS = 10_000;
const STABLE_SESSION_MS = 60_000;
/** A timer longer than ~24.8 days overflows; re-evaluate long waits instead. */
const MAX_TIMER_MS = 6 * 3600_000;
const DEFAULT_SIGN_IN_TIMEOUT_MS = 75_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const DEFAULT_OPERATION_TIMEOUT_MS = 30_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;
/** Our deadline trails aws-crt's operation timeout, so its named error usually wins. */
const OPERATION_DEADLINE_MARGIN_MS = 1_000;
/** Failures of a live connection's operation that mean the connection itself no longer works. */
const CONNECTION_FAILURE_NAMES = new Set([
  'NAVIEN_SUBSCRIBE_TIMEOUT',
  'NAVIEN_PUBLISH_TIMEOUT',
  'AWS_ERROR_MQTT_TIMEOUT',
  'AWS_ERROR_MQTT_NOT_CONNECTED',
  'AWS_ERROR_MQTT_CONNECTION_DESTROYED',
  'AWS_ERROR_MQTT_CONNECTION_DISCONNECTING',
  'AWS_ERROR_MQTT_UNEXPECTED_HANGUP',
]);

/** Operation timeouts: a dead path, or only a lost acknowledgement if the connection still hears. */
const TIMEOUT_NAMES = new Set([
  'NAVIEN_SUBSCRIBE_TIMEOUT',
  'NAVIEN_PUBLISH_TIMEOUT',
  'AWS_ERROR_MQTT_TIMEOUT',
]);

/**
 * One attempt's connection, from its sign-in to its end. Everything waited on inside it races its
 * end, so a replaced or dropped connection releases every waiter at once (ConnectionGoneError).
 */
class Session {
  transport: CloudTransport | null = null;
  /** Its connect has been started and not settled: a late CONNACK may still come. */
  connectPending = false;
  /** Its transport was closed or abandoned (once). */
  released = false;
  endedWith: CloudError | null = null;
  /** Subscribes on this session run one after another. */
  subscribing: Promise<void> = Promise.resolve();
  readonly ended: Promise<never>;
  private rejectEnded: (error: unknown) => void = () => undefined;

  constructor(
    readonly attemptNumber: number,
    readonly deep: boolean,
  ) {
    this.ended = new Promise<never>((_, reject) => {
      this.rejectEnded = reject;
    });
    this.ended.catch(() => undefined);
  }

  end(reason: CloudError): void {
    if (this.endedWith) return;
    this.endedWith = reason;
    this.rejectEnded(new ConnectionGoneError(reason));
  }

  /** Throws if the session ended meanwhile (checked after every await). */
  check(): void {
    if (this.endedWith) throw new ConnectionGoneError(this.endedWith);
  }
}

function cloudErrorOf(error: unknown): CloudError {
  return error instanceof ConnectionGoneError ? error.reason : toCloudError(error);
}

export class CloudLink {
  readonly events: TypedEmitter<LinkEvents>;
  private stateValue: LinkState = 'stopped';
  /** The current attempt or live connection; ended sessions stay here until the next attempt. */
  private session: Session | null = null;
  private attempts = 0;
  private shortSessions = 0;
  private everConnected = false;
  private stopping = true;
  private connectedAtMono: number | null = null;
  private connectedAtWall: number | null = null;
  private downSinceMono: number | null = null;
  private lastInboundMono: number | null = null;
  private lastOutboundMono: number | null = null;
  private deafStrikes = 0;
  private lastErrorValue: CloudError | null = null;
  private lastFailureName: string | null = null;
  private zombies = 0;
  private upgradeRefusals = 0;
  private attemptInFlight = false;
  private deadlinesPending = 0;
  private waitsInFlight = 0;
  private readonly subscriptions = new Map<string, SubscriptionState>();
  private retryTimer: TimerHandle | undefined;
  private renewalTimer: TimerHandle | undefined;
  private deafTimer: TimerHandle | undefined;
  private removeRenewalListener: (() => void) | undefined;
  /** Ends the renewal sign-in in flight, so its deadline does not outlive stop() (nor reach a later start). */
  private cancelRenewal: (() => void) | undefined;

  constructor(private readonly options: LinkOptions) {
    this.events = new TypedEmitter<LinkEvents>((event, error) =>
      options.log.error({ err: error, event }, 'a cloud-link listener failed'),
    );
  }

  state(): LinkState {
    return this.stateValue;
  }

  isConnected(): boolean {
    return this.stateValue === 'connected';
  }

  /** Whether the filter is tracked and its SUBACK arrived on the current connection. */
  isSubscribed(filter: string): boolean {
    return this.subscriptions.get(filter) === 'active';
  }

  stats(): LinkStats {
    const { clock } = this.options;
    let active = 0;
    for (const state of this.subscriptions.values()) if (state === 'active') active++;
    return {
      state: this.stateValue,
      clientId: this.options.auth.clientId(),
      reconnectAttempt: this.attempts,
      connectedSince: this.connectedAtWall,
      sessionUptimeSeconds:
        this.connectedAtMono === null ? 0 : Math.max(0, (clock.monotonic() - this.connectedAtMono) / 1000),
      lastMessageAgeSeconds:
        this.lastInboundMono === null ? null : Math.max(0, (clock.monotonic() - this.lastInboundMono) / 1000),
      lastError: this.lastErrorValue,
      subscriptions: { total: this.subscriptions.size, active },
      queuedCommands: this.options.queue?.size ?? 0,
      abandonedConnections: this.zombies,
    };
  }

  /**
   * The engine's state for invariant checks and health: connected, or a timer pending (a retry or
   * the deadline of what an attempt waits on), or gave_up, or stopped — never anything else.
   */
  engineSnapshot(): EngineSnapshot {
    return {
      state: this.stateValue,
      downSinceMs: this.stateValue === 'connected' ? null : this.downSinceMono,
      attempts: this.attempts,
      gaveUp: this.stateValue === 'gave_up',
      authFailed: this.stateValue === 'auth_failed',
      timerPending: this.retryTimer !== undefined || this.deadlinesPending > 0,
      attemptInFlight: this.attemptInFlight,
      abandonedConnections: this.zombies,
      waitsInFlight: this.waitsInFlight,
    };
  }

  /** Starts connecting in the background; failures are retried, never thrown. */
  start(): void {
    if (!this.stopping) return;
    this.stopping = false;
    this.downSinceMono = this.options.clock.monotonic();
    this.removeRenewalListener = this.options.auth.onRenewal(() => this.scheduleRenewal());
    this.setState('connecting');
    this.scheduleRenewal();
    void this.attempt(0, false);
  }

  /** Our own teardown: nothing is recorded as a drop. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const { clock } = this.options;
    for (const timer of [this.retryTimer, this.renewalTimer, this.deafTimer]) clock.clearTimeout(timer);
    this.retryTimer = undefined;
    this.renewalTimer = undefined;
    this.deafTimer = undefined;
    this.cancelRenewal?.();
    this.cancelRenewal = undefined;
    this.removeRenewalListener?.();
    const session = this.session;
    session?.end({ name: 'NAVIEN_STOPPED', code: null, message: 'the bridge is stopping' });
    this.connectedAtMono = null;
    this.setState('stopped');
    if (session) await this.releaseTransport(session);
  }

  /**
   * Replaces the connection now (the "Reconnect cloud link" button): our own act, so it is not
   * recorded as a drop; the next attempt starts at once with the current credentials. Also the
   * way out of `gave_up`.
   */
  reconnectNow(reason: string): void {
    if (this.stopping) return;
    const { clock, log } = this.options;
    log.info({ reason }, 'reconnecting the Navien cloud link on request');
    const session = this.session;
    session?.end({ name: 'NAVIEN_RECONNECT_REQUESTED', code: null, message: reason });
    if (session) void this.releaseTransport(session);
    if (this.stateValue === 'connected') this.downSinceMono = clock.monotonic();
    this.connectedAtMono = null;
    for (const timer of [this.retryTimer, this.deafTimer]) clock.clearTimeout(timer);
    this.retryTimer = undefined;
    this.deafTimer = undefined;
    this.markSubscriptionsPending();
    this.setState(this.everConnected ? 'reconnecting' : 'connecting');
    this.attempts = 0;
    void this.attempt(0, false);
  }

  /** Tracks a topic filter: subscribed now if connected, and again after every reconnect. */
  subscribe(filter: string): void {
    if (this.subscriptions.has(filter)) return;
    this.subscriptions.set(filter, 'pending');
    const session = this.session;
    if (session && this.isLive(session)) this.subscribeLive(session);
  }

  unsubscribe(filter: string): void {
    this.subscriptions.delete(filter);
  }

  /**
   * Publishes now (QoS 1) — for requests that make no sense later, like status polls.
   * Rejects with NAVIEN_NOT_CONNECTED while the link is down, with NAVIEN_CONNECTION_GONE when the
   * connection ends before the PUBACK, and never waits past the operation deadline.
   */
  async publish(topic: string, payload: string): Promise<void> {
    const session = this.session;
    if (!session || !this.isLive(session)) {
      throw new NavienError('NAVIEN_NOT_CONNECTED', 'the Navien cloud link is down', { retriable: true });
    }
    await this.publishOn(session, topic, payload);
  }

  /**
   * Sends an HA command: through the queue (kept until PUBACK, across outages and restarts),
   * or straight away when the queue is disabled. Returns what happened to it.
   */
  sendCommand(command: Omit<QueuedCommand, 'id' | 'createdAt'>): 'sent' | 'queued' | 'refused' {
    const { queue, diagnostics } = this.options;
    if (!queue) {
      if (!this.isConnected()) return 'refused';
      this.publish(command.topic, command.payload).catch((error: unknown) =>
        this.options.log.warn(
          { err: toCloudError(error), command: command.description },
          'command not acknowledged by the cloud',
        ),
      );
      return 'sent';
    }
    queue.enqueue(command);
    const session = this.session;
    if (session && this.isLive(session)) {
      void this.flush(session);
      return 'sent';
    }
    diagnostics.recordPublish({ queued: true });
    return 'queued';
  }

  private setState(state: LinkState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.events.emit('state', state);
  }

  private isLive(session: Session): boolean {
    return (
      session === this.session &&
      session.endedWith === null &&
      session.transport !== null &&
      this.stateValue === 'connected'
    );
  }

  private markSubscriptionsPending(): void {
    for (const filter of this.subscriptions.keys()) this.subscriptions.set(filter, 'pending');
  }

  /**
   * Waits for `promise` on behalf of `session`: rejects when the deadline passes (as `name`) or
   * the session ends first, so no await of the engine can outlive its owner.
   */
  private async owned<T>(
    session: Session,
    promise: Promise<T>,
    ms: number,
    name: NavienErrorName,
    what: string,
    onTimeout?: () => void,
  ): Promise<T> {
    this.deadlinesPending++;
    this.waitsInFlight++;
    try {
      return await withDeadline(
        Promise.race([promise, session.ended]),
        ms,
        what,
        this.options.clock,
        onTimeout,
      );
    } catch (error) {
      if (error instanceof DeadlineError)
        throw new NavienError(name, error.message, { retriable: true, cause: error });
      throw error;
    } finally {
      this.deadlinesPending--;
      this.waitsInFlight--;
    }
  }

  private operationDeadlineMs(): number {
    return (this.options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS) + OPERATION_DEADLINE_MARGIN_MS;
  }

  private caPem(): string | undefined {
    const { caPem } = this.options;
    return typeof caPem === 'function' ? caPem() : caPem;
  }

  /** Builds the attempt's transport; a throw here (a bad CA) is that attempt's failure. */
  private makeTransport(session: Session): CloudTransport {
    const { auth, log } = this.options;
    const url = new URL(this.options.url);
    const keepAliveSecs = this.options.keepAliveSecs;
    const caPem = this.caPem();
    return (this.options.transportFactory ?? crtTransportFactory)(
      {
        url,
        clientId: auth.clientId(),
        keepAliveSecs,
        pingTimeoutMs: this.options.pingTimeoutMs ?? Math.min(30_000, (keepAliveSecs * 1000) / 2),
        operationTimeoutMs: this.options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS,
        ...(caPem ? { caPem } : {}),
        region: regionOf(url.hostname),
        credentials: () => auth.awsCredentials(),
        log,
      },
      {
        onMessage: (topic, payload) => {
          if (session === this.session && session.endedWith === null) this.onMessage(topic, payload);
        },
        onInterrupt: (error) => this.onInterrupt(session, error),
      },
    );
  }

  /**
   * Lets go of a session's connection, once: one whose connect is still under way is abandoned
   * (fenced: should it answer later, it is closed at once, so it cannot take the client id from
   * the next connection); any other is closed within the close deadline.
   */
  private async releaseTransport(session: Session): Promise<void> {
    const transport = session.transport;
    if (!transport || session.released) return;
    session.released = true;
    if (session.connectPending) {
      this.zombies++;
      try {
        transport.abandon();
      } catch {
        // Nothing is left to fence.
      }
      return;
    }
    await this.closeTransport(transport);
  }

  /** Closes within the close deadline, abandoning what does not finish by then. Never throws. */
  private async closeTransport(transport: CloudTransport): Promise<void> {
    const ms = this.options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.waitsInFlight++;
    try {
      await withDeadline(transport.close(), ms, 'closing the MQTT connection', this.options.clock);
    } catch (error) {
      this.options.log.debug(
        { err: toCloudError(error) },
        'an MQTT connection did not close in time; abandoned',
      );
      try {
        transport.abandon();
      } catch {
        // Already gone: nothing is left to fence.
      }
    } finally {
      this.waitsInFlight--;
    }
  }

  private async attempt(attemptNumber: number, deep: boolean): Promise<void> {
    const { auth, diagnostics } = this.options;
    const session = new Session(attemptNumber, deep);
    this.session = session;
    this.attemptInFlight = true;
    if (attemptNumber > 0) diagnostics.recordReconnectAttempt({ attempt: attemptNumber, deep });
    let sessionPresent: boolean;
    try {
      await this.owned(
        session,
        deep ? auth.signIn('deep reconnect') : auth.ensureValid(),
        this.options.signInTimeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS,
        'NAVIEN_SIGN_IN_TIMEOUT',
        'signing in to NaviLink',
      );
      session.check();
      const transport = this.makeTransport(session);
      session.transport = transport;
      const connectTimeoutMs = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
      session.connectPending = true;
      sessionPresent = await this.owned(
        session,
        transport.connect(),
        connectTimeoutMs,
        'NAVIEN_CONNECT_TIMEOUT',
        'the MQTT connect (WebSocket upgrade or CONNACK)',
        // A hung upgrade never ends by itself; fence it so a late answer is closed at once.
        () => void this.releaseTransport(session),
      );
      session.connectPending = false;
      session.check();
      // Every (re)connect restores every subscription before it counts as connected.
      this.markSubscriptionsPending();
      await this.subscribePending(session);
      session.check();
    } catch (error) {
      if (session === this.session) this.attemptInFlight = false;
      const cloudError = cloudErrorOf(error);
      session.end(cloudError);
      void this.releaseTransport(session);
      // A session replaced meanwhile (stop, reconnect button) is not a failure: its replacer owns what follows.
      if (session === this.session && !this.stopping) this.attemptFailed(session, cloudError);
      return;
    }
    if (session !== this.session) return;
    this.attemptInFlight = false;
    if (!this.stopping) this.onConnected(session, sessionPresent);
  }

  /** The one failure path of an attempt: record, log at warn, back off, try again. */
  private attemptFailed(session: Session, error: CloudError): void {
    const { log, diagnostics } = this.options;
    const { attemptNumber, deep } = session;
    this.lastErrorValue = error;
    if (attemptNumber > 0) {
      const ageMs = this.options.auth.awsCredentialAgeMs();
      diagnostics.recordReconnectFailure({
        attempt: attemptNumber,
        deep,
        error,
        credentialAgeSeconds: ageMs === null ? null : Math.round(ageMs / 1000),
      });
    }
    // A refused WebSocket upgrade is what expired or revoked AWS credentials look like (403).
    this.upgradeRefusals =
      error.name === 'AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE' ? this.upgradeRefusals + 1 : 0;
    const authFailed = error.name === 'NAVIEN_AUTH_INVALID_CREDENTIALS';
    // Loud while it is news (the first attempts, a new error), then every tenth, so a long outage
    // stays visible without flooding the log.
    const news = attemptNumber <= 5 || attemptNumber % 10 === 0 || error.name !== this.lastFailureName;
    this.lastFailureName = error.name;
    log[authFailed || !news ? 'debug' : 'warn'](
      { attempt: attemptNumber, deep, error: error.name, code: error.code, detail: error.message },
      'connecting to the Navien cloud failed; retrying with backoff',
    );
    this.setState(authFailed ? 'auth_failed' : this.everConnected ? 'reconnecting' : 'connecting');
    this.scheduleAttempt();
  }

  private scheduleAttempt(): void {
    const { reconnect, log, clock } = this.options;
    const attemptNumber = ++this.attempts;
    clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (reconnect.maxAttempts > 0 && attemptNumber > reconnect.maxAttempts) {
      this.setState('gave_up');
      log.error(
        { attempts: reconnect.maxAttempts },
        'gave up reconnecting to the Navien cloud (max_reconnect_attempts); restart the add-on or raise the limit',
      );
      this.events.emit('reconnection_failed', { attempts: reconnect.maxAttempts });
      return;
    }
    // Every N-th attempt, after two refused upgrades (credentials the cloud no longer takes), and
    // during a storm of sessions that die at once (duplicate client id, poisoned queue), rebuild
    // from a fresh sign-in.
    const deep =
      attemptNumber % reconnect.deepThreshold === 0 || this.upgradeRefusals >= 2 || this.shortSessions >= 3;
    const policy: BackoffPolicy = { initialMs: reconnect.initialMs, maxMs: reconnect.maxMs };
    // Sessions that end right after they start keep growing the delay even though each success
    // resets the attempt counter (AWS allows one CONNECT per second per client id).
    const delay = backoffDelay(policy, Math.max(attemptNumber, this.shortSessions), this.options.random);
    log.debug(
      { attempt: attemptNumber, deep, delayMs: Math.round(delay) },
      'next connection attempt scheduled',
    );
    this.retryTimer = clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopping) void this.attempt(attemptNumber, deep);
    }, delay);
  }

  private onConnected(session: Session, sessionPresent: boolean): void {
    const { clock, diagnostics, log } = this.options;
    const { attemptNumber, deep } = session;
    const eventType: ConnectionEventType = !this.everConnected
      ? 'connected'
      : deep
        ? 'deep_reconnected'
        : 'resumed';
    this.everConnected = true;
    this.attempts = 0;
    this.upgradeRefusals = 0;
    this.lastFailureName = null;
    this.connectedAtMono = clock.monotonic();
    this.connectedAtWall = clock.now();
    this.downSinceMono = null;
    this.lastInboundMono = clock.monotonic();
    this.deafStrikes = 0;
    diagnostics.recordConnectionSuccess({ eventType, sessionPresent, returnCode: 0, attemptNumber });
    log.info({ eventType, sessionPresent, attempt: attemptNumber }, 'connected to the Navien cloud');
    this.setState('connected');
    if (eventType !== 'connected')
      this.events.emit('connection_resumed', { return_code: 0, session_present: sessionPresent });
    if (!this.isLive(session)) return;
    this.events.emit('connected', { eventType, sessionPresent });
    if (!this.isLive(session)) return;
    void this.flush(session);
    this.scheduleDeafCheck();
  }

  /**
   * Subscribes every tracked filter that is not active, one at a time, each within the operation
   * deadline; the first failure is thrown (it fails the attempt, or drops the live connection).
   */
  private async subscribePending(session: Session): Promise<void> {
    const transport = session.transport;
    if (!transport) return;
    for (;;) {
      session.check();
      let next: string | undefined;
      for (const [filter, state] of this.subscriptions) {
        if (state !== 'active') {
          next = filter;
          break;
        }
      }
      if (next === undefined) return;
      const filter = next;
      try {
        await this.owned(
          session,
          transport.subscribe(filter),
          this.operationDeadlineMs(),
          'NAVIEN_SUBSCRIBE_TIMEOUT',
          'a subscription (SUBACK)',
        );
      } catch (error) {
        if (!session.endedWith && this.subscriptions.has(filter)) this.subscriptions.set(filter, 'failed');
        throw error;
      }
      session.check();
      if (this.subscriptions.has(filter)) {
        this.subscriptions.set(filter, 'active');
        this.events.emit('subscribed', filter);
      }
    }
  }

  /** Subscribes what is pending on a live connection; a failure drops the connection. */
  private subscribeLive(session: Session): void {
    session.subscribing = session.subscribing
      .then(() => this.subscribePending(session))
      .catch((error: unknown) => this.liveFailure(session, cloudErrorOf(error)));
  }

  /** A live connection failed an operation in a way that shows it no longer works. */
  private liveFailure(session: Session, error: CloudError): void {
    if (this.stopping || !this.isLive(session)) return;
    this.dropped(session, error);
  }

  /**
   * Publishes on one session's connection within the operation deadline. Rejects with
   * ConnectionGoneError when that connection is no longer the live one, or ends before the PUBACK.
   * A publish without a PUBACK by the deadline drops the connection when nothing has been heard
   * on it since the publish went out (a dead path); on a connection that still delivers messages
   * it is only a lost acknowledgement, and fails alone (NAVIEN_PUBLISH_TIMEOUT, retriable).
   */
  private async publishOn(session: Session, topic: string, payload: string): Promise<void> {
    const transport = session.transport;
    if (!transport || !this.isLive(session)) {
      throw new ConnectionGoneError(
        session.endedWith ?? {
          name: 'NAVIEN_NOT_CONNECTED',
          code: null,
          message: 'the link is not connected',
        },
      );
    }
    const sentAt = this.options.clock.monotonic();
    this.lastOutboundMono = sentAt;
    try {
      await this.owned(
        session,
        transport.publish(topic, payload),
        this.operationDeadlineMs(),
        'NAVIEN_PUBLISH_TIMEOUT',
        'a publish (PUBACK)',
      );
    } catch (error) {
      if (error instanceof ConnectionGoneError) throw error;
      const cloudError = toCloudError(error);
      const timedOut = TIMEOUT_NAMES.has(cloudError.name);
      const heardSince = this.lastInboundMono !== null && this.lastInboundMono > sentAt;
      if (CONNECTION_FAILURE_NAMES.has(cloudError.name) && !(timedOut && heardSince)) {
        this.liveFailure(session, cloudError);
        throw new ConnectionGoneError(cloudError);
      }
      throw error;
    }
    this.options.diagnostics.recordPublish({ queued: false });
    this.options.diagnostics.recordMessage('out');
  }

  private async flush(session: Session): Promise<void> {
    const { queue } = this.options;
    if (!queue || queue.size === 0 || !this.isLive(session)) return;
    const result = await queue.flush((command) => this.publishOn(session, command.topic, command.payload), {
      canSend: () => this.isLive(session),
      ...(this.options.flushRatePerSecond ? { ratePerSecond: this.options.flushRatePerSecond } : {}),
    });
    if (result.sent > 0 || result.failed) {
      this.options.log.info({ sent: result.sent, remaining: result.remaining }, 'flushed queued commands');
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    this.lastInboundMono = this.options.clock.monotonic();
    this.deafStrikes = 0;
    this.options.diagnostics.recordMessage('in');
    this.events.emit('message', topic, payload);
  }

  private onInterrupt(session: Session, error: CloudError): void {
    if (this.stopping || session !== this.session || session.endedWith) return;
    // During an attempt, the attempt's own failure path takes it (its awaits race the session's end).
    if (this.stateValue !== 'connected') session.end(error);
    else this.dropped(session, error);
  }

  /** A live connection ended without us asking: record it, fence it, and start over. */
  private dropped(session: Session, error: CloudError): void {
    const { clock, diagnostics, log } = this.options;
    const dwellMs = this.connectedAtMono === null ? 0 : clock.monotonic() - this.connectedAtMono;
    let active = 0;
    for (const state of this.subscriptions.values()) if (state === 'active') active++;
    diagnostics.recordConnectionDrop({
      error,
      reconnectAttempt: this.attempts,
      activeSubscriptions: active,
      queuedCommands: this.options.queue?.size ?? 0,
    });
    this.lastErrorValue = error;
    log.warn(
      { error: error.name, code: error.code, sessionSeconds: Math.round(dwellMs / 1000) },
      'the Navien cloud connection dropped; reconnecting',
    );
    // Every waiter on this connection (publishes, subscribes) is released now, not at its deadline.
    session.end(error);
    this.connectedAtMono = null;
    this.downSinceMono = clock.monotonic();
    clock.clearTimeout(this.deafTimer);
    this.deafTimer = undefined;
    if (dwellMs < SHORT_SESSION_MS) this.shortSessions++;
    else if (dwellMs >= STABLE_SESSION_MS) this.shortSessions = 0;
    // Our engine is the only one: aws-crt must not bring this connection back by itself.
    void this.releaseTransport(session);
    this.markSubscriptionsPending();
    this.setState('reconnecting');
    this.events.emit('connection_interrupted', { error });
    this.scheduleAttempt();
  }

  /**
   * A link can stay "connected" while hearing nothing (a subscription lost on the broker side).
   * Our own status requests echo back on the device subscription, so silence while publishing
   * means deafness: resubscribe first, then rebuild the connection.
   */
  private scheduleDeafCheck(): void {
    const { clock } = this.options;
    const deafAfterMs = this.options.deafAfterMs ?? 0;
    clock.clearTimeout(this.deafTimer);
    this.deafTimer = undefined;
    const session = this.session;
    if (deafAfterMs <= 0 || this.stopping || !session) return;
    this.deafTimer = clock.setTimeout(
      () => {
        this.deafTimer = undefined;
        if (!this.isLive(session)) return;
        const now = clock.monotonic();
        const silentFor = now - (this.lastInboundMono ?? now);
        const publishedSinceSilence =
          this.lastOutboundMono !== null && this.lastOutboundMono > (this.lastInboundMono ?? 0);
        if (silentFor >= deafAfterMs && publishedSinceSilence) {
          this.deafStrikes++;
          if (this.deafStrikes === 1) {
            this.options.log.warn(
              { silentSeconds: Math.round(silentFor / 1000) },
              'the cloud link hears nothing; resubscribing',
            );
            this.markSubscriptionsPending();
            this.subscribeLive(session);
          } else {
            this.dropped(session, {
              name: 'NAVIEN_LINK_DEAF',
              code: null,
              message: `no message received for ${Math.round(silentFor / 1000)} s while publishing`,
            });
            return;
          }
        }
        this.scheduleDeafCheck();
      },
      Math.max(1000, deafAfterMs / 2),
    );
  }

  /** Renews the AWS credentials by sign-in before they expire, so the next handshake is signed with fresh ones. */
  private scheduleRenewal(): void {
    const { clock, auth, log } = this.options;
    clock.clearTimeout(this.renewalTimer);
    this.renewalTimer = undefined;
    if (this.stopping) return;
    const at = auth.awsRenewalAt();
    if (at === null) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at - clock.now()));
    this.renewalTimer = clock.setTimeout(() => {
      this.renewalTimer = undefined;
      if (this.stopping) return;
      if (auth.awsRenewalAt() !== at || clock.now() < at) {
        this.scheduleRenewal();
        return;
      }
      const signInMs = this.options.signInTimeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS;
      // The wait races stop(): like every wait of the engine it has an owner, here the link's
      // lifetime, so stop() releases it (and clears its deadline) at once.
      let cancel: () => void = () => undefined;
      const stopped = new Promise<never>((_, reject) => {
        cancel = () => reject(new Error('the cloud link stopped'));
      });
      stopped.catch(() => undefined);
      this.cancelRenewal = cancel;
      const mine = cancel;
      this.waitsInFlight++;
      withDeadline(
        Promise.race([auth.signIn('scheduled AWS credential renewal', true), stopped]),
        signInMs,
        'credential renewal',
        clock,
      )
        .catch((error: unknown) => {
          // Cancelled by stop(): a later start() owns the renewal timer now.
          if (this.stopping || this.cancelRenewal !== mine) return;
          const name = error instanceof DeadlineError ? 'NAVIEN_SIGN_IN_TIMEOUT' : toCloudError(error).name;
          log.warn({ error: name }, 'AWS credential renewal failed; retrying in a minute');
          clock.clearTimeout(this.renewalTimer);
          this.renewalTimer = clock.setTimeout(() => this.scheduleRenewal(), 60_000);
        })
        .finally(() => {
          if (this.cancelRenewal === mine) this.cancelRenewal = undefined;
          this.waitsInFlight--;
        });
    }, delay);
  }
}

export interface LinkStats {
  state: LinkState;
  clientId: string;
  reconnectAttempt: number;
  /** Wall ms of the current session's start, null while disconnected. */
  connectedSince: number | null;
  sessionUptimeSeconds: number;
  lastMessageAgeSeconds: number | null;
  lastError: CloudError | null;
  subscriptions: { total: number; active: number };
  queuedCommands: number;
  abandonedConnections: number;
}
