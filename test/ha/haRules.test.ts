// The HA rules checker used by entity-table tests: it passes a sound device message and reports each
// kind of mistake Home Assistant would trip over (so the checker itself can fail).

import { describe, expect, it } from 'vitest';
import { buildBinarySensor } from '../../src/ha/discovery/binarySensor.js';
import { buildDeviceDiscovery, type DeviceDiscovery } from '../../src/ha/discovery/device.js';
import { buildNumber } from '../../src/ha/discovery/number.js';
import { buildSelect } from '../../src/ha/discovery/select.js';
import { buildSensor } from '../../src/ha/discovery/sensor.js';
import { buildSwitch } from '../../src/ha/discovery/switch.js';
import { buildUpdate } from '../../src/ha/discovery/update.js';
import { buildWaterHeater } from '../../src/ha/discovery/waterHeater.js';
import { checkDeviceDiscovery, checkRetainedDiscovery, renderTemplate } from '../helpers/haRules.js';

const ID = '04786332fca0';
const STATE = `nwp500/${ID}/state`;
const DISCOVERY = `homeassistant/device/nwp500_${ID}/config`;

const state = {
  mode: 'heat_pump',
  target_temperature: 130,
  dhw_temperature: 121.5,
  energy_kwh: 12.25,
  heating: true,
  heat_source: 'Heat pump',
  power: 'ON',
  vacation_days: 0,
  operation: 'eco',
  attrs: { firmware: '184' },
  firmware: { installed_version: '11.1.0.0', latest_version: '11.1.0.0' },
};

function goodMessage(): DeviceDiscovery {
  return buildDeviceDiscovery({
    device: { identifiers: [`nwp500_${ID}`], name: 'Water Heater', manufacturer: 'Navien', model: 'NWP500' },
    origin: { name: 'nwp500-bridge', sw_version: '0.1.0' },
    availability: [{ topic: 'nwp500/bridge/availability' }, { topic: `nwp500/${ID}/availability` }],
    stateTopic: STATE,
    components: {
      heater: buildWaterHeater({
        unique_id: `nwp500_${ID}_water_heater`,
        name: null,
        default_entity_id: 'water_heater.nwp500',
        modes: ['off', 'eco', 'heat_pump', 'high_demand', 'electric'],
        mode_state_topic: STATE,
        mode_state_template: '{{ value_json.mode }}',
        mode_command_topic: `nwp500/${ID}/mode/set`,
        temperature_state_topic: STATE,
        temperature_state_template: '{{ value_json.target_temperature }}',
        temperature_command_topic: `nwp500/${ID}/target_temperature/set`,
        current_temperature_topic: STATE,
        current_temperature_template: '{{ value_json.dhw_temperature }}',
        min_temp: 80,
        max_temp: 150,
        temperature_unit: 'F',
        precision: 1.0,
      }),
      energy: buildSensor({
        unique_id: `nwp500_${ID}_energy`,
        default_entity_id: 'sensor.nwp500_garage_energy',
        name: 'Energy',
        value_template: '{{ value_json.energy_kwh }}',
        device_class: 'energy',
        state_class: 'total_increasing',
        unit_of_measurement: 'kWh',
        json_attributes_topic: STATE,
        json_attributes_template: '{{ value_json.attrs | tojson }}',
      }),
      heat_source: buildSensor({
        unique_id: `nwp500_${ID}_heat_source`,
        default_entity_id: 'sensor.nwp500_garage_heat_source',
        name: 'Heat source',
        value_template: '{{ value_json.heat_source }}',
        device_class: 'enum',
        options: ['Unknown', 'Heat pump', 'Element'],
      }),
      heating: buildBinarySensor({
        unique_id: `nwp500_${ID}_heating`,
        default_entity_id: 'binary_sensor.nwp500_garage_heating',
        name: 'Heating',
        device_class: 'heat',
        value_template: "{{ 'ON' if value_json.heating else 'OFF' }}",
      }),
      power: buildSwitch({
        unique_id: `nwp500_${ID}_power`,
        default_entity_id: 'switch.nwp500_garage_power',
        name: 'Power',
        command_topic: `nwp500/${ID}/power/set`,
        state_topic: STATE,
        value_template: '{{ value_json.power }}',
      }),
      vacation_days: buildNumber({
        unique_id: `nwp500_${ID}_vacation_days`,
        default_entity_id: 'number.nwp500_garage_vacation_days',
        name: 'Vacation days',
        command_topic: `nwp500/${ID}/vacation_days/set`,
        state_topic: STATE,
        value_template: '{{ value_json.vacation_days }}',
        min: 0,
        max: 99,
      }),
      operation: buildSelect({
        unique_id: `nwp500_${ID}_operation`,
        default_entity_id: 'select.nwp500_garage_operation',
        name: 'Operation',
        command_topic: `nwp500/${ID}/operation/set`,
        state_topic: STATE,
        value_template: '{{ value_json.operation }}',
        options: ['eco', 'boost'],
      }),
      firmware: buildUpdate({
        unique_id: `nwp500_${ID}_firmware`,
        default_entity_id: 'update.nwp500_garage_firmware',
        name: 'Firmware',
        device_class: 'firmware',
        value_template: '{{ value_json.firmware | tojson }}',
      }),
    },
  });
}

