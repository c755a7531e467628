// Test helpers for the HA side: an independent mqtt.js client that records what reaches the broker,
// a reader for everything retained there, and a poller that waits for a condition instead of sleeping.

import { connectAsync, type MqttClient } from 'mqtt';

export interface SeenMessage {
  topic: string;
  payload: string;
  retain: boolean;
}

/** Polls `condition` every 20 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let markerSequence = 0;

/** A client that records every message on `filters` from the moment it subscribed. */
export class Observer {
  readonly messages: SeenMessage[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain });
    });
  }

  static async connect(url: string, filters: string[] = ['#']): Promise<Observer> {
    const client = await connectAsync(url, {
      clientId: `observer-${process.pid}-${++markerSequence}`,
      reconnectPeriod: 0,
    });
    const observer = new Observer(client);
    if (filters.length > 0) await client.subscribeAsync(filters, { qos: 1 });
    return observer;
  }

  on(topic: string): SeenMessage[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  last(topic: string): string | undefined {
    return this.on(topic).at(-1)?.payload;
  }

  async waitForPayload(topic: string, payload: string, timeoutMs?: number): Promise<void> {
    await waitFor(
      () => this.on(topic).some((m) => m.payload === payload),
      `"${payload}" on ${topic}`,
      timeoutMs,
    );
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/**
 * Everything retained on the broker under `filters`, read by a fresh client. A marker published after
 * subscribing proves the broker has delivered every retained message that was queued before it.
 */
export async function retainedMessages(url: string, filters: string[] = ['#']): Promise<Map<string, string>> {
  const marker = `test-marker/${process.pid}/${++markerSequence}`;
  const observer = await Observer.connect(url, [...filters, marker]);
  try {
    await observer.client.publishAsync(marker, 'done', { qos: 1 });
    await waitFor(() => observer.on(marker).length > 0, 'the retained-read marker');
    const retained = new Map<string, string>();
    for (const message of observer.messages) {
      if (message.retain && message.topic !== marker) retained.set(message.topic, message.payload);
    }
    return retained;
  } finally {
    await observer.close();
  }
}
