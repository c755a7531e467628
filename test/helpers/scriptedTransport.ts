// In-memory doubles for the cloud link's collaborators: a transport whose every operation the
// test settles by hand, an auth that always has credentials, diagnostics that count.

import type { AuthState } from '../../src/navien/auth.js';
import type { LinkAuth, LinkDiagnostics } from '../../src/navien/connection.js';
import type { CrtConnectionOptions } from '../../src/navien/crtConnection.js';
import type { CloudError } from '../../src/navien/errors.js';
import type { CloudTransport, TransportHandlers } from '../../src/navien/transport.js';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A transport whose every operation the test settles by hand. */
export class ScriptedTransport implements CloudTransport {
  readonly connecting = deferred<boolean>();
  readonly subscribed: string[] = [];
  readonly published: Array<{ topic: string; payload: string }> = [];
  closed = false;
  abandoned = false;
  constructor(
    readonly options: CrtConnectionOptions,
    readonly handlers: TransportHandlers,
  ) {}
  connect(): Promise<boolean> {
    return this.connecting.promise;
  }
  async subscribe(filter: string): Promise<void> {
    this.subscribed.push(filter);
  }
  async publish(topic: string, payload: string): Promise<void> {
    this.published.push({ topic, payload });
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  abandon(): void {
    this.abandoned = true;
  }
  interrupt(error: CloudError): void {
    this.handlers.onInterrupt(error);
  }
}

export function stubAuth(): LinkAuth {
  return {
    ensureValid: async () => undefined,
    signIn: async () => undefined,
    awsCredentials: () => ({ accessKeyId: 'a', secretKey: 's', sessionToken: 't' }),
    awsRenewalAt: () => null,
    awsCredentialAgeMs: () => 0,
    clientId: () => 'client-1',
    state: () => 'signed_in' as AuthState,
    onRenewal: () => () => undefined,
  };
}

export function stubDiagnostics(): LinkDiagnostics & { failures: number; drops: number } {
  const d = {
    failures: 0,
    drops: 0,
    recordConnectionDrop: () => void d.drops++,
    recordConnectionSuccess: () => undefined,
    recordReconnectAttempt: () => undefined,
    recordReconnectFailure: () => void d.failures++,
    recordPublish: () => undefined,
    recordMessage: () => undefined,
  };
  return d;
}
