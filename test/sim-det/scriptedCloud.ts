// The Navien cloud in memory, on the virtual clock: AWS IoT (connections per client id, topic
// routing, PUBACKs), the NaviLink REST API (sign-in, refresh, device list) and two simulated
// heaters (the simulator's own device model answers every request). Faults are switched by the
// schedule; every outcome that is left to chance is drawn from the run's PRNG.

import type { CloudError } from '../../src/navien/errors.js';
import type { AwsCredentials } from '../../src/navien/tokens.js';
import { SimDevice } from '../../src/sim/device.js';
import type { Logger } from '../../src/util/logger.js';
import type { Prng } from './prng.js';
import type { SimScheduler } from './scheduler.js';

export type DeviceListAnswer = 'normal' | 'empty' | 'not-a-list' | 'bad-entry';

export interface CloudFaults {
  /** Nothing gets through: upgrades hang, publishes vanish, pings fail. */
  blackhole: boolean;
  /** Every upgrade is refused at once. */
  refuseConnects: boolean;
  /** Chance an upgrade never gets an answer. */
  hungConnectP: number;
  /** Chance a connect fails with a socket error. */
  connectFailP: number;
  /** Chance a publish reaches the cloud but its PUBACK is lost (the operation timeout fails it). */
  lostAckP: number;
  /** Chance a publish never settles at all (aws-crt keeps it pending forever). */
  hungPublishP: number;
  /** Chance an operation still pending when its connection is closed never settles (else rejected). */
  closeHangsOpsP: number;
  /** Chance constructing a connection throws (a bad CA file: AWS_ERROR_INVALID_ARGUMENT). */
  constructThrowsP: number;
  /** REST calls fail with a network error. */
  restDown: boolean;
  /** REST calls get no answer until the client's 30 s timeout. */
  restHangs: boolean;
  deviceList: DeviceListAnswer;
  /** Heaters left out of the device list, as if removed in the app. */
  hidden: Set<string>;
}

export function calmFaults(): CloudFaults {
  return {
    blackhole: false,
    refuseConnects: false,
    hungConnectP: 0,
    connectFailP: 0,
    lostAckP: 0,
    hungPublishP: 0,
    closeHangsOpsP: 0.5,
    constructThrowsP: 0,
    restDown: false,
    restHangs: false,
    deviceList: 'normal',
    hidden: new Set(),
  };
}

/** What the bridge's connection options give a transport (a subset of CrtConnectionOptions). */
export interface TransportOptions {
  clientId: string;
  keepAliveSecs: number;
  pingTimeoutMs: number;
  operationTimeoutMs: number;
  credentials: () => AwsCredentials | undefined;
}

export interface TransportHandlersLike {
  onMessage(topic: string, payload: Buffer): void;
  onInterrupt(error: CloudError): void;
}

/** One command publish as the cloud received it. */
export interface Receipt {
  device: string;
  payload: string;
  connection: number;
  atMono: number;
}

/** A device-list answer the bridge received, for the removal rule. */
export interface ListAnswer {
  kind: DeviceListAnswer;
  listed: string[];
  /** The bridge's wall clock when it got the answer. */
  wallMs: number;
}

interface PendingOp {
  what: string;
  resolve: () => void;
  reject: (error: unknown) => void;
  timer?: { id: number };
  /** Never settles, whatever happens to the connection. */
  hung: boolean;
}

const CONTROL_SUFFIX = /^cmd\/52\/navilink-([0-9a-f]{12})\/(.+)$/;

function crtError(name: string, detail: string): Error & { error_name: string } {
  const error = new Error(`libaws-c-mqtt: ${name}, ${detail}`) as Error & { error_name: string };
  error.error_name = name;
  return error;
}

function cloudError(name: string, message: string): CloudError {
  return { name, code: null, message };
}

