// The bridge's connection to the local Mosquitto (mqtt.js): LWT and `online` on every connect, a
// cache of the latest retained payload per topic that is re-asserted after every reconnect, change
// detection, subscriptions that survive reconnects, backoff reconnects and HA birth handling.

import { type IClientOptions, type MqttClient, connect as mqttConnect } from 'mqtt';
import type { BrokerSettings } from '../config/supervisor.js';
import { type BackoffPolicy, backoffDelay } from '../util/backoff.js';
import { type Clock, systemClock, type TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { AVAILABILITY_OFFLINE, AVAILABILITY_ONLINE, type Topics, topicMatches, topics } from './topics.js';

/** What a handler learns about a message beyond topic and payload. */
export interface MessageInfo {
  /**
   * The broker sent it from its retained store (at subscribe time, so also after every reconnect),
   * not as it was published.
   */
  retain: boolean;
}

export type MessageHandler = (topic: string, payload: Buffer, info: MessageInfo) => void;
export type Qos = 0 | 1 | 2;

export interface LocalBrokerOptions {
  settings: BrokerSettings;
  baseTopic: string;
  discoveryPrefix: string;
  /** The per-install id (NavienAuth.installId()) in the bridge device's discovery topic and ids. */
  installId: string;
  /** Stable per install (two processes with one id kick each other off); default `nwp500-bridge-<random>`. */
  clientId?: string;
  log: Logger;
  clock?: Clock;
  random?: () => number;
  /** Random wait after HA's birth before the birth listeners run (HA asks for jitter). */
  birthDelayMs?: [min: number, max: number];
  /** Delay between reconnect attempts; default 1 s doubling to 30 s, ±50 % jitter. */
  reconnectBackoff?: BackoffPolicy;
  /** Upper bound for `stop()` (publishing `offline`, then closing). */
  stopTimeoutMs?: number;
  keepaliveSecs?: number;
  connectTimeoutMs?: number;
  /** TLS only: verify the broker's certificate (default true). */
  rejectUnauthorized?: boolean;
  /** Most topics the retained cache holds; beyond it publishes still go out but are not re-asserted. */
  maxRetainedTopics?: number;
  /** Test seam: how the mqtt.js client is created. */
  connect?: (options: IClientOptions) => MqttClient;
}

export interface LocalBrokerStats {
  connected: boolean;
  /** Successful connects after the first one. */
  reconnects: number;
  /** Packets handed to mqtt.js (re-asserted ones included). */
  published: number;
  received: number;
  /** Retained publishes skipped because the payload equalled the cached one. */
  suppressed: number;
  /** Non-retained publishes made while disconnected (retained ones wait in the cache instead). */
  dropped: number;
  /** Message handlers that threw. */
  handlerErrors: number;
  /** HA birth messages (`online`) seen. */
  births: number;
  retainedTopics: number;
}

interface CachedMessage {
  payload: string;
  qos: Qos;
}

const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 30_000 };

export class LocalBroker {
  readonly topics: Topics;
  readonly clientId: string;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly birthDelay: [number, number];
  private readonly backoff: BackoffPolicy;
  private readonly stopTimeoutMs: number;
  private readonly maxRetainedTopics: number;
  private readonly createClient: (options: IClientOptions) => MqttClient;

  private client: MqttClient | undefined;
  private connected = false;
  private everConnected = false;
  private stopping = false;
  private attempt = 0;
  private reconnectTimer: TimerHandle | undefined;
  private birthTimer: TimerHandle | undefined;
  private cacheFullWarned = false;

  /** Latest retained payload per topic, in first-publish order. */
  private readonly retained = new Map<string, CachedMessage>();
  /** Topics cleared while disconnected: their empty retained payload is still owed to the broker. */
  private readonly pendingClears = new Set<string>();
  private readonly handlers = new Map<string, Set<MessageHandler>>();
  private readonly connectedListeners = new Set<() => void>();
  private readonly birthListeners = new Set<() => void>();
  private readonly counters = {
    reconnects: 0,
    published: 0,
    received: 0,
    suppressed: 0,
    dropped: 0,
    handlerErrors: 0,
    births: 0,
  };

