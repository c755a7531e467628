// The NWP500 entity table turned into discovery and state: what HA users of ha_nwp500 expect, with
// its mistakes fixed, checked against HA's rules and read from what a (simulated) NWP500 reports.

import { describe, expect, it } from 'vitest';
import { buildWaterHeaterDiscovery } from '../../src/ha/deviceDiscovery.js';
import type { DeviceDiscovery } from '../../src/ha/discovery/index.js';
import { NWP500_ENTITIES } from '../../src/ha/entities.js';
import { entitiesFor } from '../../src/ha/entityModel.js';
import type { DeviceSnapshot } from '../../src/ha/snapshot.js';
import { type AttributesJson, buildAttributes, buildState, type StateJson } from '../../src/ha/state.js';
import { topics as makeTopics } from '../../src/ha/topics.js';
import { checkRetainedDiscovery } from '../helpers/haRules.js';
import { DEVICE_ID, simSnapshot } from './fixtures.js';

const topics = makeTopics('nwp500', 'homeassistant', 'a1b2c3d4');
const ORIGIN = { name: 'nwp500-bridge', sw_version: '0.1.0' };

function discoveryOf(snapshot: DeviceSnapshot): DeviceDiscovery {
  return buildWaterHeaterDiscovery({
    table: NWP500_ENTITIES,
    snapshot,
    identity: {
      deviceId: DEVICE_ID,
      name: 'Water Heater',
      entityIdPrefix: 'nwp500_water_heater',
      bridgeDeviceId: topics.bridgeDeviceId,
    },
    topics,
    origin: ORIGIN,
  });
}

function stateOf(snapshot: DeviceSnapshot): StateJson {
  return buildState(NWP500_ENTITIES, snapshot);
}

function attributesOf(snapshot: DeviceSnapshot): AttributesJson {
  return buildAttributes(NWP500_ENTITIES, snapshot);
}

/** What HA would find on the broker for this snapshot: discovery, state, attributes, both availabilities. */
function retainedFor(snapshot: DeviceSnapshot): Map<string, string> {
  return new Map([
    [topics.deviceDiscovery(DEVICE_ID), JSON.stringify(discoveryOf(snapshot))],
    [topics.deviceState(DEVICE_ID), JSON.stringify(stateOf(snapshot))],
    [topics.deviceAttributes(DEVICE_ID), JSON.stringify(attributesOf(snapshot))],
    [topics.bridgeAvailability, 'online'],
    [topics.deviceAvailability(DEVICE_ID), 'online'],
  ]);
}

function component(snapshot: DeviceSnapshot, key: string): Record<string, unknown> {
  const found = discoveryOf(snapshot).components[key];
  if (!found) throw new Error(`no component ${key}`);
  return found as Record<string, unknown>;
}

