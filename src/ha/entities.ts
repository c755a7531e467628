// The NWP500's Home Assistant entities as one table: the controls (controls.ts), the Energy-dashboard
// totals, errors, and every status value HA users of ha_nwp500 have (with its unit, class and naming
// mistakes fixed), in the order of the reference's entity list. The machinery in deviceDiscovery.ts,
// state.ts and commands.ts turns it into discovery components, the state JSON and command routing.

import { describeError } from '../device/errorCodes.js';
import { roundTo } from '../device/units.js';
import { NWP500_CONTROLS } from './controls.js';
import type { EntityDef, SensorDef, StateValue } from './entityModel.js';
import {
  code,
  difference,
  duration,
  enumeration,
  flag,
  flow,
  measurement,
  setting,
  temperature,
  water,
} from './entityRows.js';
import {
  ACTIVITY_LABELS,
  DISPLAY_UNIT_LABELS,
  DR_EVENT_LABELS,
  HEAT_SOURCE_LABELS,
  OPERATING_MODE_LABELS,
  RECIRCULATION_MODE_LABELS,
  TEMPERATURE_FORMULA_LABELS,
} from './labels.js';
import { type DeviceSnapshot, setpointValue, statusReader } from './snapshot.js';

const readErrorCode = statusReader('error_code');
const readSubErrorCode = statusReader('sub_error_code');

type S = DeviceSnapshot;

/** A feature (not status) value: the recirculation module's identity and limits live there. */
function featureNumber(read: (s: S) => number | null | undefined): (s: S) => StateValue {
  return (s) => {
    const value = read(s);
    return typeof value === 'number' && Number.isFinite(value) ? roundTo(value, 1) : null;
  };
}

function recircLimit(which: 'min' | 'max'): (s: S) => number | null {
  return (s) => {
    const limit = s.feature?.limits.recircTemperature[which];
    if (!limit) return null;
    return setpointValue(s.unit === 'C' ? limit.celsius : limit.fahrenheit, s.unit);
  };
}

/** A status without the field means no error, as in the library and the vendor app. */
function errorCode(s: S): number {
  const value = readErrorCode(s);
  return typeof value === 'number' ? value : 0;
}

function subErrorCode(s: S): number | null {
  const value = readSubErrorCode(s);
  return typeof value === 'number' ? value : null;
}

function sentenceCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function energyOf(read: (totals: NonNullable<S['energy']>) => number): (s: S) => StateValue {
  return (s) => (s.energy ? read(s.energy) : null);
}

function energyTotal(
  key: string,
  name: string,
  read: (totals: NonNullable<S['energy']>) => number,
): SensorDef<S> {
  return {
    platform: 'sensor',
    key,
    name,
    enabled: true,
    deviceClass: 'energy',
    stateClass: 'total_increasing',
    unit: 'kWh',
    precision: 2,
    read: energyOf(read),
  };
}

const recirculationFitted = (s: S) => s.feature?.capabilities.recirculationUse === true;

