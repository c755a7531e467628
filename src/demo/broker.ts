// The demo's MQTT broker: the one on localhost:<port> if one answers, otherwise an embedded one; and
// the clean-up on exit that removes every retained message the demo's bridge left on it.

import { createServer, type Server, connect as tcpConnect } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import type { BrokerSettings } from '../config/supervisor.js';

export interface DemoBroker {
  settings: BrokerSettings;
  embedded: boolean;
  close(): Promise<void>;
}

async function portAnswers(host: string, port: number): Promise<boolean> {
  return await new Promise((done) => {
    const socket = tcpConnect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', () => done(false));
  });
}

async function listenOn(server: Server, port: number): Promise<number> {
  return await new Promise((done, fail) => {
    const onError = (error: Error) => fail(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      const address = server.address();
      done(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** The broker on localhost:<port> if one answers; otherwise an embedded one (on that port if free). */
export async function demoBroker(port: number, print: (line: string) => void): Promise<DemoBroker> {
  if (await portAnswers('127.0.0.1', port)) {
    return {
      settings: { host: '127.0.0.1', port, ssl: false, source: 'options' },
      embedded: false,
      close: async () => undefined,
    };
  }
  const broker = await Aedes.createBroker();
  const server = createServer((socket) => broker.handle(socket));
  const listening = await listenOn(server, port).catch(() => listenOn(server, 0));
  print(`No MQTT broker answered on localhost:${port}: started an embedded one on 127.0.0.1:${listening}.`);
  return {
    settings: { host: '127.0.0.1', port: listening, ssl: false, source: 'default' },
    embedded: true,
    close: async () => {
      await new Promise<void>((done) => broker.close(() => done()));
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/**
 * Publishes an empty retained message to each topic (which removes it from the broker, and the
 * entity or device from Home Assistant), with its own short-lived client; bounded by `timeoutMs`.
 * Resolves with the topics it could clear.
 */
export async function clearRetained(
  settings: BrokerSettings,
  topics: readonly string[],
  timeoutMs = 10_000,
): Promise<string[]> {
  if (topics.length === 0) return [];
  const client = mqtt.connect({
    host: settings.host,
    port: settings.port,
    protocol: settings.ssl ? 'mqtts' : 'mqtt',
    clientId: `nwp500-demo-cleanup-${process.pid}`,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: Math.min(timeoutMs, 5000),
    ...(settings.username !== undefined ? { username: settings.username } : {}),
    ...(settings.password !== undefined ? { password: settings.password } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`clean-up took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  const cleared: string[] = [];
  try {
    await Promise.race([
      (async () => {
        await new Promise<void>((done, fail) => {
          client.once('connect', () => done());
          client.once('error', fail);
          client.once('close', () => fail(new Error('the broker closed the connection')));
        });
        for (const topic of topics) {
          await client.publishAsync(topic, '', { qos: 1, retain: true });
          cleared.push(topic);
        }
      })(),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
    await client.endAsync(false).catch(() => client.end(true));
  }
  return cleared;
}