// ha_nwp500 0.18.0: the keys its users have in automations and dashboards.
const HA_NWP500_BINARY_SENSORS = [
  'operation_busy',
  'freeze_protection_use',
  'dhw_use',
  'dhw_use_sustained',
  'comp_use',
  'eev_use',
  'eva_fan_use',
  'heat_upper_use',
  'heat_lower_use',
  'scald_use',
  'anti_legionella_use',
  'anti_legionella_operation_busy',
  'air_filter_alarm_use',
  'error_buzzer_use',
  'eco_use',
  'program_reservation_use',
  'shut_off_valve_use',
  'con_ovr_sensor_use',
  'wtr_ovr_sensor_use',
  'did_reload',
  'recirculation_pump_operation_status',
  'recirculation_operation_busy',
  'recirculation_hot_button_ready',
  'recirculation_reservation_use',
  'tou_override_status',
  'tou_status',
];
const HA_NWP500_SENSORS = [
  'outside_temperature',
  'tank_upper_temperature',
  'tank_lower_temperature',
  'discharge_temperature',
  'suction_temperature',
  'evaporator_temperature',
  'ambient_temperature',
  'dhw_temperature',
  'dhw_temperature_2',
  'current_inlet_temperature',
  'freeze_protection_temperature',
  'target_super_heat',
  'current_super_heat',
  'current_inst_power',
  'usable_energy',
  'energy_to_setpoint',
  'full_recovery_energy',
  'dhw_charge_per',
  'mixing_rate',
  'fan_pwm',
  'wifi_rssi',
  'error_code',
  'sub_error_code',
  'current_dhw_flow_rate',
  'cumulated_dhw_flow_rate',
  'target_fan_rpm',
  'current_fan_rpm',
  'vacation_day_setting',
  'vacation_day_elapsed',
  'current_heat_use',
  'eev_step',
  'current_state_num',
  'smart_diagnostic',
  'special_function_status',
  'fault_status_1',
  'fault_status_2',
  'operation_mode',
  'dhw_operation_setting',
  'dhw_target_temperature_setting',
  'dhw_temperature_setting',
  'hp_upper_on_temp_setting',
  'hp_lower_on_temp_setting',
  'hp_upper_off_temp_setting',
  'hp_lower_off_temp_setting',
  'hp_upper_on_diff_temp_setting',
  'hp_lower_on_diff_temp_setting',
  'hp_upper_off_diff_temp_setting',
  'hp_lower_off_diff_temp_setting',
  'he_upper_on_temp_setting',
  'he_lower_on_temp_setting',
  'he_upper_off_temp_setting',
  'he_lower_off_temp_setting',
  'he_upper_on_diff_temp_setting',
  'he_lower_on_diff_temp_setting',
  'he_upper_off_diff_temp_setting',
  'he_lower_off_diff_temp_setting',
  'heat_min_op_temperature',
  'freeze_protection_temp_min',
  'freeze_protection_temp_max',
  'recirculation_temp_setting',
  'recirculation_temperature',
  'recirculation_faucet_temperature',
  'recirculation_dhw_flow_rate',
  'cumulated_evaporator_fan_op_time',
  'anti_legionella_period',
  'air_filter_alarm_period',
  'air_filter_alarm_elapsed',
  'temperature_type',
  'temp_formula_type',
  'dr_event_status',
  'dr_override_status',
  'recirculation_error_status',
  'recirculation_operation_reason',
  'recirculation_operation_mode',
  'recirculation_model_type_code',
  'recirculation_sw_version',
  'recirculation_temperature_min',
  'recirculation_temperature_max',
  'program_reservation_type',
];
// Their enabled-by-default set.
const HA_NWP500_ENABLED = [
  'operation_busy',
  'freeze_protection_use',
  'dhw_use',
  'comp_use',
  'heat_upper_use',
  'heat_lower_use',
  'tou_override_status',
  'tou_status',
  'outside_temperature',
  'tank_upper_temperature',
  'tank_lower_temperature',
  'dhw_temperature',
  'current_inst_power',
  'usable_energy',
  'dhw_charge_per',
  'error_code',
  'current_heat_use',
  'operation_mode',
  'dhw_operation_setting',
  'water_heater',
  'target_temperature',
  'power',
  'tou',
  'anti_legionella',
];

/**
 * ha_nwp500 entities whose value is a control's state here, so they are not repeated: the control
 * (same field) is what users get instead. On a unit with recirculation its mode is the select.
 */
const SHOWN_BY_A_CONTROL: Readonly<Record<string, { key: string; platform: string }>> = {
  anti_legionella_use: { key: 'anti_legionella', platform: 'switch' },
  program_reservation_use: { key: 'reservation_program', platform: 'switch' },
  tou_status: { key: 'tou', platform: 'switch' },
  freeze_protection_temperature: { key: 'freeze_protection_setpoint', platform: 'number' },
  dhw_target_temperature_setting: { key: 'target_temperature', platform: 'number' },
};

