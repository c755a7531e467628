// The seam between the reconnect engine and one MQTT connection to the cloud. aws-crt
// (crtConnection.ts) is the real one; a deterministic simulation plugs an in-memory one in here,
// so the engine's decisions can be driven by a virtual clock without a socket.

import type { CrtConnectionOptions } from './crtConnection.js';
import type { CloudError } from './errors.js';

/** One connection attempt's life: connect once, use, then close or abandon. Never reused. */
export interface CloudTransport {
  /** Resolves to `session_present`; rejects with a CloudError. May never settle (hung upgrade). */
  connect(): Promise<boolean>;
  /** QoS 1 subscribe; rejects when the broker refuses or the operation times out. */
  subscribe(filter: string): Promise<void>;
  /** QoS 1 publish; resolves on PUBACK. */
  publish(topic: string, payload: string): Promise<void>;
  /** Graceful and bounded; never throws. */
  close(): Promise<void>;
  /** Drops the connection without waiting (zombie fencing): should it connect later, it closes itself. */
  abandon(): void;
}

export interface TransportHandlers {
  onMessage(topic: string, payload: Buffer): void;
  /** The connection ended without being asked to. */
  onInterrupt(error: CloudError): void;
}

export type TransportFactory = (options: CrtConnectionOptions, handlers: TransportHandlers) => CloudTransport;