/** MQTT topic-filter match (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export class SimTransport {
  state: 'idle' | 'connecting' | 'live' | 'dead' | 'closed' = 'idle';
  abandoned = false;
  readonly subs = new Set<string>();
  private readonly ops = new Set<PendingOp>();

  constructor(
    readonly id: number,
    private readonly cloud: ScriptedCloud,
    readonly options: TransportOptions,
    private readonly handlers: TransportHandlersLike,
  ) {}

  connect(): Promise<boolean> {
    const { cloud } = this;
    if (this.state !== 'idle') return Promise.reject(crtError('AWS_ERROR_MQTT_ALREADY_CONNECTED', 'reused'));
    this.state = 'connecting';
    return new Promise<boolean>((resolve, reject) => {
      const f = cloud.faults;
      if (f.blackhole || cloud.rng.chance(f.hungConnectP)) {
        cloud.trace(`conn#${this.id} connect hangs (upgrade never answered)`);
        return;
      }
      cloud.after(cloud.rng.int(20, 800), () => {
        if (this.state !== 'connecting') {
          reject(crtError('AWS_ERROR_MQTT_CONNECTION_DESTROYED', 'closed while connecting'));
          return;
        }
        const fail = (name: string, why: string) => {
          this.state = 'dead';
          cloud.trace(`conn#${this.id} connect failed: ${name}`);
          reject(crtError(name, why));
        };
        if (cloud.faults.refuseConnects) return fail('AWS_IO_SOCKET_CONNECTION_REFUSED', 'refused');
        if (cloud.rng.chance(cloud.faults.connectFailP)) return fail('AWS_IO_SOCKET_TIMEOUT', 'socket');
        const creds = this.options.credentials();
        if (!creds) return fail('AWS_AUTH_SIGNING_NO_CREDENTIALS', 'no credentials');
        if (!cloud.awsValid(creds)) return fail('AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE', '403');
        // AWS IoT allows one connection per client id: the older one is hung up.
        for (const other of cloud.live)
          if (other.options.clientId === this.options.clientId)
            other.die('AWS_ERROR_MQTT_UNEXPECTED_HANGUP', 'duplicate client id');
        this.state = 'live';
        cloud.live.add(this);
        const sessionPresent = cloud.rng.chance(0.5);
        cloud.trace(`conn#${this.id} connected (session_present=${sessionPresent})`);
        resolve(sessionPresent);
      });
    });
  }

  subscribe(filter: string): Promise<void> {
    const { cloud } = this;
    if (this.state !== 'live') return Promise.reject(crtError('AWS_ERROR_MQTT_NOT_CONNECTED', 'subscribe'));
    return new Promise<void>((resolve, reject) => {
      // aws-crt's operation timeout covers publishes and unsubscribes, not subscribes.
      const op: PendingOp = { what: `subscribe ${filter}`, resolve, reject, hung: false };
      this.ops.add(op);
      if (cloud.faults.blackhole) return;
      op.timer = cloud.after(cloud.rng.int(5, 200), () => {
        if (this.state !== 'live' || !this.ops.has(op)) return;
        this.ops.delete(op);
        if (cloud.rng.chance(0.02)) {
          reject({ name: 'NAVIEN_SUBSCRIBE_REFUSED', code: 128, message: 'subscription refused' });
          return;
        }
        this.subs.add(filter);
        resolve();
      });
    });
  }

  publish(topic: string, payload: string): Promise<void> {
    const { cloud } = this;
    if (this.state === 'closed' || this.state === 'idle' || this.state === 'connecting')
      return Promise.reject(crtError('AWS_ERROR_MQTT_NOT_CONNECTED', 'publish'));
    return new Promise<void>((resolve, reject) => {
      const op: PendingOp = { what: `publish ${cloud.describe(payload)}`, resolve, reject, hung: false };
      this.ops.add(op);
      // Interrupted but not yet closed: aws-crt keeps it for a resume that never comes.
      if (this.state === 'dead') return;
      const f = cloud.faults;
      const timeout = () => {
        op.timer = cloud.after(this.options.operationTimeoutMs, () => {
          if (!this.ops.has(op)) return;
          this.ops.delete(op);
          reject(crtError('AWS_ERROR_MQTT_TIMEOUT', 'no PUBACK'));
        });
      };
      if (f.blackhole) {
        if (cloud.rng.chance(0.5)) {
          op.hung = true;
          cloud.trace(`conn#${this.id} ${cloud.describe(payload)} lost in the blackhole, publish hangs`);
        } else timeout();
        return;
      }
      if (cloud.rng.chance(f.hungPublishP)) {
        op.hung = true;
        if (cloud.rng.chance(0.5)) cloud.receive(this, topic, payload);
        cloud.trace(`conn#${this.id} ${cloud.describe(payload)} publish hangs forever`);
        return;
      }
      cloud.receive(this, topic, payload);
      if (cloud.isCommand(payload))
        cloud.trace(`conn#${this.id} ${cloud.describe(payload)} reached the cloud`);
      if (cloud.rng.chance(f.lostAckP)) {
        cloud.trace(`conn#${this.id} ${cloud.describe(payload)} PUBACK lost`);
        timeout();
        return;
      }
      op.timer = cloud.after(cloud.rng.int(5, 300), () => {
        if (this.state !== 'live' || !this.ops.has(op)) return;
        this.ops.delete(op);
        cloud.acked(payload);
        if (cloud.isCommand(payload)) cloud.trace(`conn#${this.id} ${cloud.describe(payload)} PUBACK`);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    const wasLive = this.state === 'live';
    this.state = 'closed';
    this.cloud.live.delete(this);
    this.subs.clear();
    this.settleOnClose();
    if (wasLive) this.cloud.trace(`conn#${this.id} closed by the bridge`);
    return Promise.resolve();
  }

  abandon(): void {
    this.abandoned = true;
    this.cloud.trace(`conn#${this.id} abandoned`);
    void this.close();
  }

  unacknowledged(): number {
    return this.ops.size;
  }

  /** The server side ends a live connection (hang-up, RST, ping timeout, duplicate client id). */
  die(name: string, why: string): void {
    if (this.state !== 'live') return;
    this.state = 'dead';
    this.cloud.live.delete(this);
    this.subs.clear();
    this.cloud.trace(`conn#${this.id} interrupted: ${name} (${why})`);
    this.handlers.onInterrupt(cloudError(name, `${name}: ${why}`));
  }

  deliver(topic: string, payload: string): void {
    if (this.state !== 'live') return;
    for (const filter of this.subs) {
      if (topicMatches(filter, topic)) {
        this.handlers.onMessage(topic, Buffer.from(payload));
        return;
      }
    }
  }

  /** Operations left when the connection is closed: rejected as aws-crt's disconnect does, or hung. */
  private settleOnClose(): void {
    for (const op of [...this.ops]) {
      this.ops.delete(op);
      this.cloud.clearTimer(op.timer);
      if (op.hung || this.cloud.rng.chance(this.cloud.faults.closeHangsOpsP)) {
        this.cloud.hungOps++;
        if (!op.hung) this.cloud.trace(`conn#${this.id} ${op.what} left pending forever by the close`);
        continue;
      }
      op.reject(crtError('AWS_ERROR_MQTT_CONNECTION_DESTROYED', `${op.what} on a closed connection`));
    }
  }
}

