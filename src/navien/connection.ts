// The cloud link: one reconnect engine for the AWS IoT connection. Every attempt signs with the
// current credentials on a fresh connection, every (re)connect resubscribes every topic and then
// flushes the command queue, half-open links are caught by ping timeout, a link that stops
// hearing anything is resubscribed and then rebuilt, and every step is reported to diagnostics.

import { type BackoffPolicy, backoffDelay } from '../util/backoff.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { TypedEmitter } from '../util/emitter.js';
import type { Logger } from '../util/logger.js';
import type { AuthState } from './auth.js';
import { crtTransportFactory, regionOf } from './crtConnection.js';
import { type CloudError, NavienError, toCloudError } from './errors.js';
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
  state: [LinkState];
  /** The attempt budget (`max_reconnect_attempts`) ran out. */
  reconnection_failed: [{ attempts: number }];
}

export interface LinkOptions {
  url: string;
  caPem?: string;
  keepAliveSecs: number;
  /** Default: half the keep-alive, at most 30 s, so a half-open link is noticed within ~1.5 × keep-alive. */
  pingTimeoutMs?: number;
  /** A connect that has not finished by then is abandoned (a hung WebSocket upgrade never ends by itself). */
  connectTimeoutMs?: number;
  operationTimeoutMs?: number;
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

const SHORT_SESSION_MS = 10_000;
const STABLE_SESSION_MS = 60_000;
/** A timer longer than ~24.8 days overflows; re-evaluate long waits instead. */
const MAX_TIMER_MS = 6 * 3600_000;

export class CloudLink {
  readonly events: TypedEmitter<LinkEvents>;
  private stateValue: LinkState = 'stopped';
  private generation = 0;
  private current: CloudTransport | null = null;
  private attempts = 0;
  private shortSessions = 0;
  private everConnected = false;
  private stopping = true;
  private connectedAtMono: number | null = null;
  private connectedAtWall: number | null = null;
  private lastInboundMono: number | null = null;
  private lastOutboundMono: number | null = null;
  private deafStrikes = 0;
  private lastErrorValue: CloudError | null = null;
  private zombies = 0;
  private upgradeRefusals = 0;
  private readonly subscriptions = new Map<string, SubscriptionState>();
  private retryTimer: TimerHandle | undefined;
  private renewalTimer: TimerHandle | undefined;
  private deafTimer: TimerHandle | undefined;
  private subscribeRetryTimer: TimerHandle | undefined;
  private subscribeRetries = 0;
  private removeRenewalListener: (() => void) | undefined;

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

  /** Starts connecting in the background; failures are retried, never thrown. */
  start(): void {
    if (!this.stopping) return;
    this.stopping = false;
    this.removeRenewalListener = this.options.auth.onRenewal(() => this.scheduleRenewal());
    this.setState('connecting');
    this.scheduleRenewal();
    void this.attempt(0, false);
  }

  /** Our own teardown: nothing is recorded as a drop. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.generation++;
    const { clock } = this.options;
    for (const timer of [this.retryTimer, this.renewalTimer, this.deafTimer, this.subscribeRetryTimer])
      clock.clearTimeout(timer);
    this.removeRenewalListener?.();
    const connection = this.current;
    this.current = null;
    this.connectedAtMono = null;
    this.setState('stopped');
    await connection?.close();
  }

  /**
   * Replaces the connection now (the "Reconnect cloud link" button): our own act, so it is not
   * recorded as a drop; the next attempt starts at once with the current credentials.
   */
  reconnectNow(reason: string): void {
    if (this.stopping) return;
    const { clock, log } = this.options;
    log.info({ reason }, 'reconnecting the Navien cloud link on request');
    this.generation++;
    const connection = this.current;
    this.current = null;
    this.connectedAtMono = null;
    for (const timer of [this.retryTimer, this.deafTimer, this.subscribeRetryTimer])
      clock.clearTimeout(timer);
    this.retryTimer = undefined;
    for (const filter of this.subscriptions.keys()) this.subscriptions.set(filter, 'pending');
    void connection?.close();
    this.setState(this.everConnected ? 'reconnecting' : 'connecting');
    this.attempts = 0;
    void this.attempt(0, false);
  }

  /** Tracks a topic filter: subscribed now if connected, and again after every reconnect. */
  subscribe(filter: string): void {
    if (this.subscriptions.has(filter)) return;
    this.subscriptions.set(filter, 'pending');
    if (this.current && this.stateValue === 'connected')
      void this.subscribeAll(this.generation, this.current);
  }

  unsubscribe(filter: string): void {
    this.subscriptions.delete(filter);
  }

