// The NWP500's Home Assistant entities as one table, in the order of the reference's entity list:
// what HA users of ha_nwp500 already have (with its unit and class mistakes fixed), the controls,
// and the Energy-dashboard totals. The machinery in deviceDiscovery.ts, state.ts and commands.ts
// turns it into discovery components, the state JSON and command routing.

import { ANTI_LEGIONELLA_PERIOD_DAYS, type DeviceCommand, VACATION_DAYS } from '../device/commands.js';
import {
  CurrentOperationMode,
  DhwOperationSetting,
  DrEvent,
  type EnumTable,
  HeatSource,
  RecirculationMode,
  TemperatureType,
  TempFormulaType,
} from '../device/enums.js';
import { describeError } from '../device/errorCodes.js';
import { roundTo } from '../device/units.js';
import type {
  BinarySensorDef,
  BinarySensorDeviceClass,
  CommandPlan,
  EntityDef,
  SensorDef,
  StateValue,
} from './entityModel.js';
import {
  type DeviceSnapshot,
  enumNameOf,
  flagOf,
  isOnVacation,
  isPoweredOff,
  numberOf,
  setpointRange,
  setting,
  statusValue,
  targetTemperature,
  temperatureOf,
  temperatureUnitLabel,
  waterHeaterMode,
  waterHeaterModes,
} from './snapshot.js';

type S = DeviceSnapshot;

// ---- row builders (keep the table below one line per entity where possible) -----------------------

interface Extra {
  category?: 'diagnostic';
  icon?: string;
}

/** An absolute temperature in the device's unit; HA converts it for people who use the other one. */
function temperature(key: string, name: string, enabled: boolean, read = temperatureOf(key)): SensorDef<S> {
  return {
    platform: 'sensor',
    key,
    name,
    enabled,
    deviceClass: 'temperature',
    stateClass: 'measurement',
    unit: temperatureUnitLabel,
    precision: 1,
    read,
  };
}

/**
 * A temperature *difference* (superheat, hysteresis). No `temperature` device class on purpose: HA
 * would convert it like a temperature and add 32 °F.
 */
function difference(key: string, name: string): SensorDef<S> {
  return {
    platform: 'sensor',
    key,
    name,
    enabled: false,
    stateClass: 'measurement',
    unit: temperatureUnitLabel,
    precision: 1,
    read: temperatureOf(key),
  };
}

function measurement(
  key: string,
  name: string,
  enabled: boolean,
  unit: string | undefined,
  decimals = 0,
  extra: Extra & { deviceClass?: SensorDef<S>['deviceClass'] } = {},
): SensorDef<S> {
  return {
    platform: 'sensor',
    key,
    name,
    enabled,
    stateClass: 'measurement',
    ...(unit === undefined ? {} : { unit }),
    ...(decimals > 0 ? { precision: decimals } : {}),
    ...extra,
    read: numberOf(key, decimals),
  };
}

/** Days or hours as HA's `duration` class wants them (`d`/`h`, not the library's "days"/"hours"). */
function duration(
  key: string,
  name: string,
  unit: 'd' | 'h',
  stateClass?: 'measurement' | 'total_increasing',
): SensorDef<S> {
  return {
    platform: 'sensor',
    key,
    name,
    enabled: false,
    deviceClass: 'duration',
    unit,
    ...(stateClass === undefined ? {} : { stateClass }),
    read: numberOf(key),
  };
}

/** A raw code with no unit (no state class: these are identifiers, not quantities). */
/**
 * A raw code with no unit and no state class (identifiers, not quantities). The display precision
 * makes HA expect a number, which is what lets null show as unknown instead of the text "None".
 */
function code(key: string, name: string, extra: Extra = { category: 'diagnostic' }): SensorDef<S> {
  return { platform: 'sensor', key, name, enabled: false, precision: 0, ...extra, read: numberOf(key) };
}

/** What an enum sensor shows for a value the device left out or the table does not know. */
export const UNKNOWN_OPTION = 'UNKNOWN';

/**
 * An enum status value shown by its name, every name listed as an option. HA has no way to set an
 * MQTT enum sensor to unknown (it would take "None" as a state outside the options and log an
 * error), so a missing or unknown value shows as the option `UNKNOWN`.
 */
function enumeration(key: string, name: string, table: EnumTable, enabled: boolean): SensorDef<S> {
  const names = [...table.byValue.values()];
  const read = enumNameOf(key);
  return {
    platform: 'sensor',
    key,
    name,
    enabled,
    deviceClass: 'enum',
    options: names.includes(UNKNOWN_OPTION) ? names : [...names, UNKNOWN_OPTION],
    read: (s) => read(s) ?? UNKNOWN_OPTION,
  };
}

