// The stand-in for CrtConnection (swapped in with vi.mock) for an engine that builds its
// connections itself: each one is a transport from the scripted cloud the current run installed.
// Imports nothing of the bridge, so the mock can load while connection.ts is still loading.

type Factory = (options: never, handlers: never) => object;

let factory: Factory | undefined;

export function installTransportFactory(next: Factory | undefined): void {
  factory = next;
}

export class MockCrtConnection {
  constructor(options: never, handlers: never) {
    if (!factory) throw new Error('no simulated cloud is running');
    // biome-ignore lint/correctness/noConstructorReturn: the mock hands out the scripted transport itself
    return factory(options, handlers) as MockCrtConnection;
  }
}

export function regionOf(): string {
  return 'us-east-1';
}