interface IssuedAws {
  expiresAtTrue: number;
  revoked: boolean;
}

export interface ScriptedCloudOptions {
  sched: SimScheduler;
  rng: Prng;
  log: Logger;
  macs: readonly string[];
  /** AWS credential lifetime the sign-in grants, seconds. */
  awsLifeSecs: number;
  /** JWT lifetime, seconds. */
  jwtLifeSecs: number;
  trace: (line: string) => void;
}

export class ScriptedCloud {
  faults: CloudFaults = calmFaults();
  readonly live = new Set<SimTransport>();
  readonly transports: SimTransport[] = [];
  readonly devices = new Map<string, SimDevice>();
  readonly receipts: Receipt[] = [];
  readonly listAnswers: ListAnswer[] = [];
  /** Describes a payload for the trace (set by the world: command #n, or the request kind). */
  describe: (payload: string) => string = () => 'message';
  /** True for an HA command's payload (set by the world). */
  isCommand: (payload: string) => boolean = () => false;
  /** Told of every PUBACK that reached the bridge. */
  acked: (payload: string) => void = () => undefined;
  hungOps = 0;
  signIns = 0;
  /** REST calls the bridge is waiting on. */
  restInFlight = 0;
  readonly rng: Prng;
  private readonly aws = new Map<string, IssuedAws>();
  private readonly accessTokens = new Map<string, number>();
  private readonly refreshTokens = new Set<string>();
  private serial = 0;
  private readonly startTrue: number;