describe('the NWP500 entity table', () => {
  it('offers every entity ha_nwp500 users have, under the same keys and platforms or as the control that shows it', () => {
    for (const snapshot of [simSnapshot(), simSnapshot({ feature: { recirculationUse: 2 } })]) {
      const components = discoveryOf(snapshot).components;
      const expectKey = (key: string, platform: string) => {
        const instead = SHOWN_BY_A_CONTROL[key];
        if (instead)
          expect(components[instead.key]?.platform, `${key} → ${instead.key}`).toBe(instead.platform);
        else expect(components[key]?.platform, key).toBe(platform);
        if (instead) expect(components[key], `${key} is not repeated`).toBeUndefined();
      };
      for (const key of HA_NWP500_BINARY_SENSORS) expectKey(key, 'binary_sensor');
      for (const key of HA_NWP500_SENSORS.filter((k) => k !== 'recirculation_operation_mode'))
        expectKey(key, 'sensor');
      expect(components.water_heater?.platform).toBe('water_heater');
      expect(components.target_temperature?.platform).toBe('number');
      for (const key of ['power', 'tou', 'anti_legionella'])
        expect(components[key]?.platform, key).toBe('switch');
    }
    expect(component(simSnapshot(), 'recirculation_operation_mode').platform).toBe('sensor');
    const recirc = discoveryOf(simSnapshot({ feature: { recirculationUse: 2 } })).components;
    expect(recirc.recirculation_operation_mode).toBeUndefined();
    expect(recirc.recirculation_mode?.platform).toBe('select');
  });

  it('enables by default what ha_nwp500 enables and disables the rest of its entities', () => {
    const components = discoveryOf(simSnapshot()).components;
    for (const key of [...HA_NWP500_BINARY_SENSORS, ...HA_NWP500_SENSORS]) {
      const shown = SHOWN_BY_A_CONTROL[key]?.key ?? key;
      const enabled = components[shown]?.enabled_by_default !== false;
      // The two values ha_nwp500 shows disabled but which are a control here: controls are enabled.
      const expected = HA_NWP500_ENABLED.includes(key) || shown !== key;
      expect(enabled, key).toBe(expected);
    }
  });

  it('keeps the default-enabled set to what people look at', () => {
    const count = (snapshot: DeviceSnapshot) => {
      const all = Object.values(discoveryOf(snapshot).components);
      return { total: all.length, enabled: all.filter((c) => c.enabled_by_default !== false).length };
    };
    // 0.1.0 had 119 entities, 33 enabled. Now: 3 duplicates of switches and 2 of numbers removed; the
    // schedule (sensor + program switch), firmware, freeze protection, TOU plan added; recirculation
    // controls where a module is fitted.
    expect(count(simSnapshot())).toEqual({ total: 119, enabled: 36 });
    expect(count(simSnapshot({ feature: { recirculationUse: 2 } }))).toEqual({ total: 120, enabled: 38 });
  });

  it('gives every component a default entity id <platform>.nwp500_<slug>_<key>', () => {
    for (const [key, config] of Object.entries(discoveryOf(simSnapshot()).components)) {
      expect(config.default_entity_id).toBe(`${config.platform}.nwp500_water_heater_${key}`);
    }
  });

  it('gives unique ids of the form nwp500_<id>_<key>, the component id being the key', () => {
    const components = discoveryOf(simSnapshot()).components;
    for (const [key, config] of Object.entries(components)) {
      expect(config.unique_id).toBe(`nwp500_${DEVICE_ID}_${key}`);
    }
  });

  it('passes the HA rules check for a °F device, a °C device and a device that left fields out', () => {
    expect(checkRetainedDiscovery(retainedFor(simSnapshot()))).toEqual([]);
    expect(
      checkRetainedDiscovery(
        retainedFor(
          simSnapshot({ device: { feature: { temperatureType: 1 } }, status: { temperatureType: 1 } }),
        ),
      ),
    ).toEqual([]);
    expect(
      checkRetainedDiscovery(
        retainedFor(
          simSnapshot({
            status: { dhwTemperature: undefined, errorCode: undefined, dhwOperationSetting: undefined },
          }),
        ),
      ),
    ).toEqual([]);
  });

  it('keeps the attributes off the state: each on the attributes topic exactly when its entity shows', () => {
    for (const snapshot of [
      simSnapshot(),
      simSnapshot({ feature: { recirculationUse: 2 } }),
      simSnapshot({ feature: { recirculationUse: 1 } }),
    ]) {
      const state = stateOf(snapshot);
      const attributes = attributesOf(snapshot);
      expect(Object.keys(state).filter((key) => key.endsWith('_attributes'))).toEqual([]);
      const withAttributes = entitiesFor(NWP500_ENTITIES, snapshot).filter(
        (def) => 'attributes' in def && def.attributes !== undefined,
      );
      expect(Object.keys(attributes)).toEqual(withAttributes.map((def) => def.key));
      for (const key of Object.keys(attributes)) expect(state, key).toHaveProperty(key);
    }
    // A recirculation module's entities come and go with it, attributes included.
    expect(attributesOf(simSnapshot({ feature: { recirculationUse: 1 } }))).not.toHaveProperty(
      'recirculation_mode',
    );
    expect(attributesOf(simSnapshot({ feature: { recirculationUse: 2 } }))).toHaveProperty(
      'recirculation_mode',
    );
  });

  it('describes the device from the cloud name and the feature: model, serial, firmware, tank size, via the bridge', () => {
    const {
      device,
      availability,
      availability_mode: mode,
    } = discoveryOf(simSnapshot({ device: { volumeCode: 3 } }));
    expect(device).toEqual({
      identifiers: [`nwp500_${DEVICE_ID}`],
      name: 'Water Heater',
      manufacturer: 'Navien',
      model: 'NWP500',
      model_id: 'NPF',
      serial_number: `NWP500${DEVICE_ID.slice(6).toUpperCase()}0017`,
      // 184614912 = 0x0B010000, 34013184 = 0x02070000: the bytes, most significant first.
      sw_version: 'controller 11.1.0.0, panel 11.1.0.0, Wi-Fi 2.7.0.0',
      hw_version: '80 gal tank',
      via_device: 'nwp500_bridge_a1b2c3d4',
    });
    expect(availability).toEqual([
      { topic: 'nwp500/bridge/availability' },
      { topic: `nwp500/${DEVICE_ID}/availability` },
    ]);
    expect(mode).toBe('all');
  });
});

