// A fault-injecting TCP proxy between the bridge and a server, for the network faults a real
// path produces: a silent blackhole (half-open link), RST, FIN, and refused connections.

import { createConnection, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'blackhole' | 'refuse';

export interface TcpProxy {
  readonly port: number;
  mode: ProxyMode;
  /** Number of client connections accepted so far. */
  readonly accepted: number;
  /** Sends a TCP RST on every open pair (a middlebox or NAT dropping the mapping). */
  resetAll(): void;
  /** Closes every open pair with a FIN. */
  closeAll(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let accepted = 0;
  const state = { mode: 'pass' as ProxyMode };
  const server: Server = createServer((client) => {
    accepted++;
    if (state.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: targetHost, port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        // A blackhole keeps both sockets open and drops every byte, like a path that died silently.
        if (state.mode !== 'blackhole' && !to.destroyed) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    get mode() {
      return state.mode;
    },
    set mode(mode: ProxyMode) {
      state.mode = mode;
    },
    get accepted() {
      return accepted;
    },
    resetAll() {
      for (const [client, upstream] of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    closeAll() {
      for (const [client, upstream] of pairs) {
        client.end();
        upstream.end();
      }
    },
    async close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
