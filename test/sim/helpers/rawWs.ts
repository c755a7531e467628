// A bare WebSocket MQTT client that sends one CONNECT and then stays silent, for observing what the
// broker does to a client that never pings (keep-alive enforcement).

import WebSocket from 'ws';
import { presignedUrl } from './mqttJs.js';
import type { AwsCreds } from './rest.js';

/** An MQTT 3.1.1 CONNECT packet with a clean session and the given keep-alive. */
export function connectPacket(clientId: string, keepAliveSecs: number): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const variableHeader = Buffer.from([
    0x00,
    0x04,
    0x4d,
    0x51,
    0x54,
    0x54,
    0x04,
    0x02,
    keepAliveSecs >> 8,
    keepAliveSecs & 0xff,
  ]);
  const payload = Buffer.concat([Buffer.from([id.length >> 8, id.length & 0xff]), id]);
  const remaining = variableHeader.length + payload.length;
  if (remaining > 127) throw new Error('client id too long for this tiny encoder');
  return Buffer.concat([Buffer.from([0x10, remaining]), variableHeader, payload]);
}

export interface SilentClient {
  /** Resolves with the milliseconds from CONNACK to the server closing the connection. */
  closedAfterMs: Promise<number>;
  close(): void;
}

/** Connects, waits for CONNACK, then never sends another byte. */
export async function connectSilently(
  mqttUrl: string,
  creds: AwsCreds,
  clientId: string,
  keepAliveSecs: number,
): Promise<SilentClient> {
  const ws = new WebSocket(presignedUrl(mqttUrl, creds), 'mqtt');
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const connackAt = await new Promise<number>((resolve, reject) => {
    ws.once('message', (data: Buffer) => {
      if (data[0] === 0x20 && data[3] === 0x00) resolve(Date.now());
      else reject(new Error(`unexpected first packet ${data.toString('hex')}`));
    });
    ws.send(connectPacket(clientId, keepAliveSecs));
  });
  const closedAfterMs = new Promise<number>((resolve) =>
    ws.once('close', () => resolve(Date.now() - connackAt)),
  );
  ws.on('error', () => undefined);
  return { closedAfterMs, close: () => ws.terminate() };
}