function flag(
  key: string,
  name: string,
  enabled: boolean,
  deviceClass?: BinarySensorDeviceClass,
): BinarySensorDef<S> {
  return {
    platform: 'binary_sensor',
    key,
    name,
    enabled,
    ...(deviceClass === undefined ? {} : { deviceClass }),
    read: flagOf(key),
  };
}

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
    return roundTo(s.unit === 'C' ? limit.celsius : limit.fahrenheit, 1);
  };
}

function send(...commands: DeviceCommand[]): CommandPlan {
  return { ok: true, commands };
}

/** A DHW mode change, with a power-on first when the unit is off (mode commands do not wake it). */
function sendMode(s: S, command: DeviceCommand): CommandPlan {
  return isPoweredOff(s) ? send({ kind: 'power', on: true }, command) : send(command);
}

/** A status without the field means no error, as in the library and the vendor app. */
function errorCode(s: S): number {
  const value = statusValue(s, 'error_code');
  return typeof value === 'number' ? value : 0;
}

function subErrorCode(s: S): number | null {
  const value = statusValue(s, 'sub_error_code');
  return typeof value === 'number' ? value : null;
}

/** The anti-legionella period the device reports, if it is one it accepts; else the library's 14 days. */
function antiLegionellaPeriod(s: S): number {
  const period = statusValue(s, 'anti_legionella_period');
  return typeof period === 'number' &&
    Number.isInteger(period) &&
    period >= ANTI_LEGIONELLA_PERIOD_DAYS.min &&
    period <= ANTI_LEGIONELLA_PERIOD_DAYS.max
    ? period
    : ANTI_LEGIONELLA_PERIOD_DAYS.default;
}

function energyOf(read: (totals: NonNullable<S['energy']>) => number): (s: S) => StateValue {
  return (s) => (s.energy ? read(s.energy) : null);
}

// ---- the table -------------------------------------------------------------------------------------

