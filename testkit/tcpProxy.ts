// A fault-injecting TCP proxy between the bridge and a server, for the network faults a real
// path produces: a silent blackhole (a stalled path), RST, FIN, refused connections, and
// connections held unanswered and released later (a handshake that answers too late). A FIN from
// either side is passed on as a FIN (half-close) after the bytes before it, as a real path does.

import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * `blackhole` stalls both directions (bytes wait, delivered late when lifted); `deafen` drops only
 * what the server sends: the client can talk but hears nothing.
 */
export type ProxyMode = 'pass' | 'blackhole' | 'deafen' | 'refuse' | 'hold';

export interface TcpProxy {
  readonly port: number;
  mode: ProxyMode;
  /** Number of client connections accepted so far. */
  readonly accepted: number;
  /** Sends a TCP RST on every open pair (a middlebox or NAT dropping the mapping). */
  resetAll(): void;
  /** Closes every open pair with a FIN both ways. */
  closeAll(): void;
  /** Connections accepted in `hold` mode and not yet released. */
  readonly held: number;
  /** Connects every held connection to the server and forwards what it sent meanwhile. */
  release(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let accepted = 0;
  const state = { mode: 'pass' as ProxyMode };
  const held = new Map<Socket, Buffer[]>();
  /** Directions holding bytes back in a blackhole, each with what sends them on. */
  const stalled = new Set<() => void>();
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    accepted++;
    if (state.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    if (state.mode === 'hold') {
      const buffered: Buffer[] = [];
      held.set(client, buffered);
      const collect = (chunk: Buffer) => buffered.push(chunk);
      client.on('data', collect);
      client.on('error', () => held.delete(client));
      client.on('close', () => held.delete(client));
      (client as Socket & { releaseHeld?: () => void }).releaseHeld = () => {
        client.off('data', collect);
        connectPair(client, buffered);
      };
      return;
    }
    connectPair(client, []);
  });
  function connectPair(client: Socket, pending: Buffer[]): void {
    const upstream = createConnection({ host: targetHost, port: targetPort, allowHalfOpen: true });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    // A blackhole stalls the path the way a dead route does to TCP: nothing gets through, both
    // ends stay open and their bytes wait (reading stops, so the senders' windows fill). Lifted,
    // the stream goes on intact and late — TCP never loses bytes from the middle of a stream.
    const forward = (from: Socket, to: Socket, dropWhen: ProxyMode[]) => {
      const waiting: Array<Buffer | 'fin'> = [];
      const flush = () => {
        while (waiting.length > 0 && !to.destroyed) {
          const next = waiting.shift();
          if (next === 'fin') to.end();
          else if (next) to.write(next);
        }
        if (!from.destroyed) from.resume();
      };
      const stall = (item: Buffer | 'fin') => {
        waiting.push(item);
        from.pause();
        stalled.add(flush);
      };
      from.on('data', (chunk) => {
        if (state.mode === 'blackhole' || waiting.length > 0) stall(chunk);
        // `deafen` drops what the server says: the client can talk but hears nothing.
        else if (!dropWhen.includes(state.mode) && !to.destroyed) to.write(chunk);
      });
      // FIN passthrough: end() the other side once what came before the FIN is written.
      from.on('end', () => {
        if (state.mode === 'blackhole' || waiting.length > 0) stall('fin');
        else if (!to.destroyed) to.end();
      });
    };
    forward(client, upstream, []);
    forward(upstream, client, ['deafen']);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    // Both directions finished (or one side is gone entirely): nothing more can pass.
    const closeWhenDone = () => {
      if (client.destroyed || upstream.destroyed || (client.writableEnded && upstream.writableEnded)) end();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('finish', closeWhenDone);
    upstream.on('finish', closeWhenDone);
    for (const chunk of pending) upstream.write(chunk);
  }
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
      if (mode === 'blackhole') return;
      const waiting = [...stalled];
      stalled.clear();
      for (const flush of waiting) flush();
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
    get held() {
      return held.size;
    },
    release() {
      for (const client of [...held.keys()]) {
        held.delete(client);
        (client as Socket & { releaseHeld?: () => void }).releaseHeld?.();
      }
    },
    closeAll() {
      for (const [client, upstream] of pairs) {
        client.end();
        upstream.end();
      }
    },
    async close() {
      stalled.clear();
      for (const client of held.keys()) client.destroy();
      held.clear();
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
