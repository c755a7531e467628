// Bridge options pointing at a simulator: fresh data and config directories, and the simulator's
// CA written where the options name it. For tests that call startBridge directly.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Options, optionsSchema } from '../../src/config/options.js';
import type { Simulator } from '../../src/sim/index.js';

export interface SimOptions {
  options: Options;
  /** The data and config directories made for the run (the caller removes them). */
  dirs: string[];
}

export async function optionsForSimulator(
  sim: Simulator,
  prefix: string,
  extra: Record<string, unknown> = {},
): Promise<SimOptions> {
  const dataDir = await mkdtemp(join(tmpdir(), `${prefix}-data-`));
  const configDir = await mkdtemp(join(tmpdir(), `${prefix}-config-`));
  const caFile = join(dataDir, 'sim-ca.pem');
  await writeFile(caFile, sim.caPem);
  const options = optionsSchema.parse({
    email: sim.account.email,
    password: sim.account.password,
    navien_api_url: sim.restUrl,
    navien_mqtt_url: sim.mqttsUrl,
    navien_mqtt_ca_file: caFile,
    data_dir: dataDir,
    ha_config_dir: configDir,
    diagnostics_export_interval: 0,
    ...extra,
  });
  return { options, dirs: [dataDir, configDir] };
}
