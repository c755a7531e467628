// One aws-crt MQTT 3.1.1 connection over a SigV4-signed WebSocket. Each handshake is signed with
// the credentials current at that moment (aws-crt would otherwise freeze them at build time), and
// the SDK's own reconnect is pushed out of the way: the reconnect engine in connection.ts is the
// only one (two engines fighting is a known nwp500-python failure).

import { auth, io, iot, mqtt } from 'aws-iot-device-sdk-v2';
import type { Logger } from '../util/logger.js';
import { type CloudError, toCloudError } from './errors.js';
import type { AwsCredentials } from './tokens.js';
import type { CloudTransport, TransportFactory, TransportHandlers } from './transport.js';

export interface CrtConnectionOptions {
  url: URL;
  clientId: string;
  keepAliveSecs: number;
  /** Also the CONNACK timeout in aws-crt MQTT3. */
  pingTimeoutMs: number;
  /** A QoS 1 publish or a subscribe without an ack by then fails (guards against a deaf link). */
  operationTimeoutMs: number;
  /** Extra trust for wss (the simulator's self-signed certificate); the system store otherwise. */
  caPem?: string;
  region: string;
  credentials: () => AwsCredentials | undefined;
  log: Logger;
}

/** Kept for callers of the first API; the same shape as the transport seam's handlers. */
export type CrtConnectionHandlers = TransportHandlers;

/** aws-crt's SDK reconnect waits this long before its first attempt: we act long before. */
const SDK_RECONNECT_PARKED_SECS = 3600;
const AWS_ERROR_UNKNOWN = 3;
const CLOSE_TIMEOUT_MS = 5_000;
const AWS_AUTH_SIGNING_NO_CREDENTIALS = 6146;

/** One aws-crt client (its event loop and bootstrap) serves every connection this process makes. */
let sharedClient: mqtt.MqttClient | undefined;

/** TLS contexts are costly native objects; one per trust configuration is enough. */
const tlsContexts = new Map<string, io.ClientTlsContext>();

function tlsContext(caPem: string | undefined): io.ClientTlsContext {
  const key = caPem ?? '';
  let ctx = tlsContexts.get(key);
  if (!ctx) {
    const options = new io.TlsContextOptions();
    if (caPem) options.override_default_trust_store(caPem);
    ctx = new io.ClientTlsContext(options);
    tlsContexts.set(key, ctx);
  }
  return ctx;
}

export class CrtConnection implements CloudTransport {
  private readonly connection: mqtt.MqttClientConnection;
  private closed = false;
  private abandoned = false;

