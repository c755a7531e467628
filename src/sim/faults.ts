// Fault controls of the simulated cloud, each one observable from a real client: hang-ups, resets,
// blackholes, refused or hung handshakes, expired credentials, kicked clients, offline devices,
// malformed, oversized and empty payloads on any topic a client listens on, connection lifetime,
// REST outage.

import type { SimDevice } from './device.js';
import type { DeviceFleet } from './fleet.js';
import type { EndpointFaultState, MqttEndpoint } from './mqttEndpoint.js';
import { isPublishableTopic } from './requestSchema.js';
import type { TokenAuthority } from './tokens.js';
import { COMMAND, DEVICE_TYPE, deviceTopicRoot } from './wire.js';

export const MALFORMED_KINDS = [
  'truncated-json',
  'not-json',
  'empty',
  'wrong-types',
  'unknown-enums',
  'missing-fields',
] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/** What a junk fault publishes: a broken payload, one over 128 KB, or zero bytes. */
export const JUNK_KINDS = ['malformed', 'oversized', 'empty'] as const;
export type JunkKind = (typeof JUNK_KINDS)[number];

/** Just over AWS IoT's 128 KB payload limit. */
export const DEFAULT_OVERSIZED_BYTES = 132 * 1024;

export interface FaultState extends EndpointFaultState {
  restOutage: boolean;
}

export interface FaultControls {
  /** Clean close of every MQTT connection (aws-crt over wss: AWS_ERROR_MQTT_UNEXPECTED_HANGUP). */
  hangUpAll(): number;
  /** Abrupt close of every MQTT connection (AWS_IO_SOCKET_CLOSED). */
  resetAll(): number;
  /** Live connections go silent both ways; new upgrades get no answer while on. */
  blackhole(on: boolean): void;
  /** New upgrades are answered with HTTP 503. */
  refuseConnections(on: boolean): void;
  /** New TCP connections are accepted but their upgrade is never answered. */
  hangUpgrade(on: boolean): void;
  /** Every issued AWS credential set expires now; new handshakes get 403 until a new sign-in. */
  expireCredentials(): number;
  /** Every issued access token expires now; REST calls get 401 until a refresh or sign-in. */
  expireAccessTokens(): number;
  /** Closes that client's connection as a duplicate-client-id takeover would. */
  kickClient(clientId: string): boolean;
  /** Offline devices answer nothing and show `connected: 1` in the device list. */
  setDeviceOnline(mac: string, on: boolean): boolean;
  /** Publishes a broken payload where the device's replies go; returns the topic, if the MAC is known. */
  sendMalformed(mac: string, kind?: MalformedKind): string | undefined;
  /** Publishes a reply-shaped payload bigger than 128 KB; returns the topic, if the MAC is known. */
  sendOversized(mac: string, bytes?: number): string | undefined;
  /**
   * Publishes junk on any concrete topic (a client's reply topics, a device's event topic…), so
   * every topic a bridge listens on can be tried; false when the topic is not publishable.
   */
  sendJunk(kind: JunkKind, topic: string): boolean;
  setMaxConnectionLifetime(ms: number): void;
  /** Every REST API route answers HTTP 503 while on. */
  restOutage(on: boolean): void;
  state(): FaultState;
}

export interface FaultDeps {
  endpoint: MqttEndpoint;
  fleet: DeviceFleet;
  tokens: TokenAuthority;
}

