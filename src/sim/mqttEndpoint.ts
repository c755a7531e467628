// The simulated AWS IoT MQTT endpoint: an in-process aedes broker (MQTT 3.1.1) behind ws:// and
// wss:// listeners on path /mqtt, doing to clients what AWS IoT does — credential checks at the
// handshake only, one connection per client id, capped keep-alive, a 128 KB payload limit, a
// maximum connection lifetime, expiring persistent sessions — plus the network faults tests need.

import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes, type Client } from 'aedes';
import { WebSocketServer } from 'ws';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { HandshakeRejectReason, SimCounters } from './counters.js';
import { SimLink, type Transport } from './link.js';
import type { TlsMaterial } from './tlsCert.js';
import type { CredentialCheck } from './tokens.js';

export interface KeepAliveLimits {
  /** Requests below this are raised to it (AWS: 30 s). */
  minSecs: number;
  /** Requests above this, or 0, become this (AWS: 1200 s). */
  maxSecs: number;
}

export interface MqttEndpointOptions {
  host: string;
  wsPort: number;
  wssPort: number;
  tls: TlsMaterial;
  clock: Clock;
  logger: Logger;
  counters: SimCounters;
  checkCredentials: (accessKeyId: string | undefined, sessionToken: string | undefined) => CredentialCheck;
  maxConnectionLifetimeMs: number;
  maxPayloadBytes: number;
  keepAlive: KeepAliveLimits;
  /** How long a clean_session=false session outlives its connection (AWS default: 1 h). */
  sessionExpiryMs: number;
}

export interface ConnectionInfo {
  clientId: string | undefined;
  transport: Transport;
  /** Connection age in ms (simulator clock). */
  ageMs: number;
  blackholed: boolean;
}

export type ClientPublishListener = (topic: string, payload: Buffer, clientId: string) => void;

export interface EndpointFaultState {
  blackhole: boolean;
  refuseConnections: boolean;
  hangUpgrade: boolean;
  maxConnectionLifetimeMs: number;
}

interface SessionStore {
  cleanSubscriptions(client: { id: string }): Promise<unknown>;
}

/** aedes keeps its persistence on the instance without typing it; the simulator only needs this. */
function sessionStoreOf(broker: Aedes): SessionStore | undefined {
  const candidate: unknown = Reflect.get(broker, 'persistence');
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const clean: unknown = Reflect.get(candidate, 'cleanSubscriptions');
  if (typeof clean !== 'function') return undefined;
  return { cleanSubscriptions: (client) => Promise.resolve(clean.call(candidate, client)) };
}

/** True once aedes has seen the client's DISCONNECT packet (a private flag, read defensively). */
function sentDisconnect(client: Client): boolean {
  return Reflect.get(client, '_disconnected') === true;
}

const MAX_WS_FRAME_BYTES = 4 * 1024 * 1024;
const SHUTDOWN_GRACE_MS = 500;

const HTTP_REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  503: 'Service Unavailable',
};

export class MqttEndpoint {
  readonly wsPort: number;
  readonly wssPort: number;

