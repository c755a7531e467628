// The simulator's own raw NWP500 wire vocabulary: command codes, mode numbers, topic suffixes, field
// lists and encodings (half-°C, deci-°C, 1/2 flags, 4 Wh counts). Deliberately independent of
// src/device and src/navien, so a conversion bug on the bridge side cannot hide behind the same bug here.

export const DEVICE_TYPE = 52;

/** Command codes as the device receives them in `request.command`. */
export const COMMAND = {
  deviceInfoRequest: 16777217,
  statusRequest: 16777219,
  reservationRead: 16777222,
  energyUsageQuery: 16777225,
  reservationWrite: 16777226,
  powerOff: 33554433,
  powerOn: 33554434,
  dhwMode: 33554437,
  reservationWeekly: 33554438,
  touReservation: 33554439,
  recircReservation: 33554440,
  reservationWaterProgram: 33554441,
  otaCommit: 33554442,
  otaCheck: 33554443,
  recircHotButton: 33554444,
  recircMode: 33554445,
  wifiReconnect: 33554446,
  wifiReset: 33554447,
  freezeProtectionTemperature: 33554451,
  smartDiagnostic: 33554455,
  dhwTemperature: 33554464,
  goOutDay: 33554466,
  intelligentOff: 33554467,
  intelligentOn: 33554468,
  drOff: 33554469,
  drOn: 33554470,
  antiLegionellaOff: 33554471,
  antiLegionellaOn: 33554472,
  airFilterReset: 33554473,
  airFilterLife: 33554474,
  touOff: 33554475,
  touOn: 33554476,
} as const;

export type CommandName = keyof typeof COMMAND;

const COMMAND_NAMES = new Map<number, CommandName>(
  (Object.entries(COMMAND) as Array<[CommandName, number]>).map(([name, code]) => [code, name]),
);

export function commandName(code: number): CommandName | undefined {
  return COMMAND_NAMES.get(code);
}

/** Device booleans: 1 = off/false, 2 = on/true (0 = unknown / not fitted). */
export const FLAG_OFF = 1;
export const FLAG_ON = 2;

export function flag(on: boolean): number {
  return on ? FLAG_ON : FLAG_OFF;
}

/** `dhwOperationSetting` values, which are also the `dhw-mode` parameter. */
export const DHW_MODE = {
  heatPump: 1,
  electric: 2,
  energySaver: 3,
  highDemand: 4,
  vacation: 5,
  powerOff: 6,
} as const;

/** `operationMode`: what the unit is doing right now. */
export const OPERATION_MODE = {
  standby: 0,
  heatPump: 32,
  hybridEfficiency: 64,
  hybridBoost: 96,
} as const;

/** `currentHeatUse`: which heat source runs. */
export const HEAT_SOURCE = { none: 0, heatPump: 1, element: 2, both: 3 } as const;

/** `volumeCode` → tank size in litres (1 = 50 gal, 2 = 65 gal, 3 = 80 gal). */
export const TANK_LITRES: Readonly<Record<number, number>> = { 1: 189, 2: 246, 3: 303 };

/** Tank-energy counts (`totalEnergyCapacity`, `availableEnergyCapacity`) are units of 4 Wh. */
export const ENERGY_COUNT_WH = 4;

/** Wh needed to warm one litre of water by one kelvin. */
export const WH_PER_LITRE_KELVIN = 1.163;

/** Topic suffixes under `cmd/52/navilink-<mac>/` on which the device accepts requests. */
export const REQUEST_SUFFIXES: ReadonlySet<string> = new Set([
  'st',
  'st/did',
  'ctrl',
  'st/rsv/rd',
  'ctrl/rsv/rd',
  'ctrl/tou/rd',
  'st/energy-usage-daily-query/rd',
]);

export function deviceTopicRoot(mac: string): string {
  return `cmd/${DEVICE_TYPE}/navilink-${mac}`;
}

/** Where a reply goes when the request named no `responseTopic` (the library's defaults). */
export function defaultResponseTopic(mac: string, clientId: string, command: number): string {
  switch (command) {
    case COMMAND.reservationRead:
    case COMMAND.reservationWrite:
      return `cmd/${DEVICE_TYPE}/${clientId}/res/rsv/rd`;
    case COMMAND.touReservation:
      return `cmd/${DEVICE_TYPE}/${clientId}/res/tou/rd`;
    case COMMAND.energyUsageQuery:
      return `cmd/${DEVICE_TYPE}/${clientId}/res/energy-usage-daily-query/rd`;
    default:
      return `${deviceTopicRoot(mac)}/${clientId}/res`;
  }
}

