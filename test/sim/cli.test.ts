import { describe, expect, it } from 'vitest';
import { runSimulatorCli, SimulatorCliUsageError } from '../../src/sim/index.js';
import { postJson } from './helpers/rest.js';

const FREE_PORTS = ['--rest-port', '0', '--ws-port=0', '--wss-port', '0'];

describe('runSimulatorCli', () => {
  it('starts the simulator and prints where to point the bridge', async () => {
    const lines: string[] = [];
    const sim = await runSimulatorCli([...FREE_PORTS, '--devices', '2', '--speed', '60'], (line) =>
      lines.push(line),
    );
    try {
      const text = lines.join('\n');
      expect(text).toContain(`NWP500_NAVIEN_API_URL=${sim.restUrl}`);
      expect(text).toContain(`NWP500_NAVIEN_MQTT_URL=${sim.mqttUrl}`);
      expect(text).toContain('NAVIEN_EMAIL=demo@example.com NAVIEN_PASSWORD=demo-password');
      expect(new Set(sim.devices.map((device) => device.macAddress)).size).toBe(2);
      for (const device of sim.devices) expect(text).not.toContain(device.macAddress);
      const { json } = await postJson(`${sim.restUrl}/user/sign-in`, {
        userId: 'demo@example.com',
        password: 'demo-password',
      });
      expect(json.code).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('takes the account and token lifetimes from the arguments', async () => {
    const sim = await runSimulatorCli(
      [...FREE_PORTS, '--email', 'me@example.org', '--password=s3cret', '--aws-lifetime', '120'],
      () => undefined,
    );
    try {
      const { json } = await postJson(`${sim.restUrl}/user/sign-in`, {
        userId: 'me@example.org',
        password: 's3cret',
      });
      expect((json.data as { token: { authorizationExpiresIn: number } }).token.authorizationExpiresIn).toBe(
        120,
      );
    } finally {
      await sim.close();
    }
  });

  it('rejects bad arguments with a usage error', async () => {
    for (const args of [
      ['--devices', '0'],
      ['stray'],
      ['--bogus', '1'],
      ['--rest-port'],
      ['--speed', 'fast'],
    ]) {
      await expect(
        runSimulatorCli(args, () => undefined),
        args.join(' '),
      ).rejects.toBeInstanceOf(SimulatorCliUsageError);
    }
  });
});
