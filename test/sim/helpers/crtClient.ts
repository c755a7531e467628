// A real aws-crt MQTT 3.1.1 client (aws-iot-device-sdk-v2) pointed at the simulator, signing each
// WebSocket handshake with SigV4 and the credentials of a real sign-in, recording what it sees.

import { auth, type CrtError, io, iot, mqtt } from 'aws-iot-device-sdk-v2';
import type { Simulator } from '../../../src/sim/index.js';
import type { AwsCreds } from './rest.js';
import { waitFor } from './wait.js';

export interface ReceivedMessage {
  topic: string;
  payload: Buffer;
}

export interface ClientEvent {
  type: 'interrupt' | 'resume' | 'connection_failure' | 'closed';
  error?: string;
  sessionPresent?: boolean;
  atMs: number;
}

export interface CrtClientOptions {
  clientId: string;
  transport: 'ws' | 'wss';
  /** Called on every connection attempt, so tests can rotate credentials. */
  credentials: () => AwsCreds;
  keepAliveSecs?: number;
  pingTimeoutMs?: number;
  cleanSession?: boolean;
  reconnectMinSec?: number;
}

export class CrtTestClient {
  readonly connection: mqtt.MqttClientConnection;
  readonly events: ClientEvent[] = [];
  readonly messages: ReceivedMessage[] = [];
  private readonly startedAt = Date.now();

  constructor(sim: Simulator, options: CrtClientOptions) {
    const region = 'us-east-1';
    const placeholder = auth.AwsCredentialsProvider.newStatic('ASIAPLACEHOLDER00000', 'x', 'x');
    const port = options.transport === 'wss' ? sim.ports.wss : sim.ports.ws;
    const config = iot.AwsIotMqttConnectionConfigBuilder.new_with_websockets({
      region,
      credentials_provider: placeholder,
    })
      .with_endpoint(options.transport === 'wss' ? 'localhost' : '127.0.0.1')
      .with_port(port)
      .with_client_id(options.clientId)
      .with_clean_session(options.cleanSession ?? true)
      .with_keep_alive_seconds(options.keepAliveSecs ?? 30)
      .with_ping_timeout_ms(options.pingTimeoutMs ?? 3000)
      .with_reconnect_min_sec(options.reconnectMinSec ?? 5)
      .with_reconnect_max_sec(Math.max(10, options.reconnectMinSec ?? 5))
      .with_socket_options(new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 3000))
      .build();
    if (options.transport === 'wss') {
      const tls = new io.TlsContextOptions();
      tls.override_default_trust_store(sim.caPem);
      config.tls_ctx = new io.ClientTlsContext(tls);
    } else {
      config.tls_ctx = undefined;
    }
    config.websocket_handshake_transform = (request, done) => {
      const creds = options.credentials();
      auth
        .aws_sign_request(request, {
          algorithm: auth.AwsSigningAlgorithm.SigV4,
          signature_type: auth.AwsSignatureType.HttpRequestViaQueryParams,
          provider: auth.AwsCredentialsProvider.newStatic(
            creds.accessKeyId,
            creds.secretKey,
            creds.sessionToken,
          ),
          region,
          service: 'iotdevicegateway',
          signed_body_value: auth.AwsSignedBodyValue.EmptySha256,
          omit_session_token: true,
        })
        .then(
          () => done(),
          () => done(3),
        );
    };
    this.connection = new mqtt.MqttClient().new_connection(config);
    this.connection.on('interrupt', (error: CrtError) => this.record('interrupt', error.error_name));
    this.connection.on('resume', (_code: number, sessionPresent: boolean) =>
      this.events.push({ type: 'resume', sessionPresent, atMs: this.elapsed() }),
    );
    this.connection.on('connection_failure', (event) =>
      this.record('connection_failure', event.error.error_name),
    );
    this.connection.on('closed', () => this.record('closed'));
    this.connection.on('message', (topic: string, payload: ArrayBuffer) =>
      this.messages.push({ topic, payload: Buffer.from(payload) }),
    );
  }

  /** Resolves to session_present. */
  async connect(): Promise<boolean> {
    return await this.connection.connect();
  }

  async subscribe(topic: string): Promise<void> {
    const granted = await this.connection.subscribe(topic, mqtt.QoS.AtLeastOnce);
    if ((granted.qos as number) === 128) throw new Error(`subscription to ${topic} refused`);
  }

  async publish(topic: string, payload: string | Buffer | object): Promise<void> {
    const body = Buffer.isBuffer(payload) || typeof payload === 'string' ? payload : JSON.stringify(payload);
    await this.connection.publish(topic, body, mqtt.QoS.AtLeastOnce);
  }

  /** Waits for a message matching `predicate` (also among those already received). */
  async waitForMessage(
    predicate: (message: ReceivedMessage) => boolean,
    timeoutMs = 5000,
  ): Promise<ReceivedMessage> {
    const found = await waitFor(() => this.messages.find(predicate), timeoutMs);
    if (!found) throw new Error(`no matching message within ${timeoutMs} ms`);
    return found;
  }

  /** Waits for an event of `type`; resolves to it, or undefined on timeout. */
  async waitForEvent(type: ClientEvent['type'], timeoutMs = 5000): Promise<ClientEvent | undefined> {
    return await waitFor(() => this.events.find((event) => event.type === type), timeoutMs);
  }

  /** Disconnects and releases the native connection; never throws. */
  async close(): Promise<void> {
    await this.connection.disconnect().catch(() => undefined);
  }

  private record(type: ClientEvent['type'], error?: string): void {
    this.events.push(
      error === undefined ? { type, atMs: this.elapsed() } : { type, error, atMs: this.elapsed() },
    );
  }

  private elapsed(): number {
    return Date.now() - this.startedAt;
  }
}