export function halfCelsius(celsius: number): number {
  return Math.round(celsius * 2);
}

export function deciCelsius(celsius: number): number {
  return Math.round(celsius * 10);
}

/** Every key of `response.status`, spelled as the device spells them (typo included). */
export const STATUS_FIELDS = [
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
] as const;

export type StatusField = (typeof STATUS_FIELDS)[number];
export type RawStatus = Record<StatusField, number>;

/** Every key of `response.feature`. */
export const FEATURE_NUMBER_FIELDS = [
  'temperatureType',
  'countryCode',
  'modelTypeCode',
  'controlTypeCode',
  'volumeCode',
  'controllerSwVersion',
  'panelSwVersion',
  'wifiSwVersion',
  'recircSwVersion',
  'controllerSwCode',
  'panelSwCode',
  'wifiSwCode',
  'recircModelTypeCode',
  'dhwTemperatureSettingUse',
  'powerUse',
  'holidayUse',
  'programReservationUse',
  'dhwUse',
  'smartDiagnosticUse',
  'wifiRssiUse',
  'energyUsageUse',
  'freezeProtectionUse',
  'mixingValveUse',
  'drSettingUse',
  'antiLegionellaSettingUse',
  'hpwhUse',
  'dhwRefillUse',
  'ecoUse',
  'electricUse',
  'heatpumpUse',
  'energySaverUse',
  'highDemandUse',
  'recirculationUse',
  'recircReservationUse',
  'title24Use',
  'tempFormulaType',
  'dhwTemperatureMin',
  'dhwTemperatureMax',
  'freezeProtectionTempMin',
  'freezeProtectionTempMax',
  'recircTemperatureMin',
  'recircTemperatureMax',
] as const;

export type FeatureNumberField = (typeof FEATURE_NUMBER_FIELDS)[number];
export type RawFeature = Record<FeatureNumberField, number> & { controllerSerialNumber: string };

/** A fully featured 65-gallon US unit as it would describe itself (capability flags 2 = supported). */
export function defaultFeature(serial: string, volumeCode: number): RawFeature {
  return {
    temperatureType: 2,
    countryCode: 3,
    modelTypeCode: 513,
    controlTypeCode: 100,
    volumeCode,
    controllerSwVersion: 184614912,
    panelSwVersion: 184614912,
    wifiSwVersion: 34013184,
    recircSwVersion: 0,
    controllerSwCode: 1,
    panelSwCode: 2,
    wifiSwCode: 4,
    recircModelTypeCode: 0,
    controllerSerialNumber: serial,
    dhwTemperatureSettingUse: 2,
    powerUse: FLAG_ON,
    holidayUse: FLAG_ON,
    programReservationUse: FLAG_ON,
    dhwUse: FLAG_ON,
    smartDiagnosticUse: FLAG_ON,
    wifiRssiUse: FLAG_ON,
    energyUsageUse: FLAG_ON,
    freezeProtectionUse: FLAG_ON,
    mixingValveUse: FLAG_OFF,
    drSettingUse: FLAG_ON,
    antiLegionellaSettingUse: FLAG_ON,
    hpwhUse: FLAG_ON,
    dhwRefillUse: FLAG_OFF,
    ecoUse: FLAG_ON,
    electricUse: FLAG_ON,
    heatpumpUse: FLAG_ON,
    energySaverUse: FLAG_ON,
    highDemandUse: FLAG_ON,
    recirculationUse: FLAG_OFF,
    recircReservationUse: FLAG_OFF,
    title24Use: FLAG_OFF,
    tempFormulaType: 1,
    dhwTemperatureMin: 81,
    dhwTemperatureMax: 130,
    freezeProtectionTempMin: 12,
    freezeProtectionTempMax: 20,
    recircTemperatureMin: 0,
    recircTemperatureMax: 0,
  };
}

/** One program-reservation entry as the device stores it. */
export interface ReservationEntry {
  enable: number;
  week: number;
  hour: number;
  min: number;
  mode: number;
  param: number;
}

const RESERVATION_ENTRY_KEYS = ['enable', 'week', 'hour', 'min', 'mode', 'param'] as const;

/** The read-reply encoding: 6 bytes per entry, in field order, as lowercase hex. */
export function encodeReservationHex(entries: readonly ReservationEntry[]): string {
  return entries
    .map((entry) =>
      RESERVATION_ENTRY_KEYS.map((key) => (entry[key] & 0xff).toString(16).padStart(2, '0')).join(''),
    )
    .join('');
}

/** Day-of-week bitfield: Sunday 128 … Saturday 2. */
export const WEEKDAYS_MON_FRI = 124;
export const WEEKEND = 130;