export const NWP500_ENTITIES: readonly EntityDef<S>[] = [
  // The water heater: mode, setpoint and power in one card. Vacation is not an HA water-heater mode,
  // so it has its own switch and day count below, and the card shows the mode vacation returns to.
  {
    platform: 'water_heater',
    key: 'water_heater',
    name: null,
    enabled: true,
    modes: waterHeaterModes,
    modeKey: 'mode',
    readMode: waterHeaterMode,
    setMode: (mode, s) =>
      mode === 'off'
        ? send({ kind: 'power', on: false })
        : mode === 'eco' || mode === 'heat_pump' || mode === 'high_demand' || mode === 'electric'
          ? sendMode(s, { kind: 'dhw_mode', mode })
          : { ok: false, code: 'unsupported', reason: `mode ${mode} is not an NWP500 mode` },
    currentTemperatureKey: 'dhw_temperature',
    targetTemperatureKey: 'target_temperature',
    powerKey: 'power',
    range: setpointRange,
    temperatureUnit: (s) => s.unit,
  },

  // Controls.
  {
    platform: 'number',
    key: 'target_temperature',
    name: 'Target temperature',
    enabled: true,
    deviceClass: 'temperature',
    unit: temperatureUnitLabel,
    range: setpointRange,
    read: targetTemperature,
    set: (value, s) => send({ kind: 'dhw_temperature', value, unit: s.unit }),
  },
  {
    platform: 'switch',
    key: 'power',
    name: 'Power',
    enabled: true,
    icon: 'mdi:power',
    // 6 is "powered off"; a status without the setting but with a running state means on.
    read: (s) => {
      const value = setting(s);
      if (value !== null) return !isPoweredOff(s);
      return statusValue(s, 'operation_mode') === null ? null : true;
    },
    turn: (on) => send({ kind: 'power', on }),
  },
  {
    platform: 'switch',
    key: 'tou',
    name: 'Time of use',
    enabled: true,
    icon: 'mdi:clock-time-four-outline',
    read: flagOf('tou_status'),
    turn: (on) => send({ kind: 'tou', on }),
  },
  {
    platform: 'switch',
    key: 'anti_legionella',
    name: 'Anti-legionella',
    enabled: true,
    icon: 'mdi:bacteria-outline',
    read: flagOf('anti_legionella_use'),
    turn: (on, s) =>
      send(
        on
          ? { kind: 'anti_legionella', on, periodDays: antiLegionellaPeriod(s) }
          : { kind: 'anti_legionella', on },
      ),
  },
  {
    platform: 'switch',
    key: 'vacation',
    name: 'Vacation',
    enabled: true,
    icon: 'mdi:airplane',
    read: (s) => (setting(s) === null ? null : isOnVacation(s)),
    turn: (on, s) =>
      on
        ? sendMode(s, { kind: 'vacation', days: s.vacationDays })
        : send({ kind: 'dhw_mode', mode: s.lastMode ?? 'eco' }),
  },
  {
    platform: 'number',
    key: 'vacation_days',
    name: 'Vacation days',
    enabled: true,
    category: 'config',
    icon: 'mdi:calendar-range',
    deviceClass: 'duration',
    unit: 'd',
    range: () => ({ min: VACATION_DAYS.min, max: VACATION_DAYS.max, step: 1 }),
    // During vacation the device's own count; otherwise the length the next vacation will have.
    read: (s) => {
      const onDevice = statusValue(s, 'vacation_day_setting');
      return isOnVacation(s) && typeof onDevice === 'number' && onDevice > 0 ? onDevice : s.vacationDays;
    },
    // Remembered by the bridge; during vacation the device gets the new length too.
    set: (days, s) =>
      Number.isInteger(days)
        ? {
            ok: true,
            commands: isOnVacation(s) ? [{ kind: 'vacation', days }] : [],
            remember: { vacationDays: days },
          }
        : { ok: false, code: 'invalid', reason: `vacation days must be a whole number (got ${days})` },
  },
  {
    // Available only where the feature's drSettingUse says so. There is no status field for the
    // setting itself: the state is `drEventStatus != 0`, because 0 means "no demand-response
    // program applied" and 1–5 are the events of an applied one. With DR on and no event yet the
    // device reports 0, so the switch reads off until the utility's first signal.
    platform: 'switch',
    key: 'demand_response',
    name: 'Demand response',
    enabled: true,
    icon: 'mdi:transmission-tower',
    available: (s) => s.feature?.capabilities.drSettingUse === true,
    read: (s) => {
      const value = statusValue(s, 'dr_event_status');
      return typeof value === 'number' ? value !== 0 : null;
    },
    turn: (on) => send({ kind: 'demand_response', on }),
  },
  {
    platform: 'button',
    key: 'air_filter_reset',
    name: 'Reset air filter',
    enabled: true,
    category: 'config',
    icon: 'mdi:air-filter',
    press: () => send({ kind: 'air_filter_reset' }),
  },

  // Energy for HA's Energy dashboard: lifetime totals from the device's daily figures.
  {
    platform: 'sensor',
    key: 'energy_heat_pump',
    name: 'Heat pump energy',
    enabled: true,
    deviceClass: 'energy',
    stateClass: 'total_increasing',
    unit: 'kWh',
    precision: 2,
    read: energyOf((e) => e.heatPumpKwh),
  },
  {
    platform: 'sensor',
    key: 'energy_element',
    name: 'Heating element energy',
    enabled: true,
    deviceClass: 'energy',
    stateClass: 'total_increasing',
    unit: 'kWh',
    precision: 2,
    read: energyOf((e) => e.elementKwh),
  },
  {
    platform: 'sensor',
    key: 'energy_total',
    name: 'Total energy',
    enabled: true,
    deviceClass: 'energy',
    stateClass: 'total_increasing',
    unit: 'kWh',
    precision: 2,
    read: energyOf((e) => e.totalKwh),
  },

  // Errors: the code by name, a problem flag, and the leak error on its own for alerts.
  {
    platform: 'sensor',
    key: 'error_code',
    name: 'Error',
    enabled: true,
    category: 'diagnostic',
    icon: 'mdi:alert-circle-outline',
    read: (s) => describeError(errorCode(s), subErrorCode(s)).text,
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

  // Binary sensors (ha_nwp500 §1.6).
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
  flag('anti_legionella_use', 'Anti-legionella enabled', false),
  flag('anti_legionella_operation_busy', 'Anti-legionella cycle', false, 'running'),
  flag('air_filter_alarm_use', 'Air filter reminder enabled', false),
  flag('error_buzzer_use', 'Error buzzer enabled', false),
  // The ECO high limit having tripped (ha_nwp500 calls it "enabled", which it is not).
  flag('eco_use', 'ECO high limit tripped', false),
  flag('program_reservation_use', 'Reservation program active', false),
  flag('shut_off_valve_use', 'Shut-off valve', false),
  // "Use" flags: the sensor is fitted and armed. An actual overflow is E990, a leak E799 (above).
  flag('con_ovr_sensor_use', 'Condensate overflow sensor', false),
  flag('wtr_ovr_sensor_use', 'Water leak sensor', false),
  flag('did_reload', 'Recently restarted', false),
  flag('recirculation_pump_operation_status', 'Recirculation pump', false, 'running'),
  flag('recirculation_operation_busy', 'Recirculation running', false, 'running'),
  flag('recirculation_hot_button_ready', 'Recirculation hot button ready', false),
  flag('recirculation_reservation_use', 'Recirculation schedule active', false),
  flag('tou_override_status', 'TOU override', true),
  flag('tou_status', 'TOU active', true),

  // Temperatures (ha_nwp500 §1.7), in the device's unit.
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
  temperature('freeze_protection_temperature', 'Freeze protection temperature', false),
  temperature('dhw_target_temperature_setting', 'Target temperature setting', false),
  temperature('dhw_temperature_setting', 'Temperature setting', false),
  temperature('hp_upper_on_temp_setting', 'Heat pump upper on temperature', false),
  temperature('hp_lower_on_temp_setting', 'Heat pump lower on temperature', false),
  temperature('hp_upper_off_temp_setting', 'Heat pump upper off temperature', false),
  temperature('hp_lower_off_temp_setting', 'Heat pump lower off temperature', false),
  temperature('he_upper_on_temp_setting', 'Element upper on temperature', false),
  temperature('he_lower_on_temp_setting', 'Element lower on temperature', false),
  temperature('he_upper_off_temp_setting', 'Element upper off temperature', false),
  temperature('he_lower_off_temp_setting', 'Element lower off temperature', false),
  temperature('heat_min_op_temperature', 'Heat pump minimum operating temperature', false),
  temperature('freeze_protection_temp_min', 'Freeze protection minimum temperature', false),
  temperature('freeze_protection_temp_max', 'Freeze protection maximum temperature', false),
  temperature('recirculation_temp_setting', 'Recirculation temperature setting', false),
  temperature('recirculation_temperature', 'Recirculation temperature', false),
  temperature('recirculation_faucet_temperature', 'Recirculation faucet temperature', false),
  // ha_nwp500 reads these two from the status, where they do not exist; they are feature limits.
  temperature(
    'recirculation_temperature_min',
    'Recirculation minimum temperature',
    false,
    recircLimit('min'),
  ),
  temperature(
    'recirculation_temperature_max',
    'Recirculation maximum temperature',
    false,
    recircLimit('max'),
  ),

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
  measurement('current_inst_power', 'Current power', true, 'W', 0, { deviceClass: 'power' }),
  measurement('usable_energy', 'Usable energy', true, 'Wh', 0, { deviceClass: 'energy_storage' }),
  measurement('energy_to_setpoint', 'Energy to setpoint', false, 'Wh'),
  measurement('full_recovery_energy', 'Full recovery energy', false, 'Wh'),
  measurement('dhw_charge_per', 'Hot water charge', true, '%', 0, { icon: 'mdi:water-percent' }),
  measurement('mixing_rate', 'Mixing rate', false, '%'),

  // Water.
  measurement('current_dhw_flow_rate', 'Hot water flow', false, 'L/min', 1, {
    deviceClass: 'volume_flow_rate',
  }),
  measurement('recirculation_dhw_flow_rate', 'Recirculation flow', false, 'L/min', 1, {
    deviceClass: 'volume_flow_rate',
  }),
  {
    platform: 'sensor',
    key: 'cumulated_dhw_flow_rate',
    name: 'Hot water delivered',
    enabled: false,
    deviceClass: 'water',
    stateClass: 'total_increasing',
    unit: 'L',
    read: numberOf('cumulated_dhw_flow_rate'),
  },

  // Refrigerant circuit and fan.
  measurement('target_fan_rpm', 'Target fan speed', false, 'rpm'),
  measurement('current_fan_rpm', 'Fan speed', false, 'rpm'),
  measurement('fan_pwm', 'Fan PWM', false, undefined),
  measurement('eev_step', 'Expansion valve step', false, undefined, 0, { category: 'diagnostic' }),
  duration('cumulated_evaporator_fan_op_time', 'Evaporator fan run time', 'h', 'total_increasing'),

  // Mode and state.
  enumeration('current_heat_use', 'Heat source', HeatSource, true),
  enumeration('operation_mode', 'Current operation', CurrentOperationMode, true),
  enumeration('dhw_operation_setting', 'Operation setting', DhwOperationSetting, true),
  enumeration('temperature_type', 'Display unit', TemperatureType, false),
  enumeration('temp_formula_type', 'Temperature formula', TempFormulaType, false),

  // Vacation, anti-legionella, air filter.
  duration('vacation_day_setting', 'Vacation length', 'd'),
  duration('vacation_day_elapsed', 'Vacation days elapsed', 'd', 'measurement'),
  duration('anti_legionella_period', 'Anti-legionella period', 'd', 'measurement'),
  duration('air_filter_alarm_period', 'Air filter interval', 'h', 'measurement'),
  duration('air_filter_alarm_elapsed', 'Air filter hours since reset', 'h', 'measurement'),

  // Demand response.
  enumeration('dr_event_status', 'Demand response event', DrEvent, false),
  duration('dr_override_status', 'Demand response override left', 'h', 'measurement'),

  // Recirculation.
  enumeration('recirculation_operation_mode', 'Recirculation mode', RecirculationMode, false),
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
