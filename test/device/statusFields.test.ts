// The status field table against the reference key list, the enums and the error-code table.

import { describe, expect, it } from 'vitest';
import {
  CurrentOperationMode,
  DhwOperationSetting,
  DrEvent,
  describeError,
  ERROR_CODES,
  ErrorCode,
  enumLabel,
  enumName,
  HeatSource,
  RecirculationMode,
  STATUS_FIELD_BY_WIRE,
  STATUS_FIELDS,
  TemperatureType,
  TempFormulaType,
} from '../../src/device/statusFields.js';

// Every status wire key of the protocol reference (section 5.3), typed out independently of the table.
const REFERENCE_WIRE_KEYS = [
  'command',
  'temperatureType',
  'specialFunctionStatus',
  'errorCode',
  'subErrorCode',
  'smartDiagnostic',
  'faultStatus1',
  'faultStatus2',
  'wifiRssi',
  'dhwChargePer',
  'drEventStatus',
  'vacationDaySetting',
  'vacationDayElapsed',
  'antiLegionellaPeriod',
  'programReservationType',
  'tempFormulaType',
  'outsideTemperature',
  'currentStatenum',
  'targetFanRpm',
  'currentFanRpm',
  'fanPwm',
  'mixingRate',
  'eevStep',
  'airFilterAlarmPeriod',
  'airFilterAlarmElapsed',
  'cumulatedOpTimeEvaFan',
  'cumulatedDhwFlowRate',
  'touStatus',
  'drOverrideStatus',
  'touOverrideStatus',
  'totalEnergyCapacity',
  'availableEnergyCapacity',
  'recircOperationMode',
  'recircPumpOperationStatus',
  'recircHotBtnReady',
  'recircOperationReason',
  'recircErrorStatus',
  'currentInstPower',
  'didReload',
  'operationBusy',
  'freezeProtectionUse',
  'dhwUse',
  'dhwUseSustained',
  'dhwOperationBusy',
  'programReservationUse',
  'ecoUse',
  'compUse',
  'eevUse',
  'evaFanUse',
  'shutOffValveUse',
  'conOvrSensorUse',
  'wtrOvrSensorUse',
  'antiLegionellaUse',
  'antiLegionellaOperationBusy',
  'errorBuzzerUse',
  'currentHeatUse',
  'heatUpperUse',
  'heatLowerUse',
  'scaldUse',
  'airFilterAlarmUse',
  'recircOperationBusy',
  'recircReservationUse',
  'dhwTemperature',
  'dhwTemperatureSetting',
  'dhwTargetTemperatureSetting',
  'freezeProtectionTemperature',
  'dhwTemperature2',
  'hpUpperOnTempSetting',
  'hpUpperOffTempSetting',
  'hpLowerOnTempSetting',
  'hpLowerOffTempSetting',
  'heUpperOnTempSetting',
  'heUpperOffTempSetting',
  'heLowerOnTempSetting',
  'heLowerOffTempSetting',
  'heatMinOpTemperature',
  'recircTempSetting',
  'recircTemperature',
  'recircFaucetTemperature',
  'currentInletTemperature',
  'currentDhwFlowRate',
  'hpUpperOnDiffTempSetting',
  'hpUpperOffDiffTempSetting',
  'hpLowerOnDiffTempSetting',
  'hpLowerOffDiffTempSetting',
  'heUpperOnDiffTempSetting',
  'heUpperOffDiffTempSetting',
  'heLowerOnTDiffempSetting',
  'heLowerOffDiffTempSetting',
  'recircDhwFlowRate',
  'tankUpperTemperature',
  'tankLowerTemperature',
  'dischargeTemperature',
  'suctionTemperature',
  'evaporatorTemperature',
  'ambientTemperature',
  'targetSuperHeat',
  'currentSuperHeat',
  'operationMode',
  'dhwOperationSetting',
  'freezeProtectionTempMin',
  'freezeProtectionTempMax',
];

function field(wire: string) {
  const found = STATUS_FIELD_BY_WIRE.get(wire);
  if (!found) throw new Error(`no field ${wire}`);
  return found;
}