  constructor(private readonly options: ScriptedCloudOptions) {
    this.rng = options.rng;
    this.startTrue = options.sched.now();
    for (const mac of options.macs) {
      this.devices.set(
        mac,
        new SimDevice(
          { macAddress: mac },
          { clock: options.sched.clockFor('sim-device'), logger: options.log },
        ),
      );
    }
  }

  trace(line: string): void {
    this.options.trace(line);
  }

  /** True time (what AWS and NaviLink go by): the bridge's wall clock may have jumped, this never does. */
  trueNow(): number {
    return this.startTrue + this.options.sched.monotonic();
  }

  after(ms: number, fn: () => void): { id: number } {
    return this.options.sched.setTimer('sim', fn, ms);
  }

  clearTimer(handle: { id: number } | undefined): void {
    this.options.sched.clearTimer(handle);
  }

  createTransport(options: TransportOptions, handlers: TransportHandlersLike): SimTransport {
    if (this.rng.chance(this.faults.constructThrowsP)) {
      this.trace('constructing a connection throws (AWS_ERROR_INVALID_ARGUMENT)');
      throw crtError('AWS_ERROR_INVALID_ARGUMENT', 'bad CA file');
    }
    const transport = new SimTransport(this.transports.length + 1, this, options, handlers);
    this.transports.push(transport);
    return transport;
  }

  /** Connections the bridge has not closed or abandoned (the live one, zombies, ones being set up). */
  openTransports(): SimTransport[] {
    return this.transports.filter((t) => t.state !== 'closed' && t.state !== 'dead' && t.state !== 'idle');
  }

  setBlackhole(on: boolean): void {
    this.faults.blackhole = on;
    if (!on) return;
    for (const transport of this.live) {
      const { keepAliveSecs, pingTimeoutMs } = transport.options;
      this.after(keepAliveSecs * 1000 + pingTimeoutMs, () => {
        if (this.faults.blackhole) transport.die('AWS_ERROR_MQTT_TIMEOUT', 'ping timeout');
      });
    }
  }

  hangUpAll(name: string): void {
    for (const transport of [...this.live]) transport.die(name, 'server hang-up');
  }

  /** A publish the cloud accepted: commands are logged, requests go to the device, replies come back. */
  receive(from: SimTransport, topic: string, payload: string): void {
    const match = CONTROL_SUFFIX.exec(topic);
    if (!match) return;
    const [, mac = '', suffix = ''] = match;
    const device = this.devices.get(mac);
    if (suffix === 'ctrl')
      this.receipts.push({
        device: mac,
        payload,
        connection: from.id,
        atMono: this.options.sched.monotonic(),
      });
    if (!device) return;
    const result = device.handleRequest(suffix, Buffer.from(payload), from.options.clientId);
    for (const reply of result.replies) {
      this.after(this.rng.int(10, 500), () => {
        if (this.faults.blackhole) return;
        for (const transport of this.live) transport.deliver(reply.topic, reply.payload);
      });
    }
  }

  // --- credentials -------------------------------------------------------------------------

  awsValid(creds: AwsCredentials): boolean {
    const issued = this.aws.get(creds.accessKeyId);
    return issued !== undefined && !issued.revoked && this.trueNow() < issued.expiresAtTrue;
  }

  /** Every AWS credential issued so far stops working (revoked or expired early). */
  expireAwsCredentials(): void {
    for (const issued of this.aws.values()) issued.revoked = true;
  }

  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  // --- REST --------------------------------------------------------------------------------