export function createFaultControls(deps: FaultDeps): FaultControls & { isRestOutage(): boolean } {
  const { endpoint, fleet, tokens } = deps;
  let restOutage = false;

  const replyTopic = (device: SimDevice): string =>
    device.lastResponseTopic ?? `${deviceTopicRoot(device.macAddress)}/res`;

  return {
    hangUpAll: () => endpoint.hangUpAll(),
    resetAll: () => endpoint.resetAll(),
    blackhole: (on) => endpoint.setBlackhole(on),
    refuseConnections: (on) => endpoint.setRefuseConnections(on),
    hangUpgrade: (on) => endpoint.setHangUpgrade(on),
    expireCredentials: () => tokens.expireAwsCredentials(),
    expireAccessTokens: () => tokens.expireAccessTokens(),
    kickClient: (clientId) => endpoint.kickClient(clientId),
    setDeviceOnline(mac, on) {
      const device = fleet.device(mac);
      if (!device) return false;
      device.online = on;
      return true;
    },
    sendMalformed(mac, kind = 'truncated-json') {
      const device = fleet.device(mac);
      if (!device) return undefined;
      const topic = replyTopic(device);
      endpoint.publish(topic, malformedPayload(device, kind));
      return topic;
    },
    sendOversized(mac, bytes = DEFAULT_OVERSIZED_BYTES) {
      const device = fleet.device(mac);
      if (!device) return undefined;
      const topic = replyTopic(device);
      endpoint.publish(topic, oversizedPayload(device, bytes));
      return topic;
    },
    sendJunk(kind, topic) {
      if (!isPublishableTopic(topic)) return false;
      const device = fleet.devices[0];
      const payload =
        kind === 'empty'
          ? Buffer.alloc(0)
          : kind === 'oversized'
            ? device
              ? oversizedPayload(device, DEFAULT_OVERSIZED_BYTES)
              : Buffer.alloc(DEFAULT_OVERSIZED_BYTES, 0x7b)
            : device
              ? malformedPayload(device, 'truncated-json')
              : Buffer.from('{"response":');
      endpoint.publish(topic, payload);
      return true;
    },
    setMaxConnectionLifetime: (ms) => endpoint.setMaxConnectionLifetime(ms),
    restOutage(on) {
      restOutage = on;
    },
    state: () => ({ ...endpoint.faultState(), restOutage }),
    isRestOutage: () => restOutage,
  };
}

function statusEnvelope(device: SimDevice, status: Record<string, unknown>): Record<string, unknown> {
  return {
    clientID: 'sim',
    sessionID: '',
    requestTopic: `${deviceTopicRoot(device.macAddress)}/st`,
    responseTopic: device.lastResponseTopic ?? `${deviceTopicRoot(device.macAddress)}/res`,
    response: {
      command: COMMAND.statusRequest,
      deviceType: DEVICE_TYPE,
      macAddress: device.macAddress,
      status,
    },
  };
}

function malformedPayload(device: SimDevice, kind: MalformedKind): Buffer {
  switch (kind) {
    case 'truncated-json':
      return Buffer.from(JSON.stringify(statusEnvelope(device, { ...device.status() })).slice(0, 120));
    case 'not-json':
      return Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37, 0x7b, 0x7b, 0x5d]);
    case 'empty':
      return Buffer.alloc(0);
    case 'wrong-types':
      return Buffer.from(
        JSON.stringify(
          statusEnvelope(device, {
            ...device.status(),
            dhwTemperature: 'hot',
            dhwOperationSetting: 'eco',
            operationMode: null,
            tankUpperTemperature: { value: 586 },
            currentInstPower: [450],
          }),
        ),
      );
    case 'unknown-enums':
      return Buffer.from(
        JSON.stringify(
          statusEnvelope(device, {
            ...device.status(),
            operationMode: 17,
            dhwOperationSetting: 9,
            currentHeatUse: 7,
            drEventStatus: 42,
            errorCode: 12345,
            temperatureType: 5,
          }),
        ),
      );
    case 'missing-fields':
      return Buffer.from(JSON.stringify(statusEnvelope(device, { command: COMMAND.statusRequest })));
  }
}

function oversizedPayload(device: SimDevice, bytes: number): Buffer {
  const base = JSON.stringify(statusEnvelope(device, { ...device.status(), padding: '' }));
  const padding = 'x'.repeat(Math.max(0, bytes - Buffer.byteLength(base)));
  return Buffer.from(JSON.stringify(statusEnvelope(device, { ...device.status(), padding })));
}

/**
 * The topics a Navien client with `clientId` hears from the cloud: each device's reply topic and
 * request topic (the echo of its own requests), and the client-keyed reply topics (schedules,
 * energy, TOU).
 */
export function inboundTopics(clientId: string, macs: readonly string[]): string[] {
  return [
    ...macs.flatMap((mac) => [`${deviceTopicRoot(mac)}/${clientId}/res`, `${deviceTopicRoot(mac)}/st`]),
    `cmd/${DEVICE_TYPE}/${clientId}/res/rsv/rd`,
    `cmd/${DEVICE_TYPE}/${clientId}/res/energy-usage-daily-query/rd`,
    `cmd/${DEVICE_TYPE}/${clientId}/res/tou/rd`,
  ];
}
