// A light mqtt.js client for the simulator's ws:// endpoint, for tests that need many messages fast;
// the handshake carries the credential query parameters AWS IoT checks (the signature is not verified).

import mqtt, { type MqttClient } from 'mqtt';
import type { Simulator } from '../../../src/sim/index.js';
import type { AwsCreds } from './rest.js';

export function presignedUrl(base: string, creds: AwsCreds): string {
  const query = new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${creds.accessKeyId}/20260101/us-east-1/iotdevicegateway/aws4_request`,
    'X-Amz-Date': '20260101T000000Z',
    'X-Amz-SignedHeaders': 'host',
    'X-Amz-Signature': '0'.repeat(64),
    'X-Amz-Security-Token': creds.sessionToken,
  });
  return `${base}?${query.toString()}`;
}

export async function connectMqttJs(sim: Simulator, creds: AwsCreds, clientId: string): Promise<MqttClient> {
  const client = mqtt.connect(presignedUrl(sim.mqttUrl, creds), {
    clientId,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    keepalive: 60,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}