  constructor(
    private readonly options: CrtConnectionOptions,
    handlers: CrtConnectionHandlers,
  ) {
    const { url } = options;
    const secure = url.protocol === 'wss:';
    const port = url.port ? Number(url.port) : secure ? 443 : 80;
    const placeholder = auth.AwsCredentialsProvider.newStatic('unused', 'unused', 'unused');
    const config = iot.AwsIotMqttConnectionConfigBuilder.new_with_websockets({
      region: options.region,
      credentials_provider: placeholder,
    })
      .with_endpoint(url.hostname)
      .with_port(port)
      .with_client_id(options.clientId)
      .with_clean_session(false)
      .with_keep_alive_seconds(options.keepAliveSecs)
      .with_ping_timeout_ms(options.pingTimeoutMs)
      .with_protocol_operation_timeout_ms(options.operationTimeoutMs)
      .with_reconnect_min_sec(SDK_RECONNECT_PARKED_SECS)
      .with_reconnect_max_sec(SDK_RECONNECT_PARKED_SECS)
      .with_socket_options(
        new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 10_000, true, 30, 10, 3),
      )
      .build();
    config.tls_ctx = secure ? tlsContext(options.caPem) : undefined;
    config.disable_metrics = true;
    const path = `${url.pathname || '/mqtt'}`;
    config.websocket_handshake_transform = async (request, done) => {
      const credentials = options.credentials();
      if (!credentials) {
        done(AWS_AUTH_SIGNING_NO_CREDENTIALS);
        return;
      }
      try {
        request.path = path;
        await auth.aws_sign_request(request, {
          algorithm: auth.AwsSigningAlgorithm.SigV4,
          signature_type: auth.AwsSignatureType.HttpRequestViaQueryParams,
          provider: auth.AwsCredentialsProvider.newStatic(
            credentials.accessKeyId,
            credentials.secretKey,
            credentials.sessionToken,
          ),
          region: options.region,
          service: 'iotdevicegateway',
          signed_body_value: auth.AwsSignedBodyValue.EmptySha256,
          // The session token goes in X-Amz-Security-Token, unsigned, as AWS IoT expects.
          omit_session_token: true,
        });
        done();
      } catch (error) {
        const code = (error as { error_code?: unknown }).error_code;
        done(typeof code === 'number' ? code : AWS_ERROR_UNKNOWN);
      }
    };
    sharedClient ??= new mqtt.MqttClient();
    this.connection = sharedClient.new_connection(config);
    this.connection.on('message', (topic, payload) => {
      // aws-crt calls this from native code: anything thrown here aborts the whole process. A
      // zero-byte message arrives as a detached ArrayBuffer, which Buffer.from() throws on.
      try {
        handlers.onMessage(topic, copyPayload(payload));
      } catch (error) {
        options.log.error({ err: error }, 'a cloud message could not be handled; ignored');
      }
    });
    this.connection.on('interrupt', (error) => handlers.onInterrupt(toCloudError(error)));
    // Every rejected operation is re-emitted as 'error'; the promise rejection is what we act on.
    this.connection.on('error', () => undefined);
  }

  /** Resolves with `session_present`; rejects with a CloudError. May never settle (hung upgrade). */
  async connect(): Promise<boolean> {
    let sessionPresent: boolean;
    try {
      sessionPresent = await this.connection.connect();
    } catch (error) {
      throw toCloudError(error);
    }
    if (this.abandoned) {
      // A handshake we gave up on came back to life (aws-crt reports a late CONNACK): close it before it can
      // take our client id away from the live connection.
      this.options.log.debug('closing a connection that connected after it was abandoned');
      await this.connection.disconnect().catch(() => undefined);
      throw {
        name: 'NAVIEN_CONNECT_TIMEOUT',
        code: null,
        message: 'connected after being abandoned',
      } satisfies CloudError;
    }
    return sessionPresent;
  }

  /**
   * Gives up on a connection whose connect() has not settled (an upgrade that never gets an answer
   * hangs forever in aws-crt). It is fenced: should it connect later, it is closed at once.
   */
  abandon(): void {
    this.abandoned = true;
    void this.close();
  }

  /** QoS 1 subscribe; a SUBACK with 0x80 (refused) counts as a failure. */
  async subscribe(filter: string): Promise<void> {
    let result: mqtt.MqttSubscribeRequest;
    try {
      result = await this.connection.subscribe(filter, mqtt.QoS.AtLeastOnce);
    } catch (error) {
      throw toCloudError(error);
    }
    if (Number(result.qos) === 128 || (result.error_code !== undefined && result.error_code !== 0)) {
      throw {
        name: 'NAVIEN_SUBSCRIBE_REFUSED',
        code: result.error_code ?? null,
        message: `subscription to a topic refused`,
      } satisfies CloudError;
    }
  }

  /** QoS 1 publish; resolves on PUBACK. */
  async publish(topic: string, payload: string): Promise<void> {
    try {
      await this.connection.publish(topic, payload, mqtt.QoS.AtLeastOnce, false);
    } catch (error) {
      throw toCloudError(error);
    }
  }

  unacknowledged(): number {
    try {
      return this.connection.getOperationalStatistics().unackedOperationCount;
    } catch {
      return 0;
    }
  }

  /**
   * Closes the connection and stops aws-crt from ever reconnecting it. Never throws: closing an
   * interrupted or never-connected connection rejects inside aws-crt, which is expected.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    // A disconnect on a dying socket can take long to settle; shutdown must not wait on it.
    const bounded = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      timer.unref();
    });
    try {
      await Promise.race([this.connection.disconnect(), bounded]);
    } catch (error) {
      this.options.log.trace(
        { err: toCloudError(error) },
        'closing an MQTT connection that was not connected',
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The default transport: a real aws-crt connection. */
export const crtTransportFactory: TransportFactory = (options, handlers) =>
  new CrtConnection(options, handlers);

/**
 * The bytes of a message as a Buffer of our own: the ArrayBuffer aws-crt hands over is detached
 * once the callback returns (and already is when the message is empty).
 */
function copyPayload(payload: ArrayBuffer): Buffer {
  return payload.byteLength === 0 ? Buffer.alloc(0) : Buffer.from(new Uint8Array(payload));
}

/** The SigV4 region of an AWS IoT endpoint (`…iot.us-east-1.amazonaws.com`), us-east-1 otherwise. */
export function regionOf(host: string): string {
  return host.match(/\.iot\.([a-z0-9-]+)\.amazonaws\.com$/)?.[1] ?? 'us-east-1';
}
