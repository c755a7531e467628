// The simulated Navien REST API: sign-in, token refresh, device list/info/firmware (POST + JSON)
// and the registered TOU plan (GET + query), with the `{code, msg, data}` envelope, on a loopback
// node:http server. Requests under `/_sim/` are handed to the control API instead. Bad input of any
// kind gets an error envelope.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { Logger } from '../util/logger.js';
import type { SimCounters } from './counters.js';
import type { SimDevice } from './device.js';
import type { TokenAuthority } from './tokens.js';
import { DEVICE_TYPE } from './wire.js';

export interface SimAccount {
  email: string;
  password: string;
  userSeq: number;
  firstName: string;
  lastName: string;
}

export interface Envelope {
  code: number;
  msg: string;
  data: unknown;
}

export interface HttpAnswer {
  status: number;
  body: unknown;
}

/**
 * How errors travel: `envelope` answers HTTP 200 with the error in `code` (what the library's docs
 * show for bad credentials); `http-status` also sets the HTTP status to `code`. Malformed requests
 * and unknown routes always get a 4xx HTTP status.
 */
export type RestErrorStyle = 'envelope' | 'http-status';

export type ControlHandler = (
  method: string,
  url: URL,
  body: unknown,
) => HttpAnswer | undefined | Promise<HttpAnswer | undefined>;

/**
 * What `/device/list` answers: the account's devices (`normal`), or one of the bad answers a real
 * cloud might give: an empty list, `data` that is not a list, or an entry without a valid MAC.
 */
export const DEVICE_LIST_ANSWERS = ['normal', 'empty', 'not-a-list', 'bad-entry'] as const;
export type DeviceListAnswer = (typeof DEVICE_LIST_ANSWERS)[number];

/** Test and demo control over the simulated device list (also `POST /_sim/device-list`). */
export class DeviceListControl {
  answer: DeviceListAnswer = 'normal';
  /** Devices left out of every answer, as if removed from the account in the app. */
  readonly hidden = new Set<string>();

  hide(mac: string, hidden = true): void {
    if (hidden) this.hidden.add(mac.toLowerCase());
    else this.hidden.delete(mac.toLowerCase());
  }

  reset(): void {
    this.answer = 'normal';
    this.hidden.clear();
  }

  state(): { answer: DeviceListAnswer; hidden: string[] } {
    return { answer: this.answer, hidden: [...this.hidden] };
  }
}

export interface RestServerDeps {
  basePath: string;
  account: SimAccount;
  tokens: TokenAuthority;
  devices: () => readonly SimDevice[];
  counters: SimCounters;
  logger: Logger;
  errorStyle: RestErrorStyle;
  /** True while the "REST outage" fault is on: every API route answers 503. */
  outage: () => boolean;
  /** How `/device/list` answers (default: always the devices as they are). */
  deviceList?: DeviceListControl;
  control?: ControlHandler;
}

const MAX_BODY_BYTES = 64 * 1024;
const MAX_PAGE = 20;

const signInSchema = z.object({ userId: z.string().min(1), password: z.string().min(1) });
const refreshSchema = z.object({ refreshToken: z.string().min(1) });
const deviceListSchema = z.object({
  offset: z.number().int().min(0).default(0),
  count: z.number().int().min(1).default(MAX_PAGE),
  userId: z.string().min(1),
});
const deviceLookupSchema = z.object({
  macAddress: z.string().min(1),
  additionalValue: z.string(),
  userId: z.string().min(1),
});
const touQuerySchema = deviceLookupSchema.extend({
  controllerId: z.string().min(1),
  userType: z.string().default('O'),
});

const ok = (data: unknown): Envelope => ({ code: 200, msg: 'SUCCESS', data });
const failure = (code: number, msg: string): Envelope => ({ code, msg, data: null });
const BAD_REQUEST = failure(400, 'BAD_REQUEST');
const NOT_FOUND = failure(404, 'NOT_FOUND');
const UNAUTHORIZED = failure(401, 'Unauthorized');

class BodyError extends Error {
  constructor(readonly status: number) {
    super(`request body rejected (${status})`);
  }
}

