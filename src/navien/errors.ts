// Named errors of the cloud side, so a user can search for what went wrong and learn what to do.

export type NavienErrorName =
  | 'NAVIEN_AUTH_INVALID_CREDENTIALS'
  | 'NAVIEN_AUTH_FAILED'
  | 'NAVIEN_TOKEN_REFRESH_FAILED'
  | 'NAVIEN_NETWORK_ERROR'
  | 'NAVIEN_API_ERROR'
  | 'NAVIEN_BAD_RESPONSE'
  | 'NAVIEN_BAD_DEVICE_LIST'
  | 'NAVIEN_NO_AWS_CREDENTIALS'
  | 'NAVIEN_CONNECT_TIMEOUT'
  | 'NAVIEN_SUBSCRIBE_REFUSED'
  | 'NAVIEN_NOT_CONNECTED'
  | 'NAVIEN_CONNECTION_GONE'
  | 'NAVIEN_SIGN_IN_TIMEOUT'
  | 'NAVIEN_SUBSCRIBE_TIMEOUT'
  | 'NAVIEN_PUBLISH_TIMEOUT';

export class NavienError extends Error {
  override readonly name: NavienErrorName;
  /** Whether trying again later can help (network trouble) or not (wrong password). */
  readonly retriable: boolean;
  /** The cloud's envelope `code` or the HTTP status, when there was one. */
  readonly status: number | null;

  constructor(
    name: NavienErrorName,
    message: string,
    options: { retriable: boolean; status?: number | null; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    this.retriable = options.retriable;
    this.status = options.status ?? null;
  }
}

/**
 * The connection an operation was sent on (or was to be sent on) has ended or been replaced: the
 * operation did not and will not complete there. Retriable on the next connection, which is
 * where a queued command goes; `reason` is why the connection ended.
 */
export class ConnectionGoneError extends NavienError {
  constructor(readonly reason: CloudError) {
    super('NAVIEN_CONNECTION_GONE', `the cloud connection ended (${reason.name})`, { retriable: true });
  }
}

/** What the diagnostics record for a failure: always a name, never null (fixes nwp500-python 6.4 #5). */
export interface CloudError {
  name: string;
  code: number | null;
  message: string;
}

const AWS_NAME = /\b(AWS_[A-Z0-9_]+)\b/;

/**
 * Names any error the cloud side can raise. aws-crt lifecycle events carry a CrtError with
 * `error_name`/`error_code`; its operation promises reject with plain strings
 * ("libaws-c-mqtt: AWS_ERROR_MQTT_CONNECTION_DESTROYED, ..."); our own errors have a NAVIEN_ name.
 */
export function toCloudError(error: unknown): CloudError {
  if (error instanceof NavienError) return { name: error.name, code: error.status, message: error.message };
  if (typeof error === 'string') {
    return { name: error.match(AWS_NAME)?.[1] ?? 'UNKNOWN_ERROR', code: null, message: error };
  }
  if (error && typeof error === 'object') {
    const record = error as { error_name?: unknown; error_code?: unknown; message?: unknown; name?: unknown };
    const message = typeof record.message === 'string' ? record.message : String(error);
    const code = typeof record.error_code === 'number' ? record.error_code : null;
    if (typeof record.error_name === 'string' && record.error_name)
      return { name: record.error_name, code, message };
    const fromMessage = message.match(AWS_NAME)?.[1];
    if (fromMessage) return { name: fromMessage, code, message };
    const name = typeof record.name === 'string' && record.name !== 'Error' ? record.name : 'UNKNOWN_ERROR';
    return {
      name: name === 'UNKNOWN_ERROR' ? name : `ERROR_${name.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`,
      code,
      message,
    };
  }
  return { name: 'UNKNOWN_ERROR', code: null, message: String(error) };
}