describe('the water heater entity', () => {
  it('is the main entity, with modes, setpoint and power on the topics of the mode, setpoint and power controls', () => {
    const heater = component(simSnapshot(), 'water_heater');
    expect(heater).toMatchObject({
      name: null,
      modes: ['off', 'eco', 'heat_pump', 'high_demand', 'electric'],
      mode_command_topic: `nwp500/${DEVICE_ID}/mode/set`,
      temperature_command_topic: `nwp500/${DEVICE_ID}/target_temperature/set`,
      power_command_topic: `nwp500/${DEVICE_ID}/power/set`,
      current_temperature_template: '{{ value_json.dhw_temperature }}',
      temperature_state_template: '{{ value_json.target_temperature }}',
      mode_state_template: '{{ value_json.mode }}',
    });
  });

  it('offers only the modes the feature capability flags allow, and always off', () => {
    const heater = component(simSnapshot({ feature: { heatpumpUse: 1, electricUse: 0 } }), 'water_heater');
    expect(heater.modes).toEqual(['off', 'eco', 'high_demand']);
  });

  it('takes the °F range from the feature limits, narrowed to whole degrees, with precision 1', () => {
    // Feature raw 81–130 half-°C is 104.9–149 °F.
    expect(component(simSnapshot(), 'water_heater')).toMatchObject({
      min_temp: 105,
      max_temp: 149,
      precision: 1,
      temperature_unit: 'F',
    });
    expect(component(simSnapshot(), 'target_temperature')).toMatchObject({
      min: 105,
      max: 149,
      step: 1,
      unit_of_measurement: '°F',
    });
  });

  it('takes the °C range in half degrees for a device that displays °C', () => {
    const snapshot = simSnapshot({
      device: { feature: { temperatureType: 1 } },
      status: { temperatureType: 1 },
    });
    expect(component(snapshot, 'water_heater')).toMatchObject({
      min_temp: 40.5,
      max_temp: 65,
      precision: 0.5,
      temperature_unit: 'C',
    });
    expect(component(snapshot, 'target_temperature')).toMatchObject({
      min: 40.5,
      max: 65,
      step: 0.5,
      unit_of_measurement: '°C',
    });
    expect(component(snapshot, 'dhw_temperature')).toMatchObject({ unit_of_measurement: '°C' });
  });

  it('maps the DHW operation setting to HA modes, 6 to off', () => {
    const modeOf = (value: number) => stateOf(simSnapshot({ status: { dhwOperationSetting: value } })).mode;
    expect([1, 2, 3, 4, 6].map(modeOf)).toEqual(['heat_pump', 'electric', 'eco', 'high_demand', 'off']);
  });

  it('shows the mode vacation returns to while on vacation: the remembered one, else eco', () => {
    expect(stateOf(simSnapshot({ status: { dhwOperationSetting: 5 }, lastMode: 'high_demand' })).mode).toBe(
      'high_demand',
    );
    expect(stateOf(simSnapshot({ status: { dhwOperationSetting: 5 } })).mode).toBe('eco');
  });

  it('shows an unknown mode (null) for a setting the device should not report', () => {
    expect(stateOf(simSnapshot({ status: { dhwOperationSetting: 9 } })).mode).toBeNull();
    // Heat pump reported by a device whose feature denies it: not a mode HA was offered.
    expect(
      stateOf(simSnapshot({ status: { dhwOperationSetting: 1 }, feature: { heatpumpUse: 1 } })).mode,
    ).toBeNull();
  });

  it('reads the setpoint from dhwTargetTemperatureSetting, falling back to dhwTemperatureSetting', () => {
    expect(stateOf(simSnapshot({ status: { dhwTargetTemperatureSetting: 120 } })).target_temperature).toBe(
      140,
    );
    expect(
      stateOf(simSnapshot({ status: { dhwTargetTemperatureSetting: undefined, dhwTemperatureSetting: 98 } }))
        .target_temperature,
    ).toBe(120);
  });

  it('shows °F setpoints in whole degrees as the panel does: every whole °F in range reads back as sent', () => {
    // 120 °F is raw 98 = 49 °C = 120.2 °F; 125 °F is raw 103 = 124.7 °F; 105 °F is raw 81 = 104.9 °F,
    // under the entity's own minimum.
    const readBack = (raw: number) =>
      stateOf(simSnapshot({ status: { dhwTargetTemperatureSetting: raw } })).target_temperature;
    expect(readBack(98)).toBe(120);
    expect(readBack(81)).toBe(105);
    expect(readBack(103)).toBe(125);
    const { min, max } = component(simSnapshot(), 'target_temperature') as { min: number; max: number };
    for (let f = min; f <= max; f++) {
      const raw = Math.round((((f - 32) * 5) / 9) * 2);
      expect(readBack(raw), `${f} °F`).toBe(f);
    }
    expect(stateOf(simSnapshot({ status: { hpUpperOnTempSetting: 98 } })).hp_upper_on_temp_setting).toBe(120);
    expect(component(simSnapshot(), 'hp_upper_on_temp_setting').suggested_display_precision).toBe(0);
    // °C: half degrees, one decimal.
    const celsius = simSnapshot({
      device: { feature: { temperatureType: 1 } },
      status: { temperatureType: 1, dhwTargetTemperatureSetting: 97 },
    });
    expect(stateOf(celsius).target_temperature).toBe(48.5);
    expect(component(celsius, 'hp_upper_on_temp_setting').suggested_display_precision).toBe(1);
  });
});

