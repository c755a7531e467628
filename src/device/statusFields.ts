// The NWP500 status field table: every wire key of the status message, the key HA users of ha_nwp500 know it
// by, and how its raw value converts. Data only, readable top to bottom; decoding lives in status.ts.

import type { EnumTable } from './enums.js';
import {
  CurrentOperationMode,
  DhwOperationSetting,
  DrEvent,
  HeatSource,
  RecirculationMode,
  TemperatureType,
  TempFormulaType,
} from './enums.js';
import { ErrorCode } from './errorCodes.js';

export * from './enums.js';
export type { ErrorCodeInfo, ErrorDescription } from './errorCodes.js';
export { describeError, ERROR_CODES, ErrorCode } from './errorCodes.js';

/**
 * How a raw value becomes a user value. Temperatures come out in the status' display unit (°C or °F).
 * - `half_c`: half-degree Celsius (raw / 2 °C).
 * - `deci_c`: deci-degree Celsius (raw / 10 °C).
 * - `deci_c_delta`: deci-degree Celsius *difference* (no +32 in °F).
 * - `outside`: half-degree Celsius, whole °F rounded by `tempFormulaType`.
 * - `flow`: deci-litres per minute → L/min.
 * - `volume`: litres, as-is.
 * - `energy4`: count × 4 Wh.
 * - `bool`: 2 → true, 1/0 → false.   `tristate`: 2 → true, 1 → false, 0 → null (unknown).
 * - `tou_status`: non-zero → true.     `tou_override`: 1 → true (override active), else false.
 * - `enum`: the number, plus a name from the table (null when unknown).   `raw`: the number as-is.
 */
export type Conversion =
  | 'half_c'
  | 'deci_c'
  | 'deci_c_delta'
  | 'outside'
  | 'flow'
  | 'volume'
  | 'energy4'
  | 'bool'
  | 'tristate'
  | 'tou_status'
  | 'tou_override'
  | 'enum'
  | 'raw';

interface FieldBase {
  /** Key in the device's status JSON (camelCase, vendor spelling). */
  readonly wire: string;
  /** snake_case key in the bridge's state JSON (ha_nwp500's entity key where it has one). */
  readonly key: string;
  /** Unit of the converted value when it does not depend on the display unit (temperatures do). */
  readonly unit?: string;
  readonly description: string;
}

export type StatusField =
  | (FieldBase & { readonly conversion: Exclude<Conversion, 'enum'> })
  | (FieldBase & { readonly conversion: 'enum'; readonly enum: EnumTable });

const raw = (wire: string, key: string, description: string, unit?: string): StatusField => ({
  wire,
  key,
  conversion: 'raw',
  description,
  ...(unit === undefined ? {} : { unit }),
});
const conv = (
  wire: string,
  key: string,
  conversion: Exclude<Conversion, 'enum'>,
  description: string,
  unit?: string,
): StatusField => ({ wire, key, conversion, description, ...(unit === undefined ? {} : { unit }) });
const enumField = (wire: string, key: string, table: EnumTable, description: string): StatusField => ({
  wire,
  key,
  conversion: 'enum',
  enum: table,
  description,
});

