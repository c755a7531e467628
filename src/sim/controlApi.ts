// The simulator's HTTP control API, served on the REST port beside the fake Navien API, for the
// standalone sim and the demo (tests call the handle's methods directly).
//
//   GET  /_sim/state                                   counters, live clients, connections, faults, devices
//   POST /_sim/faults/hangup                           clean close of every MQTT connection
//   POST /_sim/faults/reset                            abrupt close of every MQTT connection
//   POST /_sim/faults/blackhole?on=1|0                 drop bytes both ways; hold new upgrades
//   POST /_sim/faults/refuse?on=1|0                    answer new upgrades with 503
//   POST /_sim/faults/hang-upgrade?on=1|0              never answer new upgrades
//   POST /_sim/faults/expire-credentials               every AWS credential set expires now
//   POST /_sim/faults/expire-access-tokens             every REST access token expires now
//   POST /_sim/faults/kick?clientId=ID                 duplicate-client-id style close of one client
//   POST /_sim/faults/device-online?mac=MAC&on=1|0     take a device offline / back online
//   POST /_sim/faults/malformed?mac=MAC[&kind=K]       publish a broken payload (kinds in MALFORMED_KINDS)
//   POST /_sim/faults/oversized?mac=MAC[&bytes=N]      publish a payload over 128 KB
//   POST /_sim/faults/junk?kind=malformed|oversized|empty&topic=T   publish junk on any topic
//   POST /_sim/faults/max-lifetime?ms=N                maximum MQTT connection lifetime
//   POST /_sim/faults/rest-outage?on=1|0               every REST API route answers 503
//   GET  /_sim/devices/MAC/commands[?since=SEQ]        every command the device received, in order
//   GET|POST /_sim/device-list?answer=A&hide=MAC&show=MAC  how /device/list answers (served by rest.ts)
//
// Answers are JSON: `{ok: true, ...}`, or `{ok: false, error}` with 400 (bad query) / 404 (no such route).

import { z } from 'zod';
import type { ReceivedCommand } from './device.js';
import { DEFAULT_OVERSIZED_BYTES, type FaultControls, JUNK_KINDS, MALFORMED_KINDS } from './faults.js';
import type { ControlHandler, HttpAnswer } from './rest.js';

const onOff = z
  .enum(['1', '0', 'true', 'false', 'on', 'off'])
  .transform((value) => ['1', 'true', 'on'].includes(value));
const mac = z.string().regex(/^[0-9a-fA-F]{12}$/);
const onQuery = z.object({ on: onOff });
const kickQuery = z.object({ clientId: z.string().min(1) });
const deviceOnlineQuery = z.object({ mac, on: onOff });
const malformedQuery = z.object({ mac, kind: z.enum(MALFORMED_KINDS).optional() });
const oversizedQuery = z.object({ mac, bytes: z.coerce.number().int().min(1).max(16_777_216).optional() });
const junkQuery = z.object({ kind: z.enum(JUNK_KINDS), topic: z.string().min(1).max(256) });
const commandsQuery = z.object({ since: z.coerce.number().int().min(0).optional() });
const lifetimeQuery = z.object({ ms: z.coerce.number().int().min(0) });

type FaultRoute = (faults: FaultControls, query: Record<string, string>) => HttpAnswer;

const okAnswer = (result: Record<string, unknown> = {}): HttpAnswer => ({
  status: 200,
  body: { ok: true, ...result },
});
const unknownDevice: HttpAnswer = { status: 404, body: { ok: false, error: 'no such device' } };

/** A fault route whose query string is checked against `schema` first. */
function route<S extends z.ZodType>(
  schema: S,
  run: (faults: FaultControls, query: z.infer<S>) => HttpAnswer,
): FaultRoute {
  return (faults, query) => {
    const parsed = schema.safeParse(query);
    if (!parsed.success) return { status: 400, body: { ok: false, error: z.prettifyError(parsed.error) } };
    return run(faults, parsed.data);
  };
}