function retained(stateOverride: Record<string, unknown> = state): Map<string, string> {
  return new Map([
    ['nwp500/bridge/availability', 'online'],
    [`nwp500/${ID}/availability`, 'online'],
    [STATE, JSON.stringify(stateOverride)],
  ]);
}

type JsonObject = { [key: string]: unknown };

/** The object at `path` inside `root` (throws if the test names a path that is not there). */
function at(root: JsonObject, ...path: string[]): JsonObject {
  let current: unknown = root;
  for (const key of path) {
    const next: unknown = (current as JsonObject)[key];
    if (typeof next !== 'object' || next === null) throw new Error(`no object at ${path.join('.')}`);
    current = next;
  }
  return current as JsonObject;
}

/** A deep copy of the good message, mutated by `change`. */
function broken(change: (message: JsonObject) => void): unknown {
  const copy = JSON.parse(JSON.stringify(goodMessage())) as JsonObject;
  change(copy);
  return copy;
}

describe('checkDeviceDiscovery', () => {
  it('accepts a sound device message whose topics are retained and templates read present keys', () => {
    expect(checkDeviceDiscovery(goodMessage(), retained())).toEqual([]);
    expect(checkDeviceDiscovery(JSON.stringify(goodMessage()), retained())).toEqual([]);
  });

  it('reports a state topic with nothing retained on it', () => {
    const map = retained();
    map.delete(STATE);
    expect(checkDeviceDiscovery(goodMessage(), map)).toContain(
      `payload.components.power.state_topic: nothing is retained on "${STATE}" (HA would show the entity as unknown)`,
    );
    map.delete(`nwp500/${ID}/availability`);
    expect(checkDeviceDiscovery(goodMessage(), map).join('\n')).toMatch(
      /availability\[1\]\.topic: nothing is retained/,
    );
  });

  it('reports a template that reads a key absent from the state JSON', () => {
    const { energy_kwh: _omit, ...withoutEnergy } = state;
    expect(checkDeviceDiscovery(goodMessage(), retained(withoutEnergy))).toEqual([
      `payload.components.energy.value_template: reads value_json.energy_kwh, which is not in the JSON on its topic ("${STATE}")`,
    ]);
  });

  it('reports templates outside the allowed simple forms', () => {
    const payload = broken((m) => {
      at(m, 'components', 'energy').value_template = '{{ value_json["energy_kwh"] * 2 }}';
    });
    expect(checkDeviceDiscovery(payload, retained()).join('\n')).toMatch(
      /is not one of the allowed simple forms/,
    );
  });

  it('reports object_id, unknown keys and a default_entity_id in the wrong domain', () => {
    const payload = broken((m) => {
      at(m, 'components', 'energy').object_id = 'nwp500_energy';
      at(m, 'components', 'energy').unit_of_measure = 'kWh';
      at(m, 'components', 'heater').default_entity_id = 'climate.nwp500';
    });
    const problems = checkDeviceDiscovery(payload, retained());
    expect(problems).toContain(
      'payload.components.energy: object_id is deprecated (HA 2026.4 drops it); use default_entity_id',
    );
    expect(problems).toContain(
      'payload.components.energy: unknown key "unit_of_measure" for sensor (HA ignores it)',
    );
    expect(problems).toContain(
      'payload.components.heater.default_entity_id: domain of "climate.nwp500" must be water_heater',
    );
  });

  it('reports unique_ids repeated across payloads', () => {
    const second = broken((m) => {
      at(m, 'device').identifiers = ['nwp500_other'];
    });
    const problems = checkDeviceDiscovery([goodMessage(), second], retained());
    expect(problems).toContain(
      `payload[1].components.energy.unique_id: "nwp500_${ID}_energy" is also used by payload[0].components.energy`,
    );
  });

  it('reports a mode state outside the modes list and a setpoint outside the range', () => {
    const problems = checkDeviceDiscovery(
      goodMessage(),
      retained({ ...state, mode: 'vacation', target_temperature: 160 }),
    );
    expect(problems).toContain(
      'payload.components.heater.mode_state_template: renders "vacation", which is not one of "off", "eco", "heat_pump", "high_demand", "electric"',
    );
    expect(problems).toContain(
      'payload.components.heater.temperature_state_template: renders 160, outside 80…150',
    );
  });

  it('reports a binary sensor that renders True instead of ON', () => {
    const payload = broken((m) => {
      at(m, 'components', 'heating').value_template = '{{ value_json.heating }}';
    });
    expect(checkDeviceDiscovery(payload, retained())).toEqual([
      'payload.components.heating.value_template: renders "True", which is not one of "ON", "OFF"',
    ]);
  });

  it('reports enum, select, switch and number values HA would refuse', () => {
    const problems = checkDeviceDiscovery(
      goodMessage(),
      retained({ ...state, heat_source: 'SOLAR', operation: 'turbo', power: 'on', vacation_days: 'x' }),
    );
    expect(problems).toEqual([
      'payload.components.heat_source.value_template: renders "SOLAR", which is not one of "Unknown", "Heat pump", "Element"',
      'payload.components.power.value_template: renders "on", which is not one of "ON", "OFF"',
      'payload.components.vacation_days.value_template: renders "x", which is not a number',
      'payload.components.operation.value_template: renders "turbo", which is not one of "eco", "boost"',
    ]);
  });

  it('accepts null state values (HA shows them as unknown)', () => {
    expect(checkDeviceDiscovery(goodMessage(), retained({ ...state, energy_kwh: null, mode: null }))).toEqual(
      [],
    );
  });

  it('reports schema mistakes: measurement energy, wrong unit, config sensor, bad mode, missing origin', () => {
    const payload = broken((m) => {
      at(m, 'components', 'energy').state_class = 'measurement';
      at(m, 'components', 'energy').unit_of_measurement = 'kwh';
      at(m, 'components', 'heat_source').entity_category = 'config';
      at(m, 'components', 'heater').modes = ['eco', 'vacation'];
      delete m.origin;
    });
    const problems = checkDeviceDiscovery(payload, retained());
    expect(problems).toEqual(
      expect.arrayContaining([
        'payload.origin: required for device-based discovery',
        expect.stringMatching(/energy: unit "kwh" is not allowed for device_class energy/),
        expect.stringMatching(/energy: state_class measurement is not allowed for device_class energy/),
        expect.stringMatching(/heat_source\.entity_category: "config" is not one of diagnostic/),
        expect.stringMatching(/heater\.modes: "vacation" is not a water_heater mode/),
      ]),
    );
  });

  it('reports a command topic outside the base topic and a sensor reading a JSON object whole', () => {
    const payload = broken((m) => {
      at(m, 'components', 'power').command_topic = 'somewhere/else/set';
      delete at(m, 'components', 'energy').value_template;
    });
    const problems = checkDeviceDiscovery(payload, retained());
    expect(problems).toContain(
      'payload.components.power.command_topic: command topic "somewhere/else/set" is not under "nwp500/"',
    );
    expect(problems).toContain(
      `payload.components.energy: reads the JSON object on "${STATE}" whole; it needs value_template`,
    );
  });

  it('reports a switch that inherits the JSON state topic without a value_template', () => {
    const payload = broken((m) => {
      delete at(m, 'components', 'power').state_topic;
      delete at(m, 'components', 'power').value_template;
    });
    expect(checkDeviceDiscovery(payload, retained())).toEqual([
      `payload.components.power: reads the JSON object on "${STATE}" whole; it needs value_template`,
    ]);
  });

  it('requires default_entity_id on every component, unique across the payloads', () => {
    const payload = broken((m) => {
      delete at(m, 'components', 'power').default_entity_id;
    });
    expect(checkDeviceDiscovery(payload, retained())).toEqual([
      'payload.components.power.default_entity_id: required, or HA makes the id from the name (two heaters named alike get _2)',
    ]);
    const second = broken((m) => {
      at(m, 'device').identifiers = ['nwp500_other'];
      for (const component of Object.values(at(m, 'components'))) {
        const c = component as JsonObject;
        c.unique_id = `${String(c.unique_id)}_2`;
      }
    });
    expect(checkDeviceDiscovery([goodMessage(), second], retained())).toContain(
      'payload[1].components.power.default_entity_id: "switch.nwp500_garage_power" is also used by payload[0].components.power',
    );
  });

  it('rejects SCREAMING_CASE enum states and select options: people read them', () => {
    const payload = broken((m) => {
      at(m, 'components', 'heat_source').options = ['UNKNOWN', 'HEATPUMP', 'HEAT_PUMP_HEATELEMENT', 'TOU'];
      at(m, 'components', 'operation').options = ['ENERGY_SAVER', 'eco', 'None'];
    });
    // "TOU" is an abbreviation people read as such; wire names are longer or joined with _.
    expect(checkDeviceDiscovery(payload, retained({ ...state, heat_source: 'TOU' }))).toEqual([
      'payload.components.heat_source.options: "UNKNOWN" is a wire name (SCREAMING_CASE); show words such as "Heat pump"',
      'payload.components.heat_source.options: "HEATPUMP" is a wire name (SCREAMING_CASE); show words such as "Heat pump"',
      'payload.components.heat_source.options: "HEAT_PUMP_HEATELEMENT" is a wire name (SCREAMING_CASE); show words such as "Heat pump"',
      'payload.components.operation.options: "ENERGY_SAVER" is a wire name (SCREAMING_CASE); show words such as "Heat pump"',
      'payload.components.operation.options: "None" is what HA reads as unknown, not as a state; use another word',
    ]);
  });

  it('reports two names of one device that differ only by a filler word', () => {
    const payload = broken((m) => {
      at(m, 'components', 'heating').name = 'Power sensor';
      at(m, 'components', 'vacation_days').name = 'Current power';
    });
    expect(checkDeviceDiscovery(payload, retained())).toEqual([
      'payload.components.power.name: "Power" differs from "Power sensor" only by filler words',
      'payload.components.vacation_days.name: "Current power" differs from "Power sensor" only by filler words',
    ]);
  });

  it('reads an update entity: JSON versions, never null', () => {
    expect(
      checkDeviceDiscovery(goodMessage(), retained({ ...state, firmware: { installed_version: 184614912 } })),
    ).toEqual(['payload.components.firmware.value_template: installed_version must be text (got 184614912)']);
    expect(checkDeviceDiscovery(goodMessage(), retained({ ...state, firmware: null }))).toEqual([
      'payload.components.firmware.value_template: renders null, which HA cannot read as versions (use {})',
    ]);
    expect(checkDeviceDiscovery(goodMessage(), retained({ ...state, firmware: {} }))).toEqual([]);
  });

  it('reports a component without platform or unique_id, and a payload that is not an object', () => {
    const payload = broken((m) => {
      delete at(m, 'components', 'energy').unique_id;
      delete at(m, 'components', 'heating').platform;
    });
    const problems = checkDeviceDiscovery(payload, retained());
    expect(problems).toContain(
      'payload.components.energy.unique_id: required, letters/digits/_/- only (got undefined)',
    );
    expect(problems).toContain('payload.components.heating.platform: undefined is not a supported platform');
    expect(checkDeviceDiscovery('not json', retained())).toEqual([
      'payload: discovery payload must be a JSON object',
    ]);
  });
});