describe('status field table', () => {
  it('covers exactly the status wire keys of the reference, each once', () => {
    const wires = STATUS_FIELDS.map((f) => f.wire);
    expect(new Set(wires).size).toBe(wires.length);
    expect([...wires].sort()).toEqual([...REFERENCE_WIRE_KEYS].sort());
  });

  it('gives every field a distinct snake_case key', () => {
    const keys = STATUS_FIELDS.map((f) => f.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(key).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(keys).not.toContain('usable_energy');
  });

  it('uses the keys ha_nwp500 users know', () => {
    const expected: Record<string, string> = {
      dhwTemperature: 'dhw_temperature',
      dhwChargePer: 'dhw_charge_per',
      currentInstPower: 'current_inst_power',
      heLowerOnTDiffempSetting: 'he_lower_on_diff_temp_setting',
      cumulatedOpTimeEvaFan: 'cumulated_evaporator_fan_op_time',
      recircTempSetting: 'recirculation_temp_setting',
      totalEnergyCapacity: 'full_recovery_energy',
      availableEnergyCapacity: 'energy_to_setpoint',
      faultStatus1: 'fault_status_1',
      currentStatenum: 'current_state_num',
      dhwTemperature2: 'dhw_temperature_2',
      recircHotBtnReady: 'recirculation_hot_button_ready',
      recircPumpOperationStatus: 'recirculation_pump_operation_status',
      recircDhwFlowRate: 'recirculation_dhw_flow_rate',
      operationMode: 'operation_mode',
      wtrOvrSensorUse: 'wtr_ovr_sensor_use',
    };
    for (const [wire, key] of Object.entries(expected)) expect(field(wire).key).toBe(key);
  });

  it('assigns the reference conversions, treating superheat as a difference', () => {
    expect(field('dhwTemperature').conversion).toBe('half_c');
    expect(field('currentInletTemperature').conversion).toBe('half_c');
    expect(field('tankUpperTemperature').conversion).toBe('deci_c');
    expect(field('targetSuperHeat').conversion).toBe('deci_c_delta');
    expect(field('currentSuperHeat').conversion).toBe('deci_c_delta');
    expect(field('hpUpperOnDiffTempSetting').conversion).toBe('deci_c_delta');
    expect(field('outsideTemperature').conversion).toBe('outside');
    expect(field('currentDhwFlowRate').conversion).toBe('flow');
    expect(field('cumulatedDhwFlowRate').conversion).toBe('volume');
    expect(field('totalEnergyCapacity').conversion).toBe('energy4');
    expect(field('dhwUse').conversion).toBe('bool');
    expect(field('touStatus').conversion).toBe('tou_status');
    expect(field('touOverrideStatus').conversion).toBe('tou_override');
    expect(field('recircPumpOperationStatus').conversion).toBe('raw');
    const tristate = STATUS_FIELDS.filter((f) => f.conversion === 'tristate').map((f) => f.wire);
    expect(tristate.sort()).toEqual(
      [
        'operationBusy',
        'compUse',
        'antiLegionellaUse',
        'antiLegionellaOperationBusy',
        'heatUpperUse',
        'heatLowerUse',
        'airFilterAlarmUse',
        'recircReservationUse',
      ].sort(),
    );
  });

  it('names the enum fields with their tables', () => {
    const enums = Object.fromEntries(
      STATUS_FIELDS.flatMap((f) => (f.conversion === 'enum' ? [[f.wire, f.enum.title]] : [])),
    );
    expect(enums).toEqual({
      temperatureType: 'TemperatureType',
      tempFormulaType: 'TempFormulaType',
      dhwOperationSetting: 'DhwOperationSetting',
      operationMode: 'CurrentOperationMode',
      currentHeatUse: 'HeatSource',
      errorCode: 'ErrorCode',
      drEventStatus: 'DREvent',
      recircOperationMode: 'RecirculationMode',
    });
  });
});

describe('enums', () => {
  it('maps the DHW operation settings 1–6', () => {
    expect([1, 2, 3, 4, 5, 6].map((v) => enumName(DhwOperationSetting, v))).toEqual([
      'HEAT_PUMP',
      'ELECTRIC',
      'ENERGY_SAVER',
      'HIGH_DEMAND',
      'VACATION',
      'POWER_OFF',
    ]);
  });

  it('maps operation modes, heat sources, DR events, recirculation modes and display settings', () => {
    expect([0, 32, 64, 96].map((v) => enumName(CurrentOperationMode, v))).toEqual([
      'STANDBY',
      'HEAT_PUMP_MODE',
      'HYBRID_EFFICIENCY_MODE',
      'HYBRID_BOOST_MODE',
    ]);
    expect(enumName(HeatSource, 3)).toBe('HEATPUMP_HEATELEMENT');
    expect(enumName(DrEvent, 5)).toBe('CPE');
    expect(enumName(RecirculationMode, 4)).toBe('TEMPERATURE');
    expect(enumName(TemperatureType, 1)).toBe('CELSIUS');
    expect(enumName(TempFormulaType, 1)).toBe('STANDARD');
  });

  it('keeps unknown values as null names and UNKNOWN_<n> labels', () => {
    expect(enumName(DhwOperationSetting, 9)).toBeNull();
    expect(enumLabel(DhwOperationSetting, 9)).toBe('UNKNOWN_9');
    expect(enumLabel(DhwOperationSetting, 3)).toBe('ENERGY_SAVER');
  });
});

describe('error codes', () => {
  it('describes E799 as a water leak and 0 as no error', () => {
    expect(describeError(799, 0)).toEqual({
      code: 799,
      subCode: 0,
      name: 'E799_WATER_LEAK',
      text: 'E799 water leak detected',
      known: true,
    });
    expect(describeError(0)).toMatchObject({ text: 'no error', known: true, name: 'NO_ERROR' });
  });

  it('pads short codes and adds a non-zero sub-code', () => {
    expect(describeError(96, 3).text).toBe('E096 upper heating element fault (sub-code 3)');
    expect(describeError(990).text).toBe('E990 condensate overflow');
  });

  it('keeps an unknown code as unknown instead of failing', () => {
    expect(describeError(12345, 1)).toEqual({
      code: 12345,
      subCode: 1,
      name: null,
      text: 'E12345 unknown error code (sub-code 1)',
      known: false,
    });
  });

  it('lists every code of the reference table, each with a name that carries the code', () => {
    const codes = [
      0, 96, 97, 326, 407, 445, 480, 481, 515, 517, 593, 594, 595, 596, 598, 615, 781, 798, 799, 901, 907,
      908, 909, 910, 911, 912, 913, 914, 915, 916, 920, 940, 990,
    ];
    expect([...ERROR_CODES.keys()].sort((a, b) => a - b)).toEqual(codes);
    for (const code of codes.slice(1)) {
      expect(enumName(ErrorCode, code)).toMatch(new RegExp(`^E${String(code).padStart(3, '0')}_`));
    }
  });
});