  private readonly links = new Set<SimLink>();
  private readonly lifetimeTimers = new Map<SimLink, TimerHandle>();
  private readonly sessionTimers = new Map<string, TimerHandle>();
  /** Sockets whose upgrade is being held unanswered (hung upgrade, blackhole). */
  private readonly heldUpgrades = new Set<Duplex>();
  /** Sockets answered with an HTTP error, until they close. */
  private readonly rejectedSockets = new Set<Duplex>();
  private readonly publishListeners: ClientPublishListener[] = [];
  private readonly wsServer = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WS_FRAME_BYTES,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
  });
  private readonly log: Logger;
  private faults: EndpointFaultState;
  private closing = false;

  private constructor(
    private readonly options: MqttEndpointOptions,
    private readonly broker: Aedes,
    private readonly httpServer: Server,
    private readonly httpsServer: Server,
  ) {
    this.log = options.logger;
    this.wsPort = (httpServer.address() as AddressInfo).port;
    this.wssPort = (httpsServer.address() as AddressInfo).port;
    this.faults = {
      blackhole: false,
      refuseConnections: false,
      hangUpgrade: false,
      maxConnectionLifetimeMs: options.maxConnectionLifetimeMs,
    };
  }

  static async start(options: MqttEndpointOptions): Promise<MqttEndpoint> {
    const broker = await Aedes.createBroker();
    const httpServer = createHttpServer(answerPlainRequest);
    const httpsServer = createHttpsServer(
      { cert: options.tls.cert, key: options.tls.key },
      answerPlainRequest,
    );
    try {
      await listen(httpServer, options.host, options.wsPort);
      await listen(httpsServer, options.host, options.wssPort);
    } catch (error) {
      httpServer.close();
      httpsServer.close();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      throw error;
    }
    const endpoint = new MqttEndpoint(options, broker, httpServer, httpsServer);
    endpoint.wire();
    return endpoint;
  }

  /** Called for every PUBLISH a connected client sends (after the broker accepted it). */
  onClientPublish(listener: ClientPublishListener): void {
    this.publishListeners.push(listener);
  }

  /** Publishes as the cloud side (a device reply, an injected payload), QoS 1, not retained. */
  publish(topic: string, payload: string | Buffer): void {
    if (this.closing) return;
    this.broker.publish(
      { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false },
      (error) => {
        if (error) this.log.warn({ err: error }, 'simulated cloud publish failed');
      },
    );
  }

  liveClientIds(): string[] {
    const ids: string[] = [];
    for (const link of this.links) if (link.clientId !== undefined && link.isAlive) ids.push(link.clientId);
    return ids;
  }

  connections(): ConnectionInfo[] {
    const now = this.options.clock.monotonic();
    return [...this.links].map((link) => ({
      clientId: link.clientId,
      transport: link.transport,
      ageMs: now - link.openedAtMs,
      blackholed: link.isBlackholed,
    }));
  }

  faultState(): EndpointFaultState {
    return { ...this.faults };
  }

  /** Clean close of every connection (UNEXPECTED_HANGUP over wss). Returns how many. */
  hangUpAll(): number {
    for (const link of this.links) link.hangUp('hangup');
    return this.links.size;
  }

  /** Abrupt close of every connection (SOCKET_CLOSED). Returns how many. */
  resetAll(): number {
    for (const link of this.links) link.reset('reset');
    return this.links.size;
  }

  /** Closes the client's connection the way a duplicate-client-id takeover does. */
  kickClient(clientId: string): boolean {
    let kicked = false;
    for (const link of this.links) {
      if (link.clientId === clientId && link.isAlive) {
        link.hangUp('kicked');
        kicked = true;
      }
    }
    return kicked;
  }

  setBlackhole(on: boolean): void {
    this.faults.blackhole = on;
    for (const link of this.links) link.setBlackhole(on);
    this.releaseHeldUpgrades();
  }

  setRefuseConnections(on: boolean): void {
    this.faults.refuseConnections = on;
  }

  setHangUpgrade(on: boolean): void {
    this.faults.hangUpgrade = on;
    this.releaseHeldUpgrades();
  }

  /** Applies to live connections too (measured from when each opened). */
  setMaxConnectionLifetime(ms: number): void {
    this.faults.maxConnectionLifetimeMs = ms;
    for (const link of this.links) this.scheduleLifetime(link);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const clock = this.options.clock;
    for (const timer of this.lifetimeTimers.values()) clock.clearTimeout(timer);
    this.lifetimeTimers.clear();
    for (const timer of this.sessionTimers.values()) clock.clearTimeout(timer);
    this.sessionTimers.clear();
    for (const socket of [...this.heldUpgrades, ...this.rejectedSockets]) socket.destroy();
    const open = [...this.links].filter((link) => !link.isClosed);
    for (const link of open) link.hangUp('shutdown');
    await Promise.race([
      Promise.all(open.map((link) => new Promise<void>((resolve) => link.onClosed(() => resolve())))),
      new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref()),
    ]);
    for (const link of this.links) link.reset('shutdown');
    this.wsServer.close();
    await new Promise<void>((resolve) => this.broker.close(() => resolve()));
    await Promise.all([closeServer(this.httpServer), closeServer(this.httpsServer)]);
  }

  private wire(): void {
    const { broker } = this;
    this.httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade('ws', req, socket, head),
    );
    this.httpsServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade('wss', req, socket, head),
    );
    this.httpsServer.on('tlsClientError', (error) => this.log.debug({ err: error }, 'TLS handshake failed'));

    broker.preConnect = (client, packet, callback) => {
      // AWS IoT clamps keep-alive instead of refusing: 0 or too long → the maximum.
      const { minSecs, maxSecs } = this.options.keepAlive;
      if (!packet.keepalive || packet.keepalive > maxSecs) packet.keepalive = maxSecs;
      else if (packet.keepalive < minSecs) packet.keepalive = minSecs;
      const link = client.conn instanceof SimLink ? client.conn : undefined;
      for (const other of this.links) {
        if (other !== link && other.clientId === packet.clientId && other.isAlive) {
          other.noteReason('duplicate-client-id');
        }
      }
      callback(null, true);
    };
    broker.authorizePublish = (client, packet, callback) => {
      const size = Buffer.byteLength(packet.payload);
      if (client && size > this.options.maxPayloadBytes) {
        if (client.conn instanceof SimLink) client.conn.noteReason('oversized-publish');
        this.log.info({ bytes: size }, 'client published more than the payload limit; closing it');
        callback(new Error('payload exceeds the 128 KB limit'));
        return;
      }
      if (packet.topic.startsWith('$')) {
        callback(new Error('reserved topic'));
        return;
      }
      callback(null);
    };
    broker.on('client', (client) => {
      if (client.conn instanceof SimLink) client.conn.clientId = client.id;
      const timer = this.sessionTimers.get(client.id);
      if (timer) {
        this.options.clock.clearTimeout(timer);
        this.sessionTimers.delete(client.id);
      }
    });
    broker.on('clientDisconnect', (client) => {
      if (!client.clean) this.scheduleSessionExpiry(client.id);
    });
    broker.on('keepaliveTimeout', (client) => {
      if (client.conn instanceof SimLink) client.conn.noteReason('keepalive-timeout');
    });
    broker.on('clientError', (_client, error) => this.log.debug({ err: error }, 'MQTT client error'));
    broker.on('connectionError', (_client, error) => this.log.debug({ err: error }, 'MQTT connection error'));
    broker.on('publish', (packet, client) => {
      if (!client) return;
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      for (const listener of this.publishListeners) {
        try {
          listener(packet.topic, payload, client.id);
        } catch (error) {
          this.log.error({ err: error }, 'publish listener failed; message ignored');
        }
      }
    });
  }

  private onUpgrade(transport: Transport, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (error) => this.log.debug({ err: error }, 'upgrade socket error'));
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.faults.refuseConnections) {
      this.rejectUpgrade(socket, 503, 'refused');
      return;
    }
    if (this.faults.hangUpgrade || this.faults.blackhole) {
      this.heldUpgrades.add(socket);
      socket.once('close', () => this.heldUpgrades.delete(socket));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    if (url.pathname !== '/mqtt') {
      this.rejectUpgrade(socket, 404, 'bad-path');
      return;
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((protocol) => protocol.trim());
    if (!offered.includes('mqtt')) {
      this.rejectUpgrade(socket, 400, 'bad-subprotocol');
      return;
    }
    const accessKeyId = url.searchParams.get('X-Amz-Credential')?.split('/')[0];
    const sessionToken = url.searchParams.get('X-Amz-Security-Token') ?? undefined;
    const check = this.options.checkCredentials(accessKeyId, sessionToken);
    if (!check.ok) {
      this.rejectUpgrade(socket, 403, check.reason);
      return;
    }
    this.wsServer.handleUpgrade(req, socket, head, (ws) => {
      const link = new SimLink(ws, socket as Socket, {
        transport,
        accessKeyId: accessKeyId ?? '',
        openedAtMs: this.options.clock.monotonic(),
      });
      this.accept(link, req);
    });
  }

  private accept(link: SimLink, req: IncomingMessage): void {
    this.links.add(link);
    this.options.counters.connectionsAccepted += 1;
    if (this.faults.blackhole) link.setBlackhole(true);
    link.onClosed(() => {
      this.links.delete(link);
      this.options.clock.clearTimeout(this.lifetimeTimers.get(link));
      this.lifetimeTimers.delete(link);
      const reason = link.closeReason ?? 'client-closed';
      this.options.counters.disconnects[reason] += 1;
      this.log.debug({ reason, transport: link.transport }, 'MQTT connection closed');
    });
    this.scheduleLifetime(link);
    const client = this.broker.handle(link, req);
    link.destroyReason = () => (sentDisconnect(client) ? 'client-closed' : undefined);
  }

  private scheduleLifetime(link: SimLink): void {
    const clock = this.options.clock;
    clock.clearTimeout(this.lifetimeTimers.get(link));
    const remaining = link.openedAtMs + this.faults.maxConnectionLifetimeMs - clock.monotonic();
    this.lifetimeTimers.set(
      link,
      clock.setTimeout(
        () => {
          this.lifetimeTimers.delete(link);
          link.hangUp('max-lifetime');
        },
        Math.max(0, remaining),
      ),
    );
  }

  private scheduleSessionExpiry(clientId: string): void {
    const clock = this.options.clock;
    clock.clearTimeout(this.sessionTimers.get(clientId));
    this.sessionTimers.set(
      clientId,
      clock.setTimeout(() => {
        this.sessionTimers.delete(clientId);
        if (this.liveClientIds().includes(clientId)) return;
        sessionStoreOf(this.broker)
          ?.cleanSubscriptions({ id: clientId })
          .catch((error: unknown) => this.log.warn({ err: error }, 'could not expire a persistent session'));
      }, this.options.sessionExpiryMs),
    );
  }

  private rejectUpgrade(socket: Duplex, status: number, reason: HandshakeRejectReason): void {
    this.options.counters.connectionsRefused += 1;
    this.options.counters.handshakesRejected[reason] += 1;
    this.log.debug({ status, reason }, 'WebSocket upgrade rejected');
    const body = JSON.stringify({ message: reason });
    this.rejectedSockets.add(socket);
    socket.once('close', () => this.rejectedSockets.delete(socket));
    socket.end(
      `HTTP/1.1 ${status} ${HTTP_REASONS[status] ?? 'Error'}\r\n` +
        'Connection: close\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  /** Held upgrades are dropped once nothing holds them any more (their clients then retry). */
  private releaseHeldUpgrades(): void {
    if (this.faults.hangUpgrade || this.faults.blackhole) return;
    for (const socket of this.heldUpgrades) socket.destroy();
    this.heldUpgrades.clear();
  }
}

function answerPlainRequest(_req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify({ message: 'WebSocket upgrade required on /mqtt' });
  res.writeHead(426, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function listen(server: Server, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