  /**
   * Publishes now (QoS 1) — for requests that make no sense later, like status polls.
   * Rejects with NAVIEN_NOT_CONNECTED while the link is down.
   */
  async publish(topic: string, payload: string): Promise<void> {
    const connection = this.current;
    if (!connection || this.stateValue !== 'connected') {
      throw new NavienError('NAVIEN_NOT_CONNECTED', 'the Navien cloud link is down', { retriable: true });
    }
    this.lastOutboundMono = this.options.clock.monotonic();
    await connection.publish(topic, payload);
    this.options.diagnostics.recordPublish({ queued: false });
    this.options.diagnostics.recordMessage('out');
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
    if (this.isConnected()) {
      void this.flush(this.generation);
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

  private async attempt(attemptNumber: number, deep: boolean): Promise<void> {
    const { auth, log, diagnostics, clock } = this.options;
    const generation = ++this.generation;
    if (attemptNumber > 0) diagnostics.recordReconnectAttempt({ attempt: attemptNumber, deep });
    try {
      if (deep) await auth.signIn('deep reconnect');
      else await auth.ensureValid();
    } catch (error) {
      if (generation === this.generation && !this.stopping)
        this.attemptFailed(attemptNumber, deep, toCloudError(error));
      return;
    }
    if (generation !== this.generation || this.stopping) return;

    const url = new URL(this.options.url);
    const keepAliveSecs = this.options.keepAliveSecs;
    let connection: CloudTransport | null = null;
    connection = (this.options.transportFactory ?? crtTransportFactory)(
      {
        url,
        clientId: auth.clientId(),
        keepAliveSecs,
        pingTimeoutMs: this.options.pingTimeoutMs ?? Math.min(30_000, (keepAliveSecs * 1000) / 2),
        operationTimeoutMs: this.options.operationTimeoutMs ?? 30_000,
        ...(this.options.caPem ? { caPem: this.options.caPem } : {}),
        region: regionOf(url.hostname),
        credentials: () => auth.awsCredentials(),
        log,
      },
      {
        onMessage: (topic, payload) => {
          if (generation === this.generation) this.onMessage(topic, payload);
        },
        onInterrupt: (error) => {
          if (generation === this.generation && connection) this.onInterrupt(connection, error);
        },
      },
    );
    const timeoutMs = this.options.connectTimeoutMs ?? 30_000;
    let timer: TimerHandle | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = clock.setTimeout(() => resolve('timeout'), timeoutMs);
    });
    let outcome: boolean | 'timeout';
    try {
      outcome = await Promise.race([connection.connect(), timedOut]);
    } catch (error) {
      clock.clearTimeout(timer);
      void connection.close();
      if (generation === this.generation && !this.stopping)
        this.attemptFailed(attemptNumber, deep, toCloudError(error));
      return;
    }
    clock.clearTimeout(timer);
    if (outcome === 'timeout') {
      connection.abandon();
      this.zombies++;
      if (generation === this.generation && !this.stopping) {
        this.attemptFailed(attemptNumber, deep, {
          name: 'NAVIEN_CONNECT_TIMEOUT',
          code: null,
          message: `no answer to the MQTT connect within ${Math.round(timeoutMs / 1000)} s (WebSocket upgrade or CONNACK)`,
        });
      }
      return;
    }
    if (generation !== this.generation || this.stopping) {
      void connection.close();
      return;
    }
    this.onConnected(generation, connection, outcome, attemptNumber, deep);
  }

  private attemptFailed(attemptNumber: number, deep: boolean, error: CloudError): void {
    const { log, diagnostics } = this.options;
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
    const level = authFailed || attemptNumber > 3 ? 'debug' : 'warn';
    log[level](
      { attempt: attemptNumber, deep, error: error.name, detail: error.message },
      'connecting to the Navien cloud failed',
    );
    this.setState(authFailed ? 'auth_failed' : this.everConnected ? 'reconnecting' : 'connecting');
    this.scheduleAttempt();
  }