export const STATUS_FIELDS: readonly StatusField[] = [
  // Identity of the message and the display settings the conversions depend on.
  raw('command', 'command', 'command code that produced this status (16777219 = status request)'),
  enumField('temperatureType', 'temperature_type', TemperatureType, 'display unit: 1 °C, 2 °F'),
  enumField('tempFormulaType', 'temp_formula_type', TempFormulaType, 'outside-temperature °F rounding rule'),

  // Mode and activity.
  enumField('dhwOperationSetting', 'dhw_operation_setting', DhwOperationSetting, 'mode chosen by the user'),
  enumField('operationMode', 'operation_mode', CurrentOperationMode, 'what the unit is doing now'),
  enumField('currentHeatUse', 'current_heat_use', HeatSource, 'heat source in use'),
  conv('operationBusy', 'operation_busy', 'tristate', 'heating in progress'),
  conv('dhwOperationBusy', 'dhw_operation_busy', 'bool', 'DHW heating busy'),
  conv('compUse', 'comp_use', 'tristate', 'compressor running'),
  conv('heatUpperUse', 'heat_upper_use', 'tristate', 'upper heating element on'),
  conv('heatLowerUse', 'heat_lower_use', 'tristate', 'lower heating element on'),
  conv('eevUse', 'eev_use', 'bool', 'electronic expansion valve active'),
  conv('evaFanUse', 'eva_fan_use', 'bool', 'evaporator fan running'),
  conv('dhwUse', 'dhw_use', 'bool', 'hot water being drawn'),
  conv('dhwUseSustained', 'dhw_use_sustained', 'bool', 'prolonged hot-water draw'),
  raw('currentInstPower', 'current_inst_power', 'instantaneous power (library: excludes elements)', 'W'),
  raw('dhwChargePer', 'dhw_charge_per', 'share of hot-water capacity available', '%'),
  raw('currentStatenum', 'current_state_num', 'internal state number'),

  // Temperatures (half-degree Celsius).
  conv('dhwTemperature', 'dhw_temperature', 'half_c', 'hot-water temperature measured in the tank'),
  conv('dhwTemperatureSetting', 'dhw_temperature_setting', 'half_c', 'user setpoint'),
  conv('dhwTargetTemperatureSetting', 'dhw_target_temperature_setting', 'half_c', 'setpoint (duplicate)'),
  conv('dhwTemperature2', 'dhw_temperature_2', 'half_c', 'second hot-water sensor'),
  conv('currentInletTemperature', 'current_inlet_temperature', 'half_c', 'cold-water inlet temperature'),
  conv(
    'freezeProtectionTemperature',
    'freeze_protection_temperature',
    'half_c',
    'freeze-protection setpoint',
  ),
  conv('freezeProtectionTempMin', 'freeze_protection_temp_min', 'half_c', 'freeze-protection lower limit'),
  conv('freezeProtectionTempMax', 'freeze_protection_temp_max', 'half_c', 'freeze-protection upper limit'),
  conv(
    'heatMinOpTemperature',
    'heat_min_op_temperature',
    'half_c',
    'lowest setpoint for heat-pump operation',
  ),
  conv('hpUpperOnTempSetting', 'hp_upper_on_temp_setting', 'half_c', 'heat pump upper on threshold'),
  conv('hpUpperOffTempSetting', 'hp_upper_off_temp_setting', 'half_c', 'heat pump upper off threshold'),
  conv('hpLowerOnTempSetting', 'hp_lower_on_temp_setting', 'half_c', 'heat pump lower on threshold'),
  conv('hpLowerOffTempSetting', 'hp_lower_off_temp_setting', 'half_c', 'heat pump lower off threshold'),
  conv('heUpperOnTempSetting', 'he_upper_on_temp_setting', 'half_c', 'element upper on threshold'),
  conv('heUpperOffTempSetting', 'he_upper_off_temp_setting', 'half_c', 'element upper off threshold'),
  conv('heLowerOnTempSetting', 'he_lower_on_temp_setting', 'half_c', 'element lower on threshold'),
  conv('heLowerOffTempSetting', 'he_lower_off_temp_setting', 'half_c', 'element lower off threshold'),
  conv('recircTempSetting', 'recirculation_temp_setting', 'half_c', 'recirculation setpoint'),
  conv('recircTemperature', 'recirculation_temperature', 'half_c', 'recirculation loop temperature'),
  conv('recircFaucetTemperature', 'recirculation_faucet_temperature', 'half_c', 'temperature at the faucet'),

  // Outside temperature (half-degree Celsius, device-specific °F rounding).
  conv('outsideTemperature', 'outside_temperature', 'outside', 'outdoor/ambient temperature'),

  // Thermistors (deci-degree Celsius).
  conv('tankUpperTemperature', 'tank_upper_temperature', 'deci_c', 'tank upper thermistor'),
  conv('tankLowerTemperature', 'tank_lower_temperature', 'deci_c', 'tank lower thermistor'),
  conv('dischargeTemperature', 'discharge_temperature', 'deci_c', 'compressor discharge'),
  conv('suctionTemperature', 'suction_temperature', 'deci_c', 'compressor suction'),
  conv('evaporatorTemperature', 'evaporator_temperature', 'deci_c', 'evaporator coil'),
  conv('ambientTemperature', 'ambient_temperature', 'deci_c', 'intake air'),

  // Differences (deci-degree Celsius; °F without offset). Superheat is a difference too: the Python library
  // adds 32 °F to it, which is wrong.
  conv('targetSuperHeat', 'target_super_heat', 'deci_c_delta', 'target superheat'),
  conv('currentSuperHeat', 'current_super_heat', 'deci_c_delta', 'measured superheat'),
  conv('hpUpperOnDiffTempSetting', 'hp_upper_on_diff_temp_setting', 'deci_c_delta', 'heat pump hysteresis'),
  conv('hpUpperOffDiffTempSetting', 'hp_upper_off_diff_temp_setting', 'deci_c_delta', 'heat pump hysteresis'),
  conv('hpLowerOnDiffTempSetting', 'hp_lower_on_diff_temp_setting', 'deci_c_delta', 'heat pump hysteresis'),
  conv('hpLowerOffDiffTempSetting', 'hp_lower_off_diff_temp_setting', 'deci_c_delta', 'heat pump hysteresis'),
  conv('heUpperOnDiffTempSetting', 'he_upper_on_diff_temp_setting', 'deci_c_delta', 'element hysteresis'),
  conv('heUpperOffDiffTempSetting', 'he_upper_off_diff_temp_setting', 'deci_c_delta', 'element hysteresis'),
  // The vendor misspells this key ("TDiffemp"); the user-facing key is the regular one.
  conv('heLowerOnTDiffempSetting', 'he_lower_on_diff_temp_setting', 'deci_c_delta', 'element hysteresis'),
  conv('heLowerOffDiffTempSetting', 'he_lower_off_diff_temp_setting', 'deci_c_delta', 'element hysteresis'),

  // Flow and volume.
  conv('currentDhwFlowRate', 'current_dhw_flow_rate', 'flow', 'hot-water flow', 'L/min'),
  conv('recircDhwFlowRate', 'recirculation_dhw_flow_rate', 'flow', 'recirculation flow', 'L/min'),
  conv('cumulatedDhwFlowRate', 'cumulated_dhw_flow_rate', 'volume', 'hot water delivered, lifetime', 'L'),

  // Tank energy (counts of 4 Wh); usable_energy is computed from these two.
  conv('totalEnergyCapacity', 'full_recovery_energy', 'energy4', 'heat from ≈104.9 °F to the setpoint', 'Wh'),
  conv(
    'availableEnergyCapacity',
    'energy_to_setpoint',
    'energy4',
    'heat still needed to reach setpoint',
    'Wh',
  ),

  // Refrigerant circuit and fan.
  raw('targetFanRpm', 'target_fan_rpm', 'target fan speed', 'RPM'),
  raw('currentFanRpm', 'current_fan_rpm', 'fan speed', 'RPM'),
  raw('fanPwm', 'fan_pwm', 'fan PWM'),
  raw('eevStep', 'eev_step', 'expansion-valve steps'),
  raw('mixingRate', 'mixing_rate', 'mixing valve opening', '%'),
  raw('cumulatedOpTimeEvaFan', 'cumulated_evaporator_fan_op_time', 'evaporator fan run time, lifetime', 'h'),

  // Errors and safety.
  enumField('errorCode', 'error_code', ErrorCode, 'error code (0 = none)'),
  raw('subErrorCode', 'sub_error_code', 'error detail code'),
  raw('smartDiagnostic', 'smart_diagnostic', 'smart diagnostic (0 = nothing found)'),
  raw('faultStatus1', 'fault_status_1', 'fault register 1'),
  raw('faultStatus2', 'fault_status_2', 'fault register 2'),
  raw(
    'specialFunctionStatus',
    'special_function_status',
    'special functions (freeze protection, anti-seize)',
  ),
  conv('ecoUse', 'eco_use', 'bool', 'ECO high limit tripped'),
  conv('scaldUse', 'scald_use', 'bool', 'scald warning'),
  conv('shutOffValveUse', 'shut_off_valve_use', 'bool', 'shut-off valve'),
  conv('conOvrSensorUse', 'con_ovr_sensor_use', 'bool', 'condensate overflow sensor (fault is E990)'),
  conv('wtrOvrSensorUse', 'wtr_ovr_sensor_use', 'bool', 'water leak sensor (a leak is E799)'),
  conv('freezeProtectionUse', 'freeze_protection_use', 'bool', 'freeze protection active'),
  conv('errorBuzzerUse', 'error_buzzer_use', 'bool', 'error buzzer enabled'),
  conv('didReload', 'did_reload', 'bool', 'device recently restarted'),
  raw('wifiRssi', 'wifi_rssi', 'Wi-Fi signal', 'dBm'),

  // Vacation, anti-legionella, air filter.
  raw('vacationDaySetting', 'vacation_day_setting', 'vacation length', 'd'),
  raw('vacationDayElapsed', 'vacation_day_elapsed', 'vacation days elapsed', 'd'),
  conv('antiLegionellaUse', 'anti_legionella_use', 'tristate', 'anti-legionella enabled'),
  conv('antiLegionellaOperationBusy', 'anti_legionella_operation_busy', 'tristate', 'disinfection running'),
  raw('antiLegionellaPeriod', 'anti_legionella_period', 'anti-legionella interval', 'd'),
  conv('airFilterAlarmUse', 'air_filter_alarm_use', 'tristate', 'air filter reminder enabled'),
  raw('airFilterAlarmPeriod', 'air_filter_alarm_period', 'air filter interval', 'h'),
  raw('airFilterAlarmElapsed', 'air_filter_alarm_elapsed', 'hours since air filter reset', 'h'),

  // Schedules, time of use, demand response.
  conv('programReservationUse', 'program_reservation_use', 'bool', 'reservation program in use'),
  raw('programReservationType', 'program_reservation_type', 'reservation type'),
  conv('touStatus', 'tou_status', 'tou_status', 'time-of-use enabled'),
  conv('touOverrideStatus', 'tou_override_status', 'tou_override', 'user override of time-of-use'),
  enumField('drEventStatus', 'dr_event_status', DrEvent, 'demand-response event'),
  raw('drOverrideStatus', 'dr_override_status', 'demand-response override hours left', 'h'),

  // Recirculation.
  enumField('recircOperationMode', 'recirculation_operation_mode', RecirculationMode, 'recirculation mode'),
  raw('recircPumpOperationStatus', 'recirculation_pump_operation_status', 'recirculation pump status'),
  raw('recircHotBtnReady', 'recirculation_hot_button_ready', 'hot button ready'),
  raw('recircOperationReason', 'recirculation_operation_reason', 'why recirculation runs'),
  raw('recircErrorStatus', 'recirculation_error_status', 'recirculation error'),
  conv('recircOperationBusy', 'recirculation_operation_busy', 'bool', 'recirculation running'),
  conv('recircReservationUse', 'recirculation_reservation_use', 'tristate', 'recirculation schedule active'),
];

/** The computed key: max(0, full_recovery_energy − energy_to_setpoint) Wh, the heat drawable above ≈104.9 °F. */
export const USABLE_ENERGY_KEY = 'usable_energy';

export const STATUS_FIELD_BY_WIRE: ReadonlyMap<string, StatusField> = new Map(
  STATUS_FIELDS.map((f) => [f.wire, f]),
);
export const STATUS_FIELD_BY_KEY: ReadonlyMap<string, StatusField> = new Map(
  STATUS_FIELDS.map((f) => [f.key, f]),
);