  /** A `fetch` answering the NaviLink REST API from memory, on the virtual clock. */
  readonly fetch = ((input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const path = url.pathname.replace(/^\/api/, '');
    const headers = (init?.headers ?? {}) as Record<string, string>;
    let body: Record<string, unknown> = {};
    try {
      body = typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : {};
    } catch {
      body = {};
    }
    this.restInFlight++;
    const done =
      <T>(settle: (value: T) => void) =>
      (value: T) => {
        this.restInFlight--;
        settle(value);
      };
    return new Promise<Response>((resolveRaw, rejectRaw) => {
      const resolve = done(resolveRaw);
      const reject = done(rejectRaw);
      if (this.faults.restHangs) {
        this.after(30_000, () => {
          const error = new Error('The operation was aborted due to timeout');
          error.name = 'TimeoutError';
          reject(error);
        });
        return;
      }
      this.after(this.rng.int(20, 600), () => {
        if (this.faults.restDown) {
          reject(new TypeError('fetch failed'));
          return;
        }
        const { status, envelope } = this.answer(path, body, headers.authorization);
        resolve(this.response(status, envelope));
      });
    });
  }) as typeof globalThis.fetch;

  private response(status: number, envelope: unknown): Response {
    const text = JSON.stringify(envelope);
    const date = new Date(this.trueNow()).toUTCString();
    return {
      ok: status >= 200 && status < 300,
      status,
      headers: { get: (name: string) => (name.toLowerCase() === 'date' ? date : null) },
      text: () => Promise.resolve(text),
    } as unknown as Response;
  }

  private answer(
    path: string,
    body: Record<string, unknown>,
    authorization: string | undefined,
  ): { status: number; envelope: unknown } {
    const ok = (data: unknown) => ({ status: 200, envelope: { code: 200, msg: 'SUCCESS', data } });
    if (path === '/user/sign-in') {
      this.signIns++;
      this.trace('REST sign-in');
      return ok({ userInfo: { userSeq: 4242, userType: 'O' }, token: this.issueTokens(true) });
    }
    if (path === '/auth/refresh') {
      const refreshToken = String(body.refreshToken ?? '');
      if (!this.refreshTokens.has(refreshToken))
        return { status: 200, envelope: { code: 401, msg: 'INVALID_TOKEN', data: null } };
      return ok(this.issueTokens(false));
    }
    const expires = authorization ? this.accessTokens.get(authorization) : undefined;
    if (expires === undefined || this.trueNow() >= expires)
      return { status: 200, envelope: { code: 401, msg: 'UNAUTHORIZED', data: null } };
    if (path === '/device/list') return ok(this.deviceList());
    return { status: 200, envelope: { code: 404, msg: 'NOT_FOUND', data: null } };
  }

  private issueTokens(withAws: boolean): Record<string, unknown> {
    const n = ++this.serial;
    const accessToken = `access-${n}`;
    const refreshToken = `refresh-${n}`;
    this.accessTokens.set(accessToken, this.trueNow() + this.options.jwtLifeSecs * 1000);
    this.refreshTokens.add(refreshToken);
    const tokens: Record<string, unknown> = {
      idToken: `id-${n}`,
      accessToken,
      refreshToken,
      authenticationExpiresIn: this.options.jwtLifeSecs,
    };
    if (withAws) {
      const accessKeyId = `AKIASIM${n}`;
      this.aws.set(accessKeyId, {
        expiresAtTrue: this.trueNow() + this.options.awsLifeSecs * 1000,
        revoked: false,
      });
      Object.assign(tokens, {
        accessKeyId,
        secretKey: `secret-${n}`,
        sessionToken: `session-${n}`,
        authorizationExpiresIn: this.options.awsLifeSecs,
      });
    }
    return tokens;
  }

  private deviceList(): unknown {
    const kind = this.faults.deviceList;
    const listed =
      kind === 'normal' ? [...this.devices.keys()].filter((m) => !this.faults.hidden.has(m)) : [];
    this.listAnswers.push({ kind, listed, wallMs: this.options.sched.now() });
    this.trace(`REST device list answered ${kind}${kind === 'normal' ? ` [${listed.length} heaters]` : ''}`);
    if (kind === 'empty') return [];
    if (kind === 'not-a-list') return { devices: 'oops' };
    if (kind === 'bad-entry') return [{ deviceInfo: { macAddress: 'not-a-mac' } }];
    return listed.map((mac) => ({
      deviceInfo: {
        macAddress: mac,
        additionalValue: '5322',
        deviceType: 52,
        deviceName: `Heater ${mac.slice(-4)}`,
        connected: 2,
        homeSeq: 1,
        installType: 'R',
      },
    }));
  }
}