describe('checkRetainedDiscovery', () => {
  it('checks every device message found among the retained topics', () => {
    const map = retained();
    map.set(DISCOVERY, JSON.stringify(goodMessage()));
    expect(checkRetainedDiscovery(map)).toEqual([]);
    map.set(STATE, JSON.stringify({ ...state, mode: 'boost' }));
    expect(checkRetainedDiscovery(map)).toEqual([
      `${DISCOVERY}.components.heater.mode_state_template: renders "boost", which is not one of "off", "eco", "heat_pump", "high_demand", "electric"`,
    ]);
    expect(checkRetainedDiscovery(retained())).toEqual([
      'no device discovery under homeassistant/device/ is retained',
    ]);
  });
});

describe('renderTemplate', () => {
  it('renders the allowed forms as Jinja would', () => {
    const json = { a: 1.26, b: null, c: true, d: 'Eco', nested: { e: 5 } };
    expect(renderTemplate('{{ value_json.a }}', json)).toEqual({ value: '1.26' });
    expect(renderTemplate('{{value_json.b}}', json)).toEqual({ value: 'None' });
    expect(renderTemplate('{{ value_json.c }}', json)).toEqual({ value: 'True' });
    expect(renderTemplate('{{ value_json.nested.e }}', json)).toEqual({ value: '5' });
    expect(renderTemplate('{{ value_json.a | round(1) }}', json)).toEqual({ value: '1.3' });
    expect(renderTemplate('{{ value_json.a | int }}', json)).toEqual({ value: '1' });
    expect(renderTemplate('{{ value_json.d | lower }}', json)).toEqual({ value: 'eco' });
    expect(renderTemplate('{{ value_json.nested | tojson }}', json)).toEqual({ value: '{"e":5}' });
    expect(renderTemplate(`{{ "on" if value_json.c else "off" }}`, json)).toEqual({ value: 'on' });
    expect(renderTemplate(`{{ 'ON' if value_json.b else 'OFF' }}`, json)).toEqual({ value: 'OFF' });
  });

  it('explains what it cannot render', () => {
    expect(renderTemplate('{{ value_json.missing }}', {})).toEqual({
      problem: 'reads value_json.missing, which is not in the JSON on its topic',
    });
    expect(renderTemplate('{{ value_json.nested }}', { nested: {} })).toEqual({
      problem: 'value_json.nested is an object or list, not a value',
    });
    expect('problem' in renderTemplate('{{ value }}', {})).toBe(true);
    expect('problem' in renderTemplate('{% if value_json.a %}1{% endif %}', { a: 1 })).toBe(true);
  });
});