const FAULT_ROUTES: Readonly<Record<string, FaultRoute>> = {
  hangup: (faults) => okAnswer({ closed: faults.hangUpAll() }),
  reset: (faults) => okAnswer({ closed: faults.resetAll() }),
  blackhole: route(onQuery, (faults, { on }) => {
    faults.blackhole(on);
    return okAnswer({ on });
  }),
  refuse: route(onQuery, (faults, { on }) => {
    faults.refuseConnections(on);
    return okAnswer({ on });
  }),
  'hang-upgrade': route(onQuery, (faults, { on }) => {
    faults.hangUpgrade(on);
    return okAnswer({ on });
  }),
  'expire-credentials': (faults) => okAnswer({ expired: faults.expireCredentials() }),
  'expire-access-tokens': (faults) => okAnswer({ expired: faults.expireAccessTokens() }),
  kick: route(kickQuery, (faults, { clientId }) => okAnswer({ kicked: faults.kickClient(clientId) })),
  'device-online': route(deviceOnlineQuery, (faults, { mac: address, on }) =>
    faults.setDeviceOnline(address, on) ? okAnswer({ on }) : unknownDevice,
  ),
  malformed: route(malformedQuery, (faults, { mac: address, kind }) =>
    faults.sendMalformed(address, kind) === undefined
      ? unknownDevice
      : okAnswer({ kind: kind ?? 'truncated-json' }),
  ),
  oversized: route(oversizedQuery, (faults, { mac: address, bytes }) => {
    const size = bytes ?? DEFAULT_OVERSIZED_BYTES;
    return faults.sendOversized(address, size) === undefined ? unknownDevice : okAnswer({ bytes: size });
  }),
  junk: route(junkQuery, (faults, { kind, topic }) =>
    faults.sendJunk(kind, topic)
      ? okAnswer({ kind, topic })
      : { status: 400, body: { ok: false, error: 'the topic is not publishable (wildcards, $, NUL)' } },
  ),
  'max-lifetime': route(lifetimeQuery, (faults, { ms }) => {
    faults.setMaxConnectionLifetime(ms);
    return okAnswer({ ms });
  }),
  'rest-outage': route(onQuery, (faults, { on }) => {
    faults.restOutage(on);
    return okAnswer({ on });
  }),
};

/** A device's command log, as the control API serves it. */
export interface CommandLogSource {
  commands(mac: string): { received: readonly ReceivedCommand[]; dropped: number } | undefined;
}

const COMMANDS_PATH = /^\/_sim\/devices\/([0-9a-fA-F]{12})\/commands$/;

export function createControlHandler(
  faults: FaultControls,
  state: () => unknown,
  log?: CommandLogSource,
): ControlHandler {
  return (method, url) => {
    if (url.pathname === '/_sim/state') {
      return method === 'GET' ? { status: 200, body: state() } : methodNotAllowed();
    }
    const commandsFor = COMMANDS_PATH.exec(url.pathname)?.[1];
    if (commandsFor !== undefined && log) {
      if (method !== 'GET') return methodNotAllowed();
      const parsed = commandsQuery.safeParse(Object.fromEntries(url.searchParams));
      if (!parsed.success) return { status: 400, body: { ok: false, error: z.prettifyError(parsed.error) } };
      const found = log.commands(commandsFor);
      if (!found) return unknownDevice;
      const since = parsed.data.since ?? 0;
      return okAnswer({
        mac: commandsFor.toLowerCase(),
        dropped: found.dropped,
        commands: found.received.filter((entry) => entry.seq > since),
      });
    }
    const name = url.pathname.startsWith('/_sim/faults/') ? url.pathname.slice('/_sim/faults/'.length) : '';
    const route = FAULT_ROUTES[name];
    if (!route) return undefined;
    if (method !== 'POST') return methodNotAllowed();
    return route(faults, Object.fromEntries(url.searchParams));
  };
}

function methodNotAllowed(): HttpAnswer {
  return { status: 405, body: { ok: false, error: 'method not allowed' } };
}