describe('the controls', () => {
  it('shows power off only when the setting is 6', () => {
    expect(stateOf(simSnapshot({ status: { dhwOperationSetting: 6 } })).power).toBe('OFF');
    expect(stateOf(simSnapshot({ status: { dhwOperationSetting: 5 } })).power).toBe('ON');
    expect(stateOf(simSnapshot({ status: { dhwOperationSetting: undefined } })).power).toBe('ON');
    expect(
      stateOf(simSnapshot({ status: { dhwOperationSetting: undefined, operationMode: undefined } })).power,
    ).toBeNull();
  });

  it('shows vacation on while the setting is 5, and the device day count during vacation', () => {
    const away = stateOf(
      simSnapshot({ status: { dhwOperationSetting: 5, vacationDaySetting: 12 }, vacationDays: 3 }),
    );
    expect(away).toMatchObject({ vacation: 'ON', vacation_days: 12 });
    const home = stateOf(
      simSnapshot({ status: { dhwOperationSetting: 3, vacationDaySetting: 0 }, vacationDays: 3 }),
    );
    expect(home).toMatchObject({ vacation: 'OFF', vacation_days: 3 });
  });

  it('offers demand response only where the feature allows it, on while a DR event status is reported', () => {
    expect(
      discoveryOf(simSnapshot({ feature: { drSettingUse: 1 } })).components.demand_response,
    ).toBeUndefined();
    expect(stateOf(simSnapshot({ feature: { drSettingUse: 1 } })).demand_response).toBeUndefined();
    expect(component(simSnapshot(), 'demand_response').platform).toBe('switch');
    expect(stateOf(simSnapshot({ status: { drEventStatus: 0 } })).demand_response).toBe('OFF');
    expect(stateOf(simSnapshot({ status: { drEventStatus: 2 } })).demand_response).toBe('ON');
  });

  it('has a vacation-days number from 1 to 30 days and an air-filter reset button', () => {
    expect(component(simSnapshot(), 'vacation_days')).toMatchObject({
      min: 1,
      max: 30,
      step: 1,
      device_class: 'duration',
      unit_of_measurement: 'd',
      entity_category: 'config',
    });
    expect(component(simSnapshot(), 'air_filter_reset')).toMatchObject({
      platform: 'button',
      payload_press: 'PRESS',
      command_topic: `nwp500/${DEVICE_ID}/air_filter_reset/set`,
    });
  });
});

