// The length of the state a built bridge tree writes for the simulator's heater, so that the JSON
// floor (`--json-floor`) publishes as much JSON as the bridge under test does, whatever its state
// holds. Older trees returned the state text itself; newer ones the state and attributes texts.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function stateBytes(bridgeDir) {
  const load = (path) => import(pathToFileURL(join(bridgeDir, 'dist', path)).href);
  const [
    { SimDevice },
    { ManualClock },
    { decodeStatus },
    { decodeFeature },
    { NWP500_ENTITIES },
    { StateWriter },
  ] = await Promise.all([
    load('sim/index.js'),
    load('util/clock.js'),
    load('device/status.js'),
    load('device/feature.js'),
    load('ha/entities.js'),
    load('ha/state.js'),
  ]);
  const quiet = { info() {}, warn() {}, debug() {}, error() {}, child: () => quiet };
  const device = new SimDevice({}, { clock: new ManualClock(), logger: quiet });
  const status = decodeStatus(device.status());
  const written = new StateWriter(NWP500_ENTITIES).write({
    status,
    feature: decodeFeature(device.featurePayload()),
    unit: status.temperatureUnit,
    energy: null,
    vacationDays: 7,
    lastMode: null,
    schedule: null,
    scheduleWrite: null,
    tou: null,
    firmware: null,
  });
  return (typeof written === 'string' ? written : written.state).length;
}