  constructor(private readonly opts: LocalBrokerOptions) {
    this.topics = topics(opts.baseTopic, opts.discoveryPrefix, opts.installId);
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.birthDelay = opts.birthDelayMs ?? [2000, 8000];
    this.backoff = opts.reconnectBackoff ?? DEFAULT_BACKOFF;
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 3000;
    this.maxRetainedTopics = opts.maxRetainedTopics ?? 10_000;
    this.createClient = opts.connect ?? ((options) => mqttConnect(options));
    this.clientId = opts.clientId ?? `nwp500-bridge-${Math.floor(this.random() * 0xffffffff).toString(16)}`;
    this.subscribe(this.topics.homeAssistantStatus, (_topic, payload) => this.onStatus(payload));
  }

  /** Connects in the background; failures are logged and retried, never thrown. */
  start(): void {
    if (this.client || this.stopping) return;
    this.cache(this.topics.bridgeAvailability, AVAILABILITY_ONLINE, 1);
    const { settings } = this.opts;
    const options: IClientOptions = {
      host: settings.host,
      port: settings.port,
      protocol: settings.ssl ? 'mqtts' : 'mqtt',
      protocolVersion: 4,
      clientId: this.clientId,
      clean: true,
      keepalive: this.opts.keepaliveSecs ?? 60,
      connectTimeout: this.opts.connectTimeoutMs ?? 30_000,
      // mqtt.js only knows a fixed reconnect period; this class reconnects itself, with backoff, on
      // every close (refused CONNACKs included, which is what reconnectOnConnackError asks for).
      reconnectPeriod: 0,
      reconnectOnConnackError: true,
      // Subscriptions are re-made by this class after every connect (mqtt.js forgets them when it
      // does not reconnect by itself).
      resubscribe: false,
      queueQoSZero: false,
      will: {
        topic: this.topics.bridgeAvailability,
        payload: Buffer.from(AVAILABILITY_OFFLINE),
        qos: 1,
        retain: true,
      },
    };
    if (settings.username !== undefined) options.username = settings.username;
    if (settings.password !== undefined) options.password = settings.password;
    if (settings.ssl) options.rejectUnauthorized = this.opts.rejectUnauthorized ?? true;
    this.log.info(
      {
        host: settings.host,
        port: settings.port,
        tls: settings.ssl,
        source: settings.source,
        clientId: this.clientId,
      },
      'connecting to the local MQTT broker',
    );
    let client: MqttClient;
    try {
      client = this.createClient(options);
    } catch (error) {
      this.log.error({ err: error }, 'could not create the local MQTT client; retrying');
      this.scheduleRetryWithoutClient();
      return;
    }
    this.attach(client);
  }

  private scheduleRetryWithoutClient(): void {
    if (this.stopping || this.reconnectTimer) return;
    this.attempt++;
    this.reconnectTimer = this.clock.setTimeout(
      () => {
        this.reconnectTimer = undefined;
        this.start();
      },
      backoffDelay(this.backoff, this.attempt, this.random),
    );
  }

  private attach(client: MqttClient): void {
    this.client = client;
    // An `error` event without a listener would crash the process.
    client.on('error', (error) => this.onError(error));
    client.on('connect', () => this.onConnect());
    client.on('close', () => this.onClose());
    client.on('message', (topic, payload, packet) =>
      this.dispatch(topic, payload, { retain: packet.retain }),
    );
  }

  private onConnect(): void {
    this.attempt = 0;
    this.connected = true;
    if (this.everConnected) this.counters.reconnects++;
    this.everConnected = true;
    if (this.stopping) return;
    this.log.info({ reconnects: this.counters.reconnects }, 'connected to the local MQTT broker');
    this.resubscribeAll();
    this.reassert();
    for (const listener of this.connectedListeners) this.safely('connected listener', listener);
  }

  private onClose(): void {
    const wasConnected = this.connected;
    this.connected = false;
    this.dropInFlight();
    if (this.stopping) return;
    if (wasConnected) this.log.warn('lost the connection to the local MQTT broker; reconnecting');
    this.scheduleReconnect();
  }