describe('the sensors', () => {
  it('names the error and carries code and sub-code as attributes, with problem and leak flags', () => {
    const leak = simSnapshot({ status: { errorCode: 799, subErrorCode: 2 } });
    expect(stateOf(leak)).toMatchObject({
      error_code: 'E799 water leak detected (sub-code 2)',
      problem: 'ON',
      water_leak: 'ON',
    });
    expect(attributesOf(leak).error_code).toEqual({ code: 799, sub_code: 2, name: 'E799_WATER_LEAK' });
    const fine = stateOf(simSnapshot({ status: { errorCode: 0, subErrorCode: 0 } }));
    expect(fine).toMatchObject({ error_code: 'No error', problem: 'OFF', water_leak: 'OFF' });
    // A status without the field means no error, as in the library and the vendor app.
    const silent = simSnapshot({ status: { errorCode: undefined, subErrorCode: undefined } });
    expect(stateOf(silent).error_code).toBe('No error');
    expect(attributesOf(silent).error_code).toMatchObject({ code: 0, sub_code: null });
    expect(component(simSnapshot(), 'error_code')).toMatchObject({
      json_attributes_topic: `nwp500/${DEVICE_ID}/attributes`,
      json_attributes_template: '{{ value_json.error_code | tojson }}',
    });
  });

  it('gives superheat and the hysteresis settings no temperature class, since they are differences', () => {
    for (const key of [
      'target_super_heat',
      'current_super_heat',
      'hp_upper_on_diff_temp_setting',
      'he_lower_on_diff_temp_setting',
    ]) {
      const config = component(simSnapshot(), key);
      expect(config.device_class, key).toBeUndefined();
      expect(config.unit_of_measurement, key).toBe('°F');
    }
    // 5.0 °C of superheat is 9 °F of difference, not 41 °F.
    expect(stateOf(simSnapshot({ status: { targetSuperHeat: 50 } })).target_super_heat).toBe(9);
  });

  it('uses HA units and classes: d/h durations, flow and water in the heater unit system, energy storage, enums in words', () => {
    expect(component(simSnapshot(), 'vacation_day_setting')).toMatchObject({
      device_class: 'duration',
      unit_of_measurement: 'd',
    });
    expect(component(simSnapshot(), 'dr_override_status')).toMatchObject({
      device_class: 'duration',
      unit_of_measurement: 'h',
    });
    // A °F heater: gal and gal/min (10.0 L/min is 2.64 gal/min; 48213 L is 12736.5 gal).
    expect(component(simSnapshot(), 'current_dhw_flow_rate')).toMatchObject({
      device_class: 'volume_flow_rate',
      unit_of_measurement: 'gal/min',
    });
    expect(component(simSnapshot(), 'cumulated_dhw_flow_rate')).toMatchObject({
      device_class: 'water',
      state_class: 'total_increasing',
      unit_of_measurement: 'gal',
    });
    expect(stateOf(simSnapshot({ status: { currentDhwFlowRate: 100 } })).current_dhw_flow_rate).toBe(2.64);
    expect(stateOf(simSnapshot({ status: { cumulatedDhwFlowRate: 48213 } })).cumulated_dhw_flow_rate).toBe(
      12736.5,
    );
    // A °C heater: L and L/min.
    const metric = simSnapshot({
      device: { feature: { temperatureType: 1 } },
      status: { temperatureType: 1, currentDhwFlowRate: 100, cumulatedDhwFlowRate: 48213 },
    });
    expect(component(metric, 'current_dhw_flow_rate').unit_of_measurement).toBe('L/min');
    expect(component(metric, 'cumulated_dhw_flow_rate').unit_of_measurement).toBe('L');
    expect(stateOf(metric)).toMatchObject({ current_dhw_flow_rate: 10, cumulated_dhw_flow_rate: 48213 });
    expect(component(simSnapshot(), 'usable_energy')).toMatchObject({
      device_class: 'energy_storage',
      unit_of_measurement: 'Wh',
    });
    expect(component(simSnapshot(), 'dhw_operation_setting')).toMatchObject({
      device_class: 'enum',
      options: ['Heat pump', 'Electric', 'Energy saver', 'High demand', 'Vacation', 'Off', 'Unknown'],
      json_attributes_template: '{{ value_json.dhw_operation_setting | tojson }}',
    });
    const saver = simSnapshot({ status: { dhwOperationSetting: 3 } });
    expect(stateOf(saver).dhw_operation_setting).toBe('Energy saver');
    expect(attributesOf(saver).dhw_operation_setting).toEqual({ value: 3, name: 'ENERGY_SAVER' });
    const hybrid = simSnapshot({ status: { operationMode: 64, currentHeatUse: 1 } });
    expect(stateOf(hybrid)).toMatchObject({
      operation_mode: 'Hybrid efficiency',
      current_heat_use: 'Heat pump',
    });
    expect(attributesOf(hybrid)).toMatchObject({
      operation_mode: { value: 64, name: 'HYBRID_EFFICIENCY_MODE' },
      current_heat_use: { value: 1, name: 'HEATPUMP' },
    });
  });

  it('shows an enum value the device left out or the table does not know as the option Unknown, never "None"', () => {
    // HA cannot set an MQTT enum sensor to unknown: "None" would be a state outside its options.
    const unknown = simSnapshot({ status: { dhwOperationSetting: 42 } });
    expect(stateOf(unknown).dhw_operation_setting).toBe('Unknown');
    expect(attributesOf(unknown).dhw_operation_setting).toEqual({ value: 42, name: null });
    expect(stateOf(simSnapshot({ status: { operationMode: undefined } })).operation_mode).toBe('Unknown');
    for (const key of ['current_heat_use', 'recirculation_operation_mode']) {
      expect(
        (component(simSnapshot(), key).options as string[]).filter((o) => o === 'Unknown'),
        key,
      ).toHaveLength(1);
    }
  });

  it('lets raw codes show unknown: they are numeric sensors (a display precision), so null is not the text "None"', () => {
    for (const key of [
      'sub_error_code',
      'fault_status_1',
      'program_reservation_type',
      'recirculation_sw_version',
    ]) {
      expect(component(simSnapshot(), key).suggested_display_precision, key).toBe(0);
    }
  });

  it('names the tank temperature for what it is and rounds temperatures to 0.1°', () => {
    expect(component(simSnapshot(), 'dhw_temperature').name).toBe('Tank temperature');
    // 52.3 °C is 126.14 °F.
    expect(stateOf(simSnapshot({ status: { tankUpperTemperature: 523 } })).tank_upper_temperature).toBe(
      126.1,
    );
  });

  it('offers kWh totals for the Energy dashboard, unknown (not 0) before the first energy report', () => {
    for (const key of ['energy_heat_pump', 'energy_element', 'energy_total']) {
      expect(component(simSnapshot(), key), key).toMatchObject({
        device_class: 'energy',
        state_class: 'total_increasing',
        unit_of_measurement: 'kWh',
      });
    }
    expect(stateOf(simSnapshot())).toMatchObject({
      energy_heat_pump: null,
      energy_element: null,
      energy_total: null,
    });
    const energy = { heatPumpKwh: 1.5, elementKwh: 0.25, totalKwh: 1.75 };
    expect(stateOf(simSnapshot({ energy }))).toMatchObject({
      energy_heat_pump: 1.5,
      energy_element: 0.25,
      energy_total: 1.75,
    });
  });

  it('keeps a key whose value the device stopped sending, as null', () => {
    const state = stateOf(simSnapshot({ status: { dhwTemperature2: undefined, wifiRssi: 'garbage' } }));
    expect(state).toHaveProperty('dhw_temperature_2', null);
    expect(state).toHaveProperty('wifi_rssi', null);
  });

  it('reads the recirculation limits from the feature, where they live', () => {
    const state = stateOf(simSnapshot({ feature: { recircTemperatureMin: 70, recircTemperatureMax: 120 } }));
    expect(state).toMatchObject({ recirculation_temperature_min: 95, recirculation_temperature_max: 140 });
  });
});
