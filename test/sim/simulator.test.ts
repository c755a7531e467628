import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { Redactor } from '../../src/util/redact.js';
import { requestEnvelope } from './helpers/envelopes.js';
import { connectMqttJs } from './helpers/mqttJs.js';
import { signIn } from './helpers/rest.js';
import { waitFor } from './helpers/wait.js';

const MAC = '04786332fca0';

describe('startSimulator', () => {
  it('hands out loopback URLs for REST, ws and wss, and the PEM to trust', async () => {
    const sim = await startSimulator({ autoTick: false });
    try {
      expect(sim.restUrl).toBe(`http://127.0.0.1:${sim.ports.rest}/api/v2.1`);
      expect(sim.controlUrl).toBe(`http://127.0.0.1:${sim.ports.rest}/_sim`);
      expect(sim.mqttUrl).toBe(`ws://127.0.0.1:${sim.ports.ws}/mqtt`);
      expect(sim.mqttsUrl).toBe(`wss://localhost:${sim.ports.wss}/mqtt`);
      expect(sim.caPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(sim.account.email).toBe('demo@example.com');
      expect(sim.devices.map((device) => device.macAddress)).toEqual([MAC]);
    } finally {
      await sim.close();
    }
  });

  it('drives the tank physics on the injected clock, sped up by physicsSpeed', async () => {
    const clock = new ManualClock(Date.UTC(2026, 6, 1));
    const sim = await startSimulator({
      clock,
      physicsSpeed: 60,
      devices: [{ macAddress: MAC, initialTankC: 45 }],
    });
    try {
      const device = sim.device(MAC);
      expect(device?.status().tankUpperTemperature).toBe(450);
      // 10 s of clock at 60× is 10 simulated minutes of heating at about 0.5 °C/min.
      clock.advance(10_000);
      const after = device?.status().tankUpperTemperature ?? 0;
      expect(after).toBeGreaterThan(480);
      expect(after).toBeLessThan(500);
    } finally {
      await sim.close();
    }
  });

  it('leaves no timer behind on the clock after close, and closes twice safely', async () => {
    const clock = new ManualClock();
    const sim = await startSimulator({ clock, replyDelayMs: 50 });
    expect(clock.pendingTimers()).toBeGreaterThan(0);
    await sim.close();
    await sim.close();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('delays device replies by replyDelayMs on the injected clock', async () => {
    const clock = new ManualClock();
    const sim = await startSimulator({ clock, autoTick: false, replyDelayMs: 500 });
    const client = await connectMqttJs(sim, await signIn(sim), 'navien-client-delay001');
    try {
      const replies: string[] = [];
      client.on('message', (topic) => replies.push(topic));
      await client.subscribeAsync(`cmd/52/navilink-${MAC}/navien-client-delay001/res`, { qos: 1 });
      const { topic, payload } = requestEnvelope(MAC, 'navien-client-delay001', 'st', { command: 16777219 });
      await client.publishAsync(topic, JSON.stringify(payload), { qos: 1 });
      expect(await waitFor(() => sim.counters().commandsReceived === 1, 2000)).toBe(true);
      expect(await waitFor(() => replies.length > 0, 300)).toBeUndefined();
      clock.advance(500);
      expect(await waitFor(() => replies.length === 1, 2000)).toBe(true);
    } finally {
      await client.endAsync();
      await sim.close();
    }
  });

  it('registers its account secrets, issued tokens and device ids with a given redactor', async () => {
    const redactor = new Redactor();
    const sim = await startSimulator({ redactor, autoTick: false });
    try {
      const creds = await signIn(sim);
      const line = `${sim.account.password} ${creds.accessToken} ${creds.sessionToken} ${creds.secretKey} ${MAC}`;
      const scrubbed = redactor.scrubString(line);
      for (const secret of [
        sim.account.password,
        creds.accessToken,
        creds.sessionToken,
        creds.secretKey,
        MAC,
      ]) {
        expect(scrubbed).not.toContain(secret);
      }
    } finally {
      await sim.close();
    }
  });

  it('refuses to start on a port already in use, leaving nothing open', async () => {
    const first = await startSimulator({ autoTick: false });
    try {
      await expect(startSimulator({ autoTick: false, restPort: first.ports.rest })).rejects.toThrow(
        /EADDRINUSE/,
      );
    } finally {
      await first.close();
    }
  });
});
