// Request envelopes shaped like the ones nwp500-python builds, for driving simulated devices.

import type { RequestResult, SimDevice } from '../../../src/sim/device.js';

/** The request envelope the library builds. */
export function requestEnvelope(
  mac: string,
  clientId: string,
  suffix: string,
  request: Record<string, unknown>,
  responseTopic = `cmd/52/navilink-${mac}/${clientId}/res`,
): { topic: string; payload: Record<string, unknown> } {
  const topic = `cmd/52/navilink-${mac}/${suffix}`;
  return {
    topic,
    payload: {
      clientID: clientId,
      sessionID: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      protocolVersion: 2,
      request: { deviceType: 52, macAddress: mac, additionalValue: '5322', ...request },
      requestTopic: topic,
      responseTopic,
    },
  };
}

export type ResponseKind = 'device' | 'rsv' | 'energy' | 'tou';

/** The `responseTopic` the library puts in each kind of request. */
export function responseTopicFor(mac: string, clientId: string, kind: ResponseKind): string {
  switch (kind) {
    case 'rsv':
      return `cmd/52/${clientId}/res/rsv/rd`;
    case 'energy':
      return `cmd/52/${clientId}/res/energy-usage-daily-query/rd`;
    case 'tou':
      return `cmd/52/${clientId}/res/tou/rd`;
    default:
      return `cmd/52/navilink-${mac}/${clientId}/res`;
  }
}

/** Hands a request straight to a simulated device, as the fleet would after a client PUBLISH. */
export function sendToDevice(
  device: SimDevice,
  suffix: string,
  request: Record<string, unknown>,
  clientId = 'navien-client-test0001',
  responseKind: ResponseKind = 'device',
): RequestResult {
  const { payload } = requestEnvelope(
    device.macAddress,
    clientId,
    suffix,
    { additionalValue: device.additionalValue, ...request },
    responseTopicFor(device.macAddress, clientId, responseKind),
  );
  return device.handleRequest(suffix, Buffer.from(JSON.stringify(payload)), clientId);
}

export interface ParsedReply {
  topic: string;
  envelope: {
    clientID: string;
    sessionID: string;
    requestTopic: string;
    responseTopic: string;
    response: Record<string, unknown> & { command: number; deviceType: number; macAddress: string };
  };
}

/** The single reply of a request result, parsed; throws if there is not exactly one. */
export function onlyReply(result: RequestResult): ParsedReply {
  if (result.replies.length !== 1) throw new Error(`expected one reply, got ${result.replies.length}`);
  const [reply] = result.replies;
  if (!reply) throw new Error('no reply');
  return { topic: reply.topic, envelope: JSON.parse(reply.payload) as ParsedReply['envelope'] };
}

/** `response.status` of the single reply. */
export function replyStatus(result: RequestResult): Record<string, number> {
  return onlyReply(result).envelope.response.status as Record<string, number>;
}