  private scheduleAttempt(): void {
    const { reconnect, log, clock } = this.options;
    const attemptNumber = ++this.attempts;
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
    clock.clearTimeout(this.retryTimer);
    this.retryTimer = clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopping) void this.attempt(attemptNumber, deep);
    }, delay);
  }

  private onConnected(
    generation: number,
    connection: CloudTransport,
    sessionPresent: boolean,
    attemptNumber: number,
    deep: boolean,
  ): void {
    const { clock, diagnostics, log } = this.options;
    const eventType: ConnectionEventType = !this.everConnected
      ? 'connected'
      : deep
        ? 'deep_reconnected'
        : 'resumed';
    this.current = connection;
    this.everConnected = true;
    this.attempts = 0;
    this.upgradeRefusals = 0;
    this.connectedAtMono = clock.monotonic();
    this.connectedAtWall = clock.now();
    this.lastInboundMono = clock.monotonic();
    this.deafStrikes = 0;
    for (const filter of this.subscriptions.keys()) this.subscriptions.set(filter, 'pending');
    diagnostics.recordConnectionSuccess({ eventType, sessionPresent, returnCode: 0, attemptNumber });
    log.info({ eventType, sessionPresent, attempt: attemptNumber }, 'connected to the Navien cloud');
    this.setState('connected');
    if (eventType !== 'connected')
      this.events.emit('connection_resumed', { return_code: 0, session_present: sessionPresent });
    void this.afterConnect(generation, connection, eventType, sessionPresent);
  }

  private async afterConnect(
    generation: number,
    connection: CloudTransport,
    eventType: ConnectionEventType,
    sessionPresent: boolean,
  ): Promise<void> {
    await this.subscribeAll(generation, connection);
    if (generation !== this.generation) return;
    this.events.emit('connected', { eventType, sessionPresent });
    await this.flush(generation);
    this.scheduleDeafCheck();
  }

  /** Subscribes every tracked filter that is not active; failures are retried, one by one. */
  private async subscribeAll(generation: number, connection: CloudTransport): Promise<void> {
    const { log, clock } = this.options;
    let failed = 0;
    for (const [filter, state] of [...this.subscriptions]) {
      if (state === 'active') continue;
      try {
        await connection.subscribe(filter);
        if (generation !== this.generation) return;
        if (this.subscriptions.has(filter)) this.subscriptions.set(filter, 'active');
      } catch (error) {
        if (generation !== this.generation) return;
        failed++;
        if (this.subscriptions.has(filter)) this.subscriptions.set(filter, 'failed');
        log.warn({ filter, error: toCloudError(error).name }, 'subscription failed; retrying');
      }
    }
    clock.clearTimeout(this.subscribeRetryTimer);
    if (failed === 0) {
      this.subscribeRetries = 0;
      return;
    }
    // Never "connected but deaf": keep retrying what failed for as long as this connection lives.
    const delay = backoffDelay(
      { initialMs: 1000, maxMs: 60_000 },
      ++this.subscribeRetries,
      this.options.random,
    );
    this.subscribeRetryTimer = clock.setTimeout(() => {
      if (generation === this.generation && this.current === connection)
        void this.subscribeAll(generation, connection);
    }, delay);
  }

  private async flush(generation: number): Promise<void> {
    const { queue } = this.options;
    const connection = this.current;
    if (!queue || !connection || queue.size === 0) return;
    const result = await queue.flush(
      async (command) => {
        if (generation !== this.generation)
          throw new NavienError('NAVIEN_NOT_CONNECTED', 'link changed', { retriable: true });
        this.lastOutboundMono = this.options.clock.monotonic();
        await connection.publish(command.topic, command.payload);
        this.options.diagnostics.recordPublish({ queued: false });
        this.options.diagnostics.recordMessage('out');
      },
      {
        canSend: () => generation === this.generation && this.stateValue === 'connected',
        ...(this.options.flushRatePerSecond ? { ratePerSecond: this.options.flushRatePerSecond } : {}),
      },
    );
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

  private onInterrupt(connection: CloudTransport, error: CloudError): void {
    if (this.stopping || connection !== this.current) return;
    this.dropped(connection, error);
  }

  /** A live connection ended without us asking: record it, fence it, and start over. */
  private dropped(connection: CloudTransport, error: CloudError): void {
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
    this.generation++;
    this.current = null;
    this.connectedAtMono = null;
    clock.clearTimeout(this.deafTimer);
    clock.clearTimeout(this.subscribeRetryTimer);
    if (dwellMs < SHORT_SESSION_MS) this.shortSessions++;
    else if (dwellMs >= STABLE_SESSION_MS) this.shortSessions = 0;
    // Our engine is the only one: aws-crt must not bring this connection back by itself.
    void connection.close();
    for (const filter of this.subscriptions.keys()) this.subscriptions.set(filter, 'pending');
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
    if (deafAfterMs <= 0 || this.stopping) return;
    const generation = this.generation;
    this.deafTimer = clock.setTimeout(
      () => {
        if (generation !== this.generation || !this.current) return;
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
            for (const filter of this.subscriptions.keys()) this.subscriptions.set(filter, 'pending');
            void this.subscribeAll(generation, this.current);
          } else {
            this.dropped(this.current, {
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
    if (this.stopping) return;
    const at = auth.awsRenewalAt();
    if (at === null) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at - clock.now()));
    this.renewalTimer = clock.setTimeout(() => {
      if (this.stopping) return;
      if (auth.awsRenewalAt() !== at || clock.now() < at) {
        this.scheduleRenewal();
        return;
      }
      auth.signIn('scheduled AWS credential renewal', true).catch((error: unknown) => {
        log.warn({ error: toCloudError(error).name }, 'AWS credential renewal failed; retrying in a minute');
        clock.clearTimeout(this.renewalTimer);
        this.renewalTimer = clock.setTimeout(() => this.scheduleRenewal(), 60_000);
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