export class RestServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(deps: RestServerDeps, host: string, port: number): Promise<RestServer> {
    const log = deps.logger;
    const server = createServer((req, res) => {
      handle(deps, req, res).catch((error: unknown) => {
        log.error({ err: error }, 'simulated REST handler failed');
        if (!res.headersSent) send(res, { status: 500, body: failure(500, 'INTERNAL_SERVER_ERROR') });
        else res.destroy();
      });
    });
    server.on('clientError', (_error, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new RestServer(server, (server.address() as AddressInfo).port);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

async function handle(deps: RestServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sim.invalid');
  const method = req.method ?? 'GET';
  let body: unknown;
  try {
    body = await readJsonBody(req);
  } catch (error) {
    const status = error instanceof BodyError ? error.status : 400;
    send(res, { status, body: failure(status, status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST') });
    return;
  }

  if (url.pathname === '/_sim/device-list' && deps.deviceList) {
    send(res, controlDeviceList(deps.deviceList, method, url));
    return;
  }
  if (url.pathname.startsWith('/_sim/') && deps.control) {
    const answer = await deps.control(method, url, body);
    send(res, answer ?? { status: 404, body: NOT_FOUND });
    return;
  }

  deps.counters.restRequests += 1;
  const route = url.pathname.startsWith(`${deps.basePath}/`)
    ? url.pathname.slice(deps.basePath.length)
    : undefined;
  const post = route === undefined ? undefined : ROUTES[route];
  const get = route === undefined ? undefined : GET_ROUTES[route];
  if (!post && !get) {
    deps.counters.restErrors += 1;
    send(res, { status: 404, body: NOT_FOUND });
    return;
  }
  const handler = method === 'POST' ? post : method === 'GET' ? get : undefined;
  if (!handler) {
    deps.counters.restErrors += 1;
    send(res, { status: 405, body: failure(405, 'METHOD_NOT_ALLOWED') });
    return;
  }
  if (deps.outage()) {
    deps.counters.restErrors += 1;
    send(res, { status: 503, body: failure(503, 'SERVICE_UNAVAILABLE') });
    return;
  }
  // GET routes take their parameters from the query string, POST routes from a JSON body.
  const input = method === 'GET' ? Object.fromEntries(url.searchParams) : body;
  if (input === undefined) {
    deps.counters.restErrors += 1;
    send(res, { status: 400, body: BAD_REQUEST });
    return;
  }
  const envelope = handler(deps, input, headerValue(req.headers.authorization));
  deps.logger.debug({ route, code: envelope.code }, 'simulated REST call');
  if (envelope.code !== 200) deps.counters.restErrors += 1;
  const malformed = envelope === BAD_REQUEST;
  const status =
    envelope.code === 200 ? 200 : malformed || deps.errorStyle === 'http-status' ? envelope.code : 200;
  send(res, { status, body: envelope });
}

type RouteHandler = (deps: RestServerDeps, body: unknown, authorization: string | undefined) => Envelope;

const ROUTES: Readonly<Record<string, RouteHandler>> = {
  '/user/sign-in': signIn,
  '/auth/refresh': refresh,
  '/device/list': (deps, body, auth) => withAuth(deps, auth, () => deviceList(deps, body)),
  '/device/info': (deps, body, auth) => withAuth(deps, auth, () => deviceInfo(deps, body)),
  '/device/firmware/info': (deps, body, auth) => withAuth(deps, auth, () => firmwareInfo(deps, body)),
};

/** Routes read with GET and query parameters (the app reads the TOU plan that way). */
const GET_ROUTES: Readonly<Record<string, RouteHandler>> = {
  '/device/tou': (deps, query, auth) => withAuth(deps, auth, () => touInfo(deps, query)),
};

function signIn(deps: RestServerDeps, body: unknown): Envelope {
  const parsed = signInSchema.safeParse(body);
  if (!parsed.success) return BAD_REQUEST;
  const { account } = deps;
  const { userId, password } = parsed.data;
  if (userId.toLowerCase() !== account.email.toLowerCase() || password !== account.password) {
    deps.counters.signInFailures += 1;
    return failure(401, 'Invalid credentials');
  }
  deps.counters.signIns += 1;
  return ok({
    userInfo: {
      userType: 'O',
      userFirstName: account.firstName,
      userLastName: account.lastName,
      userStatus: 'NORMAL',
      userSeq: account.userSeq,
    },
    token: deps.tokens.signIn(account.userSeq),
    legal: [],
  });
}

function refresh(deps: RestServerDeps, body: unknown): Envelope {
  const parsed = refreshSchema.safeParse(body);
  if (!parsed.success) return BAD_REQUEST;
  const tokens = deps.tokens.refresh(parsed.data.refreshToken);
  if (!tokens) {
    deps.counters.refreshFailures += 1;
    return failure(401, 'Invalid refresh token');
  }
  deps.counters.refreshes += 1;
  return ok(tokens);
}

function withAuth(deps: RestServerDeps, authorization: string | undefined, next: () => Envelope): Envelope {
  // The cloud takes the bare access token; a `Bearer ` prefix is not understood.
  return deps.tokens.isAccessTokenValid(authorization) ? next() : UNAUTHORIZED;
}

function isAccountUser(deps: RestServerDeps, userId: string): boolean {
  return userId.toLowerCase() === deps.account.email.toLowerCase();
}

function deviceList(deps: RestServerDeps, body: unknown): Envelope {
  const parsed = deviceListSchema.safeParse(body);
  if (!parsed.success) return BAD_REQUEST;
  if (!isAccountUser(deps, parsed.data.userId)) return failure(403, 'FORBIDDEN');
  const { offset, count } = parsed.data;
  const control = deps.deviceList;
  const answer = control?.answer ?? 'normal';
  if (answer === 'empty') return ok([]);
  if (answer === 'not-a-list') return ok({ devices: 'unavailable' });
  const listed = deps.devices().filter((device) => !control?.hidden.has(device.macAddress));
  const page: unknown[] = listed
    .slice(offset, offset + Math.min(count, MAX_PAGE))
    .map((device) => ({ deviceInfo: restDeviceInfo(device), location: { ...device.location } }));
  // An entry whose MAC cannot be read: the client cannot know which heater it was.
  if (answer === 'bad-entry') page.push({ deviceInfo: { deviceName: 'Water Heater', macAddress: 'n/a' } });
  return ok(page);
}

const deviceListQuery = z.object({
  answer: z.enum(DEVICE_LIST_ANSWERS).optional(),
  hide: z
    .string()
    .regex(/^[0-9a-fA-F]{12}$/)
    .optional(),
  show: z
    .string()
    .regex(/^[0-9a-fA-F]{12}$/)
    .optional(),
  reset: z.enum(['1', 'true']).optional(),
});

/**
 * `GET /_sim/device-list` shows the setting; `POST /_sim/device-list?answer=empty|not-a-list|bad-entry|normal`
 * sets the answer, `&hide=MAC` / `&show=MAC` leaves a device out or back in, `?reset=1` restores it all.
 */
function controlDeviceList(control: DeviceListControl, method: string, url: URL): HttpAnswer {
  if (method === 'GET') return { status: 200, body: { ok: true, ...control.state() } };
  if (method !== 'POST') return { status: 405, body: { ok: false, error: 'method not allowed' } };
  const parsed = deviceListQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) return { status: 400, body: { ok: false, error: z.prettifyError(parsed.error) } };
  const { answer, hide, show, reset } = parsed.data;
  if (reset) control.reset();
  if (answer) control.answer = answer;
  if (hide) control.hide(hide);
  if (show) control.hide(show, false);
  return { status: 200, body: { ok: true, ...control.state() } };
}

function findDevice(deps: RestServerDeps, body: unknown): SimDevice | Envelope {
  const parsed = deviceLookupSchema.safeParse(body);
  if (!parsed.success) return BAD_REQUEST;
  if (!isAccountUser(deps, parsed.data.userId)) return failure(403, 'FORBIDDEN');
  const mac = parsed.data.macAddress.toLowerCase();
  const device = deps
    .devices()
    .find(
      (candidate) =>
        candidate.macAddress === mac && candidate.additionalValue === parsed.data.additionalValue,
    );
  return device ?? NOT_FOUND;
}

function deviceInfo(deps: RestServerDeps, body: unknown): Envelope {
  const device = findDevice(deps, body);
  if (!('macAddress' in device)) return device;
  return ok({
    deviceInfo: restDeviceInfo(device),
    location: { ...device.location },
    installer: null,
    alarmInfo: null,
    descaling: null,
  });
}

function firmwareInfo(deps: RestServerDeps, body: unknown): Envelope {
  const device = findDevice(deps, body);
  if (!('macAddress' in device)) return device;
  return ok({
    firmwares: device.firmware().map((part) => ({
      macAddress: device.macAddress,
      additionalValue: device.additionalValue,
      deviceType: DEVICE_TYPE,
      ...part,
      deviceGroup: 'NWP500',
    })),
  });
}

/** `GET /device/tou`: the plan registered for the device; `controllerId` is its serial. */
function touInfo(deps: RestServerDeps, query: unknown): Envelope {
  const parsed = touQuerySchema.safeParse(query);
  if (!parsed.success) return BAD_REQUEST;
  const device = findDevice(deps, parsed.data);
  if (!('macAddress' in device)) return device;
  if (parsed.data.controllerId !== device.controllerSerialNumber) return failure(404, 'NOT_FOUND');
  const plan = device.touRegistration();
  return ok({
    registerPath: 'wifi',
    sourceType: 'openei',
    touInfo: {
      controllerId: device.controllerSerialNumber,
      manufactureId: device.macAddress,
      name: plan.name,
      utility: plan.utility,
      zipCode: plan.zipCode,
      schedule: plan.schedule,
    },
  });
}

/** `deviceInfo` as the REST API reports it; `connected` 2 = online, 1 = offline. */
export function restDeviceInfo(device: SimDevice): Record<string, unknown> {
  return {
    homeSeq: device.homeSeq,
    macAddress: device.macAddress,
    additionalValue: device.additionalValue,
    deviceType: DEVICE_TYPE,
    deviceName: device.deviceName,
    connected: device.online ? 2 : 1,
    installType: device.installType,
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `undefined` for an empty body; throws BodyError for oversized or non-JSON bodies. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(buffer);
  }
  if (tooLarge) throw new BodyError(413);
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new BodyError(400);
  }
}

function send(res: ServerResponse, answer: HttpAnswer): void {
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