export const NWP500_ENTITIES: readonly EntityDef<S>[] = [
  ...NWP500_CONTROLS,

  // Energy for HA's Energy dashboard: lifetime totals from the device's daily figures.
  energyTotal('energy_heat_pump', 'Heat pump energy', (e) => e.heatPumpKwh),
  energyTotal('energy_element', 'Heating element energy', (e) => e.elementKwh),
  energyTotal('energy_total', 'Total energy', (e) => e.totalKwh),

  // Errors: the code in words, a problem flag, and the leak error on its own for alerts.
  {
    platform: 'sensor',
    key: 'error_code',
    name: 'Error',
    enabled: true,
    category: 'diagnostic',
    icon: 'mdi:alert-circle-outline',
    read: (s) => sentenceCase(describeError(errorCode(s), subErrorCode(s)).text),
    attributesFrom: (s) => [errorCode(s), subErrorCode(s)],
    attributes: (s) => {
      const described = describeError(errorCode(s), subErrorCode(s));
      return { code: described.code, sub_code: described.subCode, name: described.name };
    },
  },
  {
    platform: 'binary_sensor',
    key: 'problem',
    name: 'Problem',
    enabled: true,
    deviceClass: 'problem',
    read: (s) => errorCode(s) !== 0,
  },
  {
    platform: 'binary_sensor',
    key: 'water_leak',
    name: 'Water leak',
    enabled: true,
    deviceClass: 'moisture',
    read: (s) => errorCode(s) === 799,
  },
  code('sub_error_code', 'Sub-error code'),

  // Binary sensors (ha_nwp500). Three of its flags are the state of a switch above and are not
  // repeated: anti_legionella_use (Anti-legionella), program_reservation_use (Reservation
  // program), tou_status (Time of use).
  flag('operation_busy', 'Heating', true, 'running'),
  flag('freeze_protection_use', 'Freeze protection active', true),
  flag('dhw_use', 'Hot water in use', true, 'running'),
  flag('dhw_use_sustained', 'Sustained hot water use', false, 'running'),
  flag('comp_use', 'Compressor', true, 'running'),
  flag('eev_use', 'Expansion valve', false, 'running'),
  flag('eva_fan_use', 'Evaporator fan', false, 'running'),
  flag('heat_upper_use', 'Upper heating element', true, 'heat'),
  flag('heat_lower_use', 'Lower heating element', true, 'heat'),
  flag('scald_use', 'Scald warning', false, 'safety'),
  flag('anti_legionella_operation_busy', 'Anti-legionella cycle', false, 'running'),
  flag('air_filter_alarm_use', 'Air filter reminder enabled', false),
  flag('error_buzzer_use', 'Error buzzer enabled', false),
  // The ECO high limit having tripped (ha_nwp500 calls it "enabled", which it is not).
  flag('eco_use', 'ECO high limit tripped', false),
  flag('shut_off_valve_use', 'Shut-off valve', false),
  // "Use" flags: the sensor is fitted and armed. An actual overflow is E990, a leak E799 (above).
  flag('con_ovr_sensor_use', 'Condensate sensor armed', false),
  flag('wtr_ovr_sensor_use', 'Leak sensor armed', false),
  flag('did_reload', 'Recently restarted', false),
  flag('recirculation_pump_operation_status', 'Recirculation pump', false, 'running'),
  flag('recirculation_operation_busy', 'Recirculation running', false, 'running'),
  flag('recirculation_hot_button_ready', 'Recirculation hot button ready', false),
  flag('recirculation_reservation_use', 'Recirculation schedule active', false),
  flag('tou_override_status', 'TOU override', true),

  // Temperatures (ha_nwp500), in the device's unit; settings as the panel shows them.
  temperature('outside_temperature', 'Outside temperature', true),
  temperature('tank_upper_temperature', 'Tank upper temperature', true),
  temperature('tank_lower_temperature', 'Tank lower temperature', true),
  // Measured in the tank (it tracks the upper thermistor), not at the outlet.
  temperature('dhw_temperature', 'Tank temperature', true),
  temperature('discharge_temperature', 'Compressor discharge temperature', false),
  temperature('suction_temperature', 'Compressor suction temperature', false),
  temperature('evaporator_temperature', 'Evaporator coil temperature', false),
  temperature('ambient_temperature', 'Ambient temperature', false),
  temperature('dhw_temperature_2', 'Second hot water sensor temperature', false),
  temperature('current_inlet_temperature', 'Cold water inlet temperature', false),
  // freeze_protection_temperature is the freeze-protection number's value (controls.ts), and
  // dhw_target_temperature_setting the target temperature's: neither is repeated as a sensor.
  setting('dhw_temperature_setting', 'Temperature setting'),
  setting('hp_upper_on_temp_setting', 'Heat pump upper on temperature'),
  setting('hp_lower_on_temp_setting', 'Heat pump lower on temperature'),
  setting('hp_upper_off_temp_setting', 'Heat pump upper off temperature'),
  setting('hp_lower_off_temp_setting', 'Heat pump lower off temperature'),
  setting('he_upper_on_temp_setting', 'Element upper on temperature'),
  setting('he_lower_on_temp_setting', 'Element lower on temperature'),
  setting('he_upper_off_temp_setting', 'Element upper off temperature'),
  setting('he_lower_off_temp_setting', 'Element lower off temperature'),
  setting('heat_min_op_temperature', 'Heat pump minimum operating temperature'),
  setting('freeze_protection_temp_min', 'Freeze protection minimum temperature'),
  setting('freeze_protection_temp_max', 'Freeze protection maximum temperature'),
  setting('recirculation_temp_setting', 'Recirculation setpoint'),
  temperature('recirculation_temperature', 'Recirculation temperature', false),
  temperature('recirculation_faucet_temperature', 'Recirculation faucet temperature', false),
  // ha_nwp500 reads these two from the status, where they do not exist; they are feature limits.
  setting('recirculation_temperature_min', 'Recirculation minimum temperature', recircLimit('min')),
  setting('recirculation_temperature_max', 'Recirculation maximum temperature', recircLimit('max')),

  // Temperature differences (superheat and hysteresis).
  difference('target_super_heat', 'Target superheat'),
  difference('current_super_heat', 'Current superheat'),
  difference('hp_upper_on_diff_temp_setting', 'Heat pump upper on differential'),
  difference('hp_lower_on_diff_temp_setting', 'Heat pump lower on differential'),
  difference('hp_upper_off_diff_temp_setting', 'Heat pump upper off differential'),
  difference('hp_lower_off_diff_temp_setting', 'Heat pump lower off differential'),
  difference('he_upper_on_diff_temp_setting', 'Element upper on differential'),
  difference('he_lower_on_diff_temp_setting', 'Element lower on differential'),
  difference('he_upper_off_diff_temp_setting', 'Element upper off differential'),
  difference('he_lower_off_diff_temp_setting', 'Element lower off differential'),

  // Power, tank energy and charge.
  measurement('current_inst_power', 'Power consumption', true, 'W', 0, { deviceClass: 'power' }),
  measurement('usable_energy', 'Usable energy', true, 'Wh', 0, { deviceClass: 'energy_storage' }),
  measurement('energy_to_setpoint', 'Energy to setpoint', false, 'Wh'),
  measurement('full_recovery_energy', 'Full recovery energy', false, 'Wh'),
  measurement('dhw_charge_per', 'Hot water charge', true, '%', 0, { icon: 'mdi:water-percent' }),
  measurement('mixing_rate', 'Mixing rate', false, '%'),

  // Water, in the heater's unit system.
  flow('current_dhw_flow_rate', 'Hot water flow'),
  flow('recirculation_dhw_flow_rate', 'Recirculation flow'),
  water('cumulated_dhw_flow_rate', 'Hot water delivered'),

  // Refrigerant circuit and fan.
  measurement('target_fan_rpm', 'Target fan speed', false, 'rpm'),
  measurement('current_fan_rpm', 'Fan speed', false, 'rpm'),
  measurement('fan_pwm', 'Fan PWM', false, undefined),
  measurement('eev_step', 'Expansion valve step', false, undefined, 0, { category: 'diagnostic' }),
  duration('cumulated_evaporator_fan_op_time', 'Evaporator fan run time', 'h', 'total_increasing'),

  // Mode and state, in words.
  enumeration('current_heat_use', 'Heat source', HEAT_SOURCE_LABELS, true),
  enumeration('operation_mode', 'Activity', ACTIVITY_LABELS, true),
  enumeration('dhw_operation_setting', 'Operating mode', OPERATING_MODE_LABELS, true),
  enumeration('temperature_type', 'Display unit', DISPLAY_UNIT_LABELS, false),
  enumeration('temp_formula_type', 'Temperature formula', TEMPERATURE_FORMULA_LABELS, false),

  // Vacation, anti-legionella, air filter.
  duration('vacation_day_setting', 'Vacation length', 'd'),
  duration('vacation_day_elapsed', 'Vacation days elapsed', 'd', 'measurement'),
  duration('anti_legionella_period', 'Anti-legionella period', 'd', 'measurement'),
  duration('air_filter_alarm_period', 'Air filter interval', 'h', 'measurement'),
  duration('air_filter_alarm_elapsed', 'Air filter hours since reset', 'h', 'measurement'),

  // Demand response.
  enumeration('dr_event_status', 'Demand response event', DR_EVENT_LABELS, false),
  duration('dr_override_status', 'Demand response override left', 'h', 'measurement'),

  // Recirculation. Where a module is fitted its mode is the select above, not this sensor.
  enumeration('recirculation_operation_mode', 'Recirculation mode', RECIRCULATION_MODE_LABELS, false, {
    available: (s) => !recirculationFitted(s),
  }),
  code('recirculation_error_status', 'Recirculation error', {}),
  code('recirculation_operation_reason', 'Recirculation reason', {}),
  {
    platform: 'sensor',
    key: 'recirculation_model_type_code',
    name: 'Recirculation model code',
    enabled: false,
    category: 'diagnostic',
    precision: 0,
    read: featureNumber((s) => s.feature?.recircModelTypeCode),
  },
  {
    platform: 'sensor',
    key: 'recirculation_sw_version',
    name: 'Recirculation firmware',
    enabled: false,
    category: 'diagnostic',
    precision: 0,
    read: featureNumber((s) => s.feature?.recircSwVersion),
  },

  // Internals.
  measurement('wifi_rssi', 'Wi-Fi signal', false, 'dBm', 0, {
    deviceClass: 'signal_strength',
    category: 'diagnostic',
  }),
  code('current_state_num', 'State number'),
  code('smart_diagnostic', 'Smart diagnostic'),
  code('special_function_status', 'Special function status'),
  code('fault_status_1', 'Fault register 1'),
  code('fault_status_2', 'Fault register 2'),
  code('program_reservation_type', 'Reservation type', {}),
];