  private onError(error: Error): void {
    const code = (error as { code?: unknown }).code;
    if (code === 4 || code === 5) {
      this.log.error(
        { err: error.message, code },
        'the local MQTT broker refused the credentials; check mqtt_username/mqtt_password or the Mosquitto add-on',
      );
      return;
    }
    // One warning per outage (and every tenth attempt), not one per retry.
    const level = this.attempt <= 1 || this.attempt % 10 === 0 ? 'warn' : 'debug';
    this.log[level](
      { err: error.message, code, attempt: this.attempt },
      'local MQTT broker connection error',
    );
  }

  /**
   * QoS 1 publishes still waiting for their PUBACK when the connection closed can never be confirmed
   * (the next session is clean), yet mqtt.js keeps them, so they would pile up over outages and make
   * a graceful `end()` wait forever. Retained ones come back from the cache on reconnect anyway.
   */
  private dropInFlight(): void {
    const client = this.client;
    if (!client) return;
    for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.reconnectTimer || !this.client) return;
    this.attempt++;
    const delay = backoffDelay(this.backoff, this.attempt, this.random);
    this.log.debug({ attempt: this.attempt, delayMs: Math.round(delay) }, 'local MQTT reconnect scheduled');
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopping || !this.client) return;
      try {
        this.client.reconnect();
      } catch (error) {
        this.log.warn({ err: error }, 'local MQTT reconnect failed to start');
        this.scheduleReconnect();
      }
    }, delay);
  }

  /**
   * Publishes now if connected. Retained payloads are cached (the latest per topic) and re-asserted
   * after every reconnect; one equal to the cached payload is skipped. Non-retained publishes made
   * while disconnected are dropped and counted.
   */
  publish(topic: string, payload: string, opts: { retain?: boolean; qos?: Qos } = {}): void {
    const retain = opts.retain ?? false;
    const qos = opts.qos ?? 1;
    if (retain && payload === '') {
      this.clear(topic);
      return;
    }
    if (retain) {
      if (this.retained.get(topic)?.payload === payload) {
        this.counters.suppressed++;
        return;
      }
      this.pendingClears.delete(topic);
      this.cache(topic, payload, qos);
    }
    if (!this.connected) {
      if (!retain) this.counters.dropped++;
      return;
    }
    this.send(topic, payload, qos, retain);
  }

  /** Removes a retained message from the broker (empty retained payload) and forgets the cached value. */
  clear(topic: string): void {
    this.retained.delete(topic);
    if (this.connected) {
      this.send(topic, '', 1, true);
    } else if (this.pendingClears.size < this.maxRetainedTopics) {
      this.pendingClears.add(topic);
    }
  }

  /** Sends the whole retained cache again, ignoring change detection (e.g. after HA's birth). */
  republishRetained(): number {
    if (!this.connected) return 0;
    return this.sendCache();
  }

  /** Every topic whose retained message this client holds on the broker (for a clean-up on exit). */
  retainedTopics(): string[] {
    return [...this.retained.keys()];
  }

  /** The cached retained payload of `topic`, if any. */
  retainedPayload(topic: string): string | undefined {
    return this.retained.get(topic)?.payload;
  }

  subscribe(filter: string, handler: MessageHandler): () => void {
    let set = this.handlers.get(filter);
    if (!set) {
      set = new Set();
      this.handlers.set(filter, set);
      if (this.connected)
        this.client?.subscribe(filter, { qos: 1 }, (error) => this.onSubscribed(error, [filter]));
    }
    set.add(handler);
    return () => {
      const current = this.handlers.get(filter);
      if (!current?.delete(handler) || current.size > 0) return;
      this.handlers.delete(filter);
      if (this.connected) this.client?.unsubscribe(filter);
    };
  }

  /** Called after each (re)connect, once subscriptions and the retained cache have been re-asserted. */
  onConnected(listener: () => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  /** Called a random `birthDelayMs` after HA announces itself (`<prefix>/status` = `online`). */
  onHomeAssistantBirth(listener: () => void): () => void {
    this.birthListeners.add(listener);
    return () => this.birthListeners.delete(listener);
  }

  isConnected(): boolean {
    return this.connected;
  }

  stats(): LocalBrokerStats {
    return { connected: this.connected, ...this.counters, retainedTopics: this.retained.size };
  }

  /** Publishes `offline` (retained) and disconnects; never takes longer than `stopTimeoutMs` per step. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.clock.clearTimeout(this.reconnectTimer);
    this.clock.clearTimeout(this.birthTimer);
    this.reconnectTimer = undefined;
    this.birthTimer = undefined;
    const client = this.client;
    if (!client) return;
    this.cache(this.topics.bridgeAvailability, AVAILABILITY_OFFLINE, 1);
    if (this.connected) {
      try {
        await this.bounded(
          client.publishAsync(this.topics.bridgeAvailability, AVAILABILITY_OFFLINE, { qos: 1, retain: true }),
        );
        this.counters.published++;
      } catch (error) {
        this.log.warn(
          { err: error },
          'could not publish offline before disconnecting; the broker will send the LWT',
        );
      }
    }
    try {
      await this.bounded(client.endAsync(false));
    } catch {
      client.end(true);
    }
    this.connected = false;
    this.log.info('disconnected from the local MQTT broker');
  }

  private async bounded<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    // A real timer on purpose: it bounds real socket I/O during shutdown, whatever clock drives the rest.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out after ${this.stopTimeoutMs} ms`)),
        this.stopTimeoutMs,
      );
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private cache(topic: string, payload: string, qos: Qos): void {
    if (!this.retained.has(topic) && this.retained.size >= this.maxRetainedTopics) {
      if (!this.cacheFullWarned) {
        this.cacheFullWarned = true;
        this.log.warn(
          { max: this.maxRetainedTopics },
          'retained cache full; new topics will not be re-asserted',
        );
      }
      return;
    }
    this.retained.set(topic, { payload, qos });
  }

  private send(topic: string, payload: string, qos: Qos, retain: boolean): void {
    const client = this.client;
    if (!client) return;
    this.counters.published++;
    client.publish(topic, payload, { qos, retain }, (error) => {
      if (error) this.log.debug({ err: error.message, topic }, 'local MQTT publish not confirmed');
    });
  }

  /** After a reconnect: owed clears, then discovery before everything else (HA needs configs first). */
  private reassert(): void {
    for (const topic of this.pendingClears) this.send(topic, '', 1, true);
    this.pendingClears.clear();
    this.sendCache();
  }

  private sendCache(): number {
    const discoveryRoot = `${this.topics.discoveryPrefix}/`;
    const entries = [...this.retained];
    const ordered = [
      ...entries.filter(([topic]) => topic.startsWith(discoveryRoot)),
      ...entries.filter(([topic]) => !topic.startsWith(discoveryRoot)),
    ];
    for (const [topic, { payload, qos }] of ordered) this.send(topic, payload, qos, true);
    return ordered.length;
  }

  private resubscribeAll(): void {
    const filters = [...this.handlers.keys()];
    if (filters.length === 0 || !this.client) return;
    this.client.subscribe(filters, { qos: 1 }, (error) => this.onSubscribed(error, filters));
  }

  private onSubscribed(error: Error | null | undefined, filters: string[]): void {
    if (error) this.log.warn({ err: error.message, filters: filters.length }, 'local MQTT subscribe failed');
  }

  private dispatch(topic: string, payload: Buffer, info: MessageInfo): void {
    this.counters.received++;
    for (const [filter, set] of this.handlers) {
      if (!topicMatches(filter, topic)) continue;
      for (const handler of set) {
        try {
          handler(topic, payload, info);
        } catch (error) {
          this.counters.handlerErrors++;
          this.log.warn({ err: error, filter }, 'an MQTT message handler failed; the message was skipped');
        }
      }
    }
  }

  private onStatus(payload: Buffer): void {
    if (payload.toString('utf8').trim() !== AVAILABILITY_ONLINE) return;
    this.counters.births++;
    const [min, max] = this.birthDelay;
    const delay = min + this.random() * Math.max(0, max - min);
    // A second birth before the first fired (HA reloaded twice) restarts the wait: one republish.
    this.clock.clearTimeout(this.birthTimer);
    this.log.info(
      { delayMs: Math.round(delay) },
      'Home Assistant came online; republishing after a short delay',
    );
    this.birthTimer = this.clock.setTimeout(() => {
      this.birthTimer = undefined;
      for (const listener of this.birthListeners) this.safely('birth listener', listener);
    }, delay);
  }

  private safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.counters.handlerErrors++;
      this.log.warn({ err: error }, `a ${what} failed`);
    }
  }
}
