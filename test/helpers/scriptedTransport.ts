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

/** A transport whose connect the test settles by hand; subscribe, publish and close can be made to hang. */
export class ScriptedTransport implements CloudTransport {
  readonly connecting = deferred<boolean>();
  readonly subscribed: string[] = [];
  readonly published: Array<{ topic: string; payload: string }> = [];
  /** Operations that never settle (a dead path that nobody answers). */
  hang = { subscribe: false, publish: false, close: false };
  /** Thrown by subscribe (a refused SUBACK). */
  refuseSubscribe: Error | null = null;
  closed = false;
  abandoned = false;
  constructor(
    readonly options: CrtConnectionOptions,
    readonly handlers: TransportHandlers,
  ) {}
  connect(): Promise<boolean> {
    return this.connecting.promise;
  }
  subscribe(filter: string): Promise<void> {
    this.subscribed.push(filter);
    if (this.hang.subscribe) return new Promise(() => undefined);
    return this.refuseSubscribe ? Promise.reject(this.refuseSubscribe) : Promise.resolve();
  }
  publish(topic: string, payload: string): Promise<void> {
    this.published.push({ topic, payload });
    return this.hang.publish ? new Promise(() => undefined) : Promise.resolve();
  }
  close(): Promise<void> {
    this.closed = true;
    return this.hang.close ? new Promise(() => undefined) : Promise.resolve();
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
