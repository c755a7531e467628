// One simulated NWP500: its settings and tank, how it answers each request envelope, the
// raw status/feature payloads it reports, and a bounded log of every command it received.

import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { pseudonym } from '../util/redact.js';
import { EnergyLog } from './energyLog.js';
import {
  type DeviceRequest,
  isPublishableTopic,
  type ParsedEnvelope,
  parseEnvelope,
  reservationEntrySchema,
  type TouPeriod,
  touPeriodSchema,
} from './requestSchema.js';
import { DEFAULT_TANK_PHYSICS, TankModel, type TankPhysicsOptions } from './tank.js';
import {
  COMMAND,
  type CommandName,
  commandName,
  DEVICE_TYPE,
  DHW_MODE,
  deciCelsius,
  defaultFeature,
  defaultResponseTopic,
  deviceTopicRoot,
  ENERGY_COUNT_WH,
  encodeReservationHex,
  type FeatureNumberField,
  FLAG_OFF,
  FLAG_ON,
  flag,
  halfCelsius,
  type RawFeature,
  type RawStatus,
  type ReservationEntry,
  TANK_LITRES,
  WEEKDAYS_MON_FRI,
  WEEKEND,
  WH_PER_LITRE_KELVIN,
} from './wire.js';

export interface SimLocation {
  state: string;
  city: string;
  address: string;
  latitude: number;
  longitude: number;
  altitude: number;
}

export interface SimDeviceOptions {
  /** 12 lowercase hex characters, no separators. */
  macAddress?: string;
  deviceName?: string;
  additionalValue?: string;
  homeSeq?: number;
  controllerSerialNumber?: string;
  /** 1 = 50 gal, 2 = 65 gal, 3 = 80 gal. */
  volumeCode?: number;
  installType?: string;
  online?: boolean;
  location?: Partial<SimLocation>;
  /** Upper-tank temperature at start, °C. */
  initialTankC?: number;
  /** Setpoint at start, raw half-°C (120 = 60 °C). */
  setpointHalfC?: number;
  /** `dhwOperationSetting` at start (1–4). */
  dhwMode?: number;
  /** Overrides of the feature payload (e.g. a capability flag set to 1 to test gating). */
  feature?: Partial<Record<FeatureNumberField, number>>;
  physics?: Partial<TankPhysicsOptions>;
  /** The time-of-use plan registered for the device in the cloud (REST `GET /device/tou`). */
  touPlan?: SimTouPlan;
}

/** A TOU plan as the REST API keeps it: utility, plan name, ZIP code and seasons of priced intervals. */
export interface SimTouPlan {
  utility: string;
  name: string;
  zipCode: string;
  schedule: Array<{
    season: number;
    interval: Array<{
      week: number;
      startHour: number;
      startMinute: number;
      endHour: number;
      endMinute: number;
      priceMin: number;
      priceMax: number;
      decimalPoint: number;
    }>;
  }>;
}

/** An evening-peak plan on weekdays, all year (prices × 10^5). */
export const DEFAULT_TOU_PLAN: SimTouPlan = {
  utility: 'Example Power & Light',
  name: 'Residential TOU-D',
  zipCode: '95110',
  schedule: [
    {
      season: 4095,
      interval: [
        {
          week: WEEKDAYS_MON_FRI,
          startHour: 0,
          startMinute: 0,
          endHour: 15,
          endMinute: 59,
          priceMin: 28000,
          priceMax: 28000,
          decimalPoint: 5,
        },
        {
          week: WEEKDAYS_MON_FRI,
          startHour: 16,
          startMinute: 0,
          endHour: 20,
          endMinute: 59,
          priceMin: 49000,
          priceMax: 49000,
          decimalPoint: 5,
        },
      ],
    },
  ],
};

export type CommandOutcome =
  | 'applied'
  | 'rejected'
  | 'unsupported'
  | 'unknown-command'
  | 'offline'
  | 'wrong-device'
  | 'bad-response-topic';

export interface ReceivedCommand {
  /** Arrival order across this device, starting at 1. */
  seq: number;
  /** Wall-clock arrival time (simulator clock). */
  receivedAtMs: number;
  /** MQTT client id of the connection that published the request. */
  clientId: string;
  /** The envelope's `sessionID` (empty when it had none), to tell a repeat from a new command. */
  sessionId: string;
  topicSuffix: string;
  command: number;
  name: CommandName | undefined;
  mode: string | undefined;
  param: readonly number[] | undefined;
  /** Schedule writes: the program switch and the list as sent. */
  reservationUse?: number;
  reservation?: unknown;
  outcome: CommandOutcome;
  note?: string;
}

export interface DeviceReply {
  topic: string;
  payload: string;
}

export interface RequestResult {
  outcome: CommandOutcome | 'malformed' | 'not-a-request';
  replies: DeviceReply[];
}

export interface SimDeviceDeps {
  clock: Clock;
  logger: Logger;
}

/** The bounded command history keeps this many entries (oldest dropped first, and counted). */
export const MAX_COMMAND_LOG = 10_000;
const MAX_RESERVATIONS = 16;
const MAX_TOU_PERIODS = 16;
const MAX_VACATION_DAYS = 30;
const MAX_ANTI_LEGIONELLA_DAYS = 30;
const MS_PER_DAY = 86_400_000;
const MS_PER_HOUR = 3_600_000;
/** How long the recirculation pump runs after a hot-button press. */
export const HOT_BUTTON_RUN_MS = 5 * 60_000;
/** `recircOperationMode` a unit with recirculation starts in (2 = button). */
const DEFAULT_RECIRC_MODE = 2;

const DEFAULT_LOCATION: SimLocation = {
  state: 'CA',
  city: 'San Jose',
  address: '1234 Example Avenue',
  latitude: 37.3382,
  longitude: -121.8863,
  altitude: 25,
};

/** Which capability flag must be 2 for each settable DHW mode. */
const MODE_CAPABILITY: Readonly<Record<number, FeatureNumberField>> = {
  [DHW_MODE.heatPump]: 'heatpumpUse',
  [DHW_MODE.electric]: 'electricUse',
  [DHW_MODE.energySaver]: 'energySaverUse',
  [DHW_MODE.highDemand]: 'highDemandUse',
  [DHW_MODE.vacation]: 'holidayUse',
};

type Applied = { outcome: CommandOutcome; note?: string; reply: 'status' | 'none' | (() => object) };

export class SimDevice {
  readonly macAddress: string;
  readonly deviceName: string;
  readonly additionalValue: string;
  readonly homeSeq: number;
  readonly controllerSerialNumber: string;
  readonly installType: string;
  readonly location: SimLocation;
  online: boolean;
  /** Where the latest status-style reply went (the topic the requesting client listens on). */
  lastResponseTopic: string | undefined;

  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly tank: TankModel;
  private readonly energy: EnergyLog;
  private readonly feature: RawFeature;

  private dhwMode: number;
  private modeBeforeOff: number;
  private modeBeforeVacation: number;
  private setpointHalfC: number;
  private vacationDays = 0;
  private vacationElapsedMs = 0;
  private antiLegionellaOn = true;
  private antiLegionellaPeriodDays = 7;
  private touOn = false;
  private demandResponseOn = true;
  private freezeProtectionHalfC = 12;
  private airFilterElapsedHours = 120;
  private fanHours = 1830;
  private errorCode = 0;
  private subErrorCode = 0;
  private drEventStatus = 0;
  private reservationUse = FLAG_ON;
  private reservations: ReservationEntry[];
  private touReservationUse = FLAG_OFF;
  private touPeriods: TouPeriod[] = [];
  private readonly touPlan: SimTouPlan;
  private recircMode: number;
  /** Simulated wall time until which the recirculation pump runs (hot button). */
  private hotButtonUntilMs = 0;
  /** Firmware downloaded but not installed, by `curSwCode` (1 controller, 2 panel, 4 Wi-Fi). */
  private readonly downloadedFirmware = new Map<number, number>();

  private readonly commandLog: ReceivedCommand[] = [];
  private seq = 0;
  private droppedLogEntries = 0;

  constructor(options: SimDeviceOptions, deps: SimDeviceDeps) {
    this.macAddress = (options.macAddress ?? '04786332fca0').toLowerCase();
    this.deviceName = options.deviceName ?? 'Water Heater';
    this.additionalValue = options.additionalValue ?? '5322';
    this.homeSeq = options.homeSeq ?? 4521;
    this.controllerSerialNumber =
      options.controllerSerialNumber ?? `NWP500${this.macAddress.slice(6).toUpperCase()}0017`;
    this.installType = options.installType ?? 'R';
    this.location = { ...DEFAULT_LOCATION, ...options.location };
    this.online = options.online ?? true;
    this.clock = deps.clock;
    this.log = deps.logger.child({ device: pseudonym(this.macAddress) });
    const volumeCode = options.volumeCode ?? 2;
    this.feature = { ...defaultFeature(this.controllerSerialNumber, volumeCode), ...options.feature };
    this.dhwMode = options.dhwMode ?? DHW_MODE.energySaver;
    this.modeBeforeOff = this.dhwMode;
    this.modeBeforeVacation = this.dhwMode;
    this.setpointHalfC = options.setpointHalfC ?? 120;
    this.tank = new TankModel(options.initialTankC ?? 52, { ...DEFAULT_TANK_PHYSICS, ...options.physics });
    this.energy = new EnergyLog(this.macAddress);
    this.touPlan = structuredClone(options.touPlan ?? DEFAULT_TOU_PLAN);
    this.recircMode = this.feature.recirculationUse === FLAG_ON ? DEFAULT_RECIRC_MODE : 0;
    this.reservations = [
      { enable: FLAG_ON, week: WEEKDAYS_MON_FRI, hour: 6, min: 30, mode: DHW_MODE.highDemand, param: 120 },
      { enable: FLAG_ON, week: WEEKEND, hour: 8, min: 0, mode: DHW_MODE.energySaver, param: 116 },
    ];
  }

  /** Answers one message published on this device's topics. Never throws. */
  handleRequest(topicSuffix: string, payload: Buffer, mqttClientId: string): RequestResult {
    try {
      return this.handleParsed(topicSuffix, parseEnvelope(payload), mqttClientId);
    } catch (error) {
      this.log.error({ err: error }, 'simulated device failed on a request; ignored');
      return { outcome: 'malformed', replies: [] };
    }
  }

  /** Advances the tank, energy counters and vacation clock by `ms` of simulated time. */
  tick(ms: number): void {
    if (!(ms > 0)) return;
    const usage = this.tank.advance(ms, this.dhwMode, this.setpointHalfC / 2);
    this.energy.record(this.clock.now(), usage);
    const fanHours = usage.fanMs / MS_PER_HOUR;
    this.fanHours += fanHours;
    this.airFilterElapsedHours += fanHours;
    if (this.dhwMode === DHW_MODE.vacation) {
      this.vacationElapsedMs += ms;
      if (this.vacationElapsedMs >= this.vacationDays * MS_PER_DAY) this.endVacation();
    }
  }

  /** The full raw status as the device would send it after `command`. */
  status(command: number = COMMAND.statusRequest): RawStatus {
    const tank = this.tank;
    const setpointC = this.setpointHalfC / 2;
    const litres = TANK_LITRES[this.feature.volumeCode] ?? 246;
    const floorC = this.feature.dhwTemperatureMin / 2;
    const countsPerKelvin = (litres * WH_PER_LITRE_KELVIN) / ENERGY_COUNT_WH;
    const total = Math.round(countsPerKelvin * Math.max(0, setpointC - floorC));
    // The unit works from its 0.1 °C thermistor reading, so a hair below the setpoint counts as charged.
    const upperReadingC = deciCelsius(tank.upperC) / 10;
    const needed = Math.round(countsPerKelvin * Math.max(0, setpointC - upperReadingC));
    const charge = total > 0 ? Math.min(100, Math.max(0, Math.round(100 * (1 - needed / total)))) : 0;
    const { compressor, upperElement, lowerElement } = tank.heatSources;
    const heating = tank.isHeating;
    const sp = this.setpointHalfC;
    const ambient = tank.ambientC;
    return {
      command,
      temperatureType: this.feature.temperatureType,
      specialFunctionStatus: 0,
      errorCode: this.errorCode,
      subErrorCode: this.subErrorCode,
      smartDiagnostic: 0,
      faultStatus1: 0,
      faultStatus2: 0,
      wifiRssi: -54,
      dhwChargePer: charge,
      drEventStatus: this.drEventStatus,
      vacationDaySetting: this.dhwMode === DHW_MODE.vacation ? this.vacationDays : 0,
      vacationDayElapsed:
        this.dhwMode === DHW_MODE.vacation ? Math.floor(this.vacationElapsedMs / MS_PER_DAY) : 0,
      antiLegionellaPeriod: this.antiLegionellaPeriodDays,
      programReservationType: 0,
      tempFormulaType: this.feature.tempFormulaType,
      outsideTemperature: halfCelsius(ambient),
      currentStatenum: heating ? 1 : 0,
      targetFanRpm: compressor ? 1100 : 0,
      currentFanRpm: compressor ? 1084 : 0,
      fanPwm: compressor ? 52 : 0,
      mixingRate: 0,
      eevStep: compressor ? 214 : 0,
      airFilterAlarmPeriod: 1000,
      airFilterAlarmElapsed: Math.floor(this.airFilterElapsedHours),
      cumulatedOpTimeEvaFan: Math.floor(this.fanHours),
      cumulatedDhwFlowRate: 48213,
      touStatus: this.touOn ? 1 : 0,
      drOverrideStatus: 0,
      touOverrideStatus: FLAG_ON,
      totalEnergyCapacity: total,
      availableEnergyCapacity: needed,
      recircOperationMode: this.recircMode,
      recircPumpOperationStatus: this.recirculating() ? 1 : 0,
      recircHotBtnReady: 0,
      recircOperationReason: 0,
      recircErrorStatus: 0,
      currentInstPower: tank.powerWatts,
      didReload: FLAG_OFF,
      operationBusy: flag(heating),
      freezeProtectionUse: FLAG_OFF,
      dhwUse: FLAG_OFF,
      dhwUseSustained: FLAG_OFF,
      dhwOperationBusy: flag(heating),
      programReservationUse: flag(this.reservationUse === FLAG_ON),
      ecoUse: FLAG_OFF,
      compUse: flag(compressor),
      eevUse: flag(compressor),
      evaFanUse: flag(compressor),
      shutOffValveUse: FLAG_OFF,
      conOvrSensorUse: FLAG_OFF,
      wtrOvrSensorUse: FLAG_OFF,
      antiLegionellaUse: flag(this.antiLegionellaOn),
      antiLegionellaOperationBusy: FLAG_OFF,
      errorBuzzerUse: FLAG_ON,
      currentHeatUse: tank.heatSourceCode,
      heatUpperUse: flag(upperElement),
      heatLowerUse: flag(lowerElement),
      scaldUse: FLAG_OFF,
      airFilterAlarmUse: FLAG_ON,
      recircOperationBusy: flag(this.recirculating()),
      recircReservationUse: FLAG_OFF,
      dhwTemperature: halfCelsius(tank.upperC),
      dhwTemperatureSetting: sp,
      dhwTargetTemperatureSetting: sp,
      freezeProtectionTemperature: this.freezeProtectionHalfC,
      dhwTemperature2: halfCelsius(tank.upperC - 0.5),
      hpUpperOnTempSetting: sp - 6,
      hpUpperOffTempSetting: sp,
      hpLowerOnTempSetting: sp - 10,
      hpLowerOffTempSetting: sp - 2,
      heUpperOnTempSetting: sp - 16,
      heUpperOffTempSetting: sp - 4,
      heLowerOnTempSetting: sp - 20,
      heLowerOffTempSetting: sp - 8,
      heatMinOpTemperature: 70,
      recircTempSetting: 0,
      recircTemperature: 0,
      recircFaucetTemperature: 0,
      currentInletTemperature: halfCelsius(tank.inletC),
      currentDhwFlowRate: 0,
      hpUpperOnDiffTempSetting: 30,
      hpUpperOffDiffTempSetting: 0,
      hpLowerOnDiffTempSetting: 50,
      hpLowerOffDiffTempSetting: 10,
      heUpperOnDiffTempSetting: 80,
      heUpperOffDiffTempSetting: 20,
      heLowerOnTDiffempSetting: 100,
      heLowerOffDiffTempSetting: 40,
      recircDhwFlowRate: 0,
      tankUpperTemperature: deciCelsius(tank.upperC),
      tankLowerTemperature: deciCelsius(tank.lowerC),
      dischargeTemperature: deciCelsius(compressor ? tank.upperC + 18 : ambient),
      suctionTemperature: deciCelsius(compressor ? ambient - 6 : ambient),
      evaporatorTemperature: deciCelsius(compressor ? ambient - 9 : ambient),
      ambientTemperature: deciCelsius(ambient),
      targetSuperHeat: 50,
      currentSuperHeat: compressor ? 48 : 0,
      operationMode: tank.operationModeFor(this.dhwMode),
      dhwOperationSetting: this.dhwMode,
      freezeProtectionTempMin: this.feature.freezeProtectionTempMin,
      freezeProtectionTempMax: this.feature.freezeProtectionTempMax,
    };
  }

  /** The feature ("did") payload. */
  featurePayload(): RawFeature {
    return { ...this.feature };
  }

  /** Every command received so far, oldest first (bounded by MAX_COMMAND_LOG). */
  receivedCommands(): readonly ReceivedCommand[] {
    return this.commandLog;
  }

  /** Log entries dropped because the log was full. */
  get droppedCommandLogEntries(): number {
    return this.droppedLogEntries;
  }

  /** Internal settings that have no status field of their own (DR participation, TOU schedule). */
  settings(): {
    demandResponseOn: boolean;
    touReservationUse: number;
    touPeriods: readonly TouPeriod[];
    reservationUse: number;
    reservations: readonly ReservationEntry[];
  } {
    return {
      demandResponseOn: this.demandResponseOn,
      touReservationUse: this.touReservationUse,
      touPeriods: this.touPeriods,
      reservationUse: this.reservationUse,
      reservations: this.reservations,
    };
  }

  /** The plan `GET /device/tou` answers with (a copy). */
  touRegistration(): SimTouPlan {
    return structuredClone(this.touPlan);
  }

  /** Firmware entries as `/device/firmware/info` lists them: controller, panel, Wi-Fi module. */
  firmware(): Array<{ curSwCode: number; curVersion: number; downloadedVersion: number | null }> {
    const f = this.feature;
    return [
      [f.controllerSwCode, f.controllerSwVersion],
      [f.panelSwCode, f.panelSwVersion],
      [f.wifiSwCode, f.wifiSwVersion],
    ].map(([curSwCode = 0, curVersion = 0]) => ({
      curSwCode,
      curVersion,
      downloadedVersion: this.downloadedFirmware.get(curSwCode) ?? null,
    }));
  }

  /** Test hook: the unit has downloaded `version` for one firmware part (`null`: nothing pending). */
  setDownloadedFirmware(swCode: number, version: number | null): void {
    if (version === null) this.downloadedFirmware.delete(swCode);
    else this.downloadedFirmware.set(swCode, version);
  }

  reservationHex(): string {
    return encodeReservationHex(this.reservations);
  }

  energyUsage(year: number, months: readonly number[]): ReturnType<EnergyLog['report']> {
    return this.energy.report(year, months, this.clock.now());
  }

  /** Test and demo hooks: put the device into states a real unit reaches on its own. */
  setError(errorCode: number, subErrorCode = 0): void {
    this.errorCode = errorCode;
    this.subErrorCode = subErrorCode;
  }

  /** The schedule changed on the unit itself (its panel or the vendor app). */
  setReservations(reservationUse: number, entries: readonly ReservationEntry[]): void {
    this.reservationUse = reservationUse;
    this.reservations = entries.map((entry) => ({ ...entry }));
  }

  setDrEvent(status: number): void {
    this.drEventStatus = status;
  }

  setTankTemperature(celsius: number): void {
    this.tank.upperC = celsius;
  }

  private handleParsed(topicSuffix: string, parsed: ParsedEnvelope, mqttClientId: string): RequestResult {
    if (!parsed.ok) {
      if (parsed.reason === 'not-a-request') return { outcome: 'not-a-request', replies: [] };
      this.log.warn({ reason: parsed.reason, topicSuffix }, 'malformed request payload ignored');
      return { outcome: 'malformed', replies: [] };
    }
    const { envelope } = parsed;
    const request = envelope.request;
    const replyClientId = envelope.clientID ?? mqttClientId;
    const base = {
      clientId: mqttClientId,
      sessionId: envelope.sessionID ?? '',
      topicSuffix,
      command: request.command,
      name: commandName(request.command),
      mode: request.mode,
      param: request.param,
      ...(request.reservationUse === undefined ? {} : { reservationUse: request.reservationUse }),
      ...(request.reservation === undefined ? {} : { reservation: structuredClone(request.reservation) }),
    };
    if (
      request.macAddress.toLowerCase() !== this.macAddress ||
      (request.deviceType !== undefined && request.deviceType !== DEVICE_TYPE) ||
      (request.additionalValue !== undefined && request.additionalValue !== this.additionalValue)
    ) {
      this.log.warn({ command: request.command }, 'request addressed to another device ignored');
      return this.finish(base, { outcome: 'wrong-device' }, []);
    }
    if (base.name === undefined) {
      this.log.warn({ command: request.command }, 'unknown command ignored');
      return this.finish(base, { outcome: 'unknown-command' }, []);
    }
    if (!this.online) {
      return this.finish(base, { outcome: 'offline' }, []);
    }
    const responseTopic =
      envelope.responseTopic ?? defaultResponseTopic(this.macAddress, replyClientId, request.command);
    if (!isPublishableTopic(responseTopic)) {
      this.log.warn({ command: request.command }, 'request with an unusable responseTopic ignored');
      return this.finish(base, { outcome: 'bad-response-topic' }, []);
    }
    const applied = this.apply(base.name, request);
    if (applied.reply === 'none') return this.finish(base, applied, []);
    if (responseTopic.startsWith(`${deviceTopicRoot(this.macAddress)}/`)) {
      this.lastResponseTopic = responseTopic;
    }
    const response: object =
      applied.reply === 'status' ? { status: this.status(request.command) } : applied.reply();
    const reply = {
      clientID: replyClientId,
      sessionID: envelope.sessionID ?? '',
      requestTopic: envelope.requestTopic ?? `${deviceTopicRoot(this.macAddress)}/${topicSuffix}`,
      responseTopic,
      response: {
        command: request.command,
        deviceType: DEVICE_TYPE,
        macAddress: this.macAddress,
        ...response,
      },
    };
    return this.finish(base, applied, [{ topic: responseTopic, payload: JSON.stringify(reply) }]);
  }

  private finish(
    base: Omit<ReceivedCommand, 'seq' | 'receivedAtMs' | 'outcome' | 'note'>,
    applied: Pick<Applied, 'outcome' | 'note'>,
    replies: DeviceReply[],
  ): RequestResult {
    this.seq += 1;
    const entry: ReceivedCommand = {
      ...base,
      seq: this.seq,
      receivedAtMs: this.clock.now(),
      outcome: applied.outcome,
    };
    if (applied.note !== undefined) entry.note = applied.note;
    this.commandLog.push(entry);
    if (this.commandLog.length > MAX_COMMAND_LOG) {
      this.commandLog.shift();
      this.droppedLogEntries += 1;
    }
    if (applied.outcome !== 'applied') {
      this.log.debug(
        { command: base.command, outcome: applied.outcome, note: applied.note },
        'command not applied',
      );
    }
    return { outcome: applied.outcome, replies };
  }

  private supports(capability: FeatureNumberField): boolean {
    return this.feature[capability] === FLAG_ON;
  }

  private apply(name: CommandName, request: DeviceRequest): Applied {
    const param = request.param ?? [];
    switch (name) {
      case 'statusRequest':
        return { outcome: 'applied', reply: 'status' };
      case 'deviceInfoRequest':
        return { outcome: 'applied', reply: () => ({ feature: this.featurePayload() }) };
      case 'reservationRead':
        return { outcome: 'applied', reply: () => this.reservationReply() };
      case 'reservationWrite':
        return { ...this.writeReservations(request), reply: () => this.reservationReply() };
      case 'reservationWeekly':
        if (!this.supports('programReservationUse')) return unsupported('programReservationUse');
        return { ...this.writeReservations(request), reply: 'status' };
      case 'energyUsageQuery':
        return this.energyQuery(request);
      case 'touReservation':
        return this.touReservation(request);
      case 'powerOff':
        if (!this.supports('powerUse')) return unsupported('powerUse');
        if (this.dhwMode !== DHW_MODE.powerOff) this.modeBeforeOff = this.dhwMode;
        this.dhwMode = DHW_MODE.powerOff;
        return applied();
      case 'powerOn':
        if (!this.supports('powerUse')) return unsupported('powerUse');
        if (this.dhwMode === DHW_MODE.powerOff) this.dhwMode = this.modeBeforeOff;
        return applied();
      case 'dhwMode':
        return this.setMode(param);
      case 'dhwTemperature':
        return this.setTemperature(param);
      case 'antiLegionellaOn': {
        if (!this.supports('antiLegionellaSettingUse')) return unsupported('antiLegionellaSettingUse');
        const days = param[0];
        if (days === undefined || days < 1 || days > MAX_ANTI_LEGIONELLA_DAYS) {
          return rejected(`anti-legionella period ${String(days)} outside 1–${MAX_ANTI_LEGIONELLA_DAYS}`);
        }
        this.antiLegionellaOn = true;
        this.antiLegionellaPeriodDays = days;
        return applied();
      }
      case 'antiLegionellaOff':
        if (!this.supports('antiLegionellaSettingUse')) return unsupported('antiLegionellaSettingUse');
        this.antiLegionellaOn = false;
        return applied();
      case 'touOn':
      case 'touOff':
        if (!this.supports('programReservationUse')) return unsupported('programReservationUse');
        this.touOn = name === 'touOn';
        return applied();
      case 'drOn':
      case 'drOff':
        if (!this.supports('drSettingUse')) return unsupported('drSettingUse');
        this.demandResponseOn = name === 'drOn';
        if (!this.demandResponseOn) this.drEventStatus = 0;
        return applied();
      case 'airFilterReset':
        this.airFilterElapsedHours = 0;
        return applied();
      case 'freezeProtectionTemperature': {
        if (!this.supports('freezeProtectionUse')) return unsupported('freezeProtectionUse');
        const value = param[0];
        const { freezeProtectionTempMin: min, freezeProtectionTempMax: max } = this.feature;
        if (value === undefined || value < min || value > max) {
          return rejected(`freeze-protection ${String(value)} outside ${min}–${max}`);
        }
        this.freezeProtectionHalfC = value;
        return applied();
      }
      case 'recircMode': {
        if (!this.supports('recirculationUse')) return unsupported('recirculationUse');
        const mode = param[0];
        if (mode === undefined || mode < 1 || mode > 4)
          return rejected(`recirc-mode ${String(mode)} outside 1–4`);
        this.recircMode = mode;
        return applied();
      }
      case 'recircHotButton':
        if (!this.supports('recirculationUse')) return unsupported('recirculationUse');
        if (param[0] !== 1) return rejected(`recirc-hotbtn expects [1], got [${param.join(', ')}]`);
        this.hotButtonUntilMs = this.clock.now() + HOT_BUTTON_RUN_MS;
        return applied();
      case 'recircReservation':
        if (!this.supports('recirculationUse')) return unsupported('recirculationUse');
        return applied('no recirculation schedule model');
      case 'otaCommit':
      case 'otaCheck':
      case 'wifiReconnect':
      case 'wifiReset':
      case 'smartDiagnostic':
      case 'intelligentOn':
      case 'intelligentOff':
      case 'reservationWaterProgram':
      case 'goOutDay':
      case 'airFilterLife':
        return applied('acknowledged without effect');
    }
  }

  private recirculating(): boolean {
    return this.clock.now() < this.hotButtonUntilMs;
  }

  private setMode(param: readonly number[]): Applied {
    if (!this.supports('dhwUse')) return unsupported('dhwUse');
    const mode = param[0];
    if (mode === undefined) return rejected('dhw-mode without a mode');
    const capability = MODE_CAPABILITY[mode];
    if (capability === undefined) return rejected(`dhw-mode ${mode} is not settable`);
    if (!this.supports(capability)) return unsupported(capability);
    if (mode === DHW_MODE.vacation) {
      // A bare [5] is what the old away toggle sent; the unit ignores it (ha_nwp500 changelog).
      const days = param[1];
      if (days === undefined || days < 1 || days > MAX_VACATION_DAYS) {
        return rejected(`vacation needs 1–${MAX_VACATION_DAYS} days, got ${String(days)}`);
      }
      if (this.dhwMode !== DHW_MODE.vacation && this.dhwMode !== DHW_MODE.powerOff) {
        this.modeBeforeVacation = this.dhwMode;
      }
      this.vacationDays = days;
      this.vacationElapsedMs = 0;
    }
    this.dhwMode = mode;
    return applied();
  }

  private endVacation(): void {
    this.dhwMode = this.modeBeforeVacation;
    this.vacationDays = 0;
    this.vacationElapsedMs = 0;
  }

  private setTemperature(param: readonly number[]): Applied {
    const control = this.feature.dhwTemperatureSettingUse;
    if (control === 0 || control === 1) return unsupported('dhwTemperatureSettingUse');
    const value = param[0];
    const { dhwTemperatureMin: min, dhwTemperatureMax: max } = this.feature;
    if (value === undefined || value < min || value > max) {
      return rejected(`setpoint ${String(value)} outside ${min}–${max}`);
    }
    this.setpointHalfC = value;
    return applied();
  }

  private writeReservations(request: DeviceRequest): Pick<Applied, 'outcome' | 'note'> {
    const use = request.reservationUse;
    const entries = reservationEntrySchema.array().max(MAX_RESERVATIONS).safeParse(request.reservation);
    if ((use !== FLAG_ON && use !== FLAG_OFF) || !entries.success) {
      return { outcome: 'rejected', note: 'reservation write with an invalid schedule' };
    }
    this.reservationUse = use;
    this.reservations = entries.data;
    return { outcome: 'applied' };
  }

  private reservationReply(): object {
    return { reservationUse: this.reservationUse, reservation: this.reservationHex() };
  }

  private energyQuery(request: DeviceRequest): Applied {
    const year = request.year;
    const months = request.month;
    if (
      year === undefined ||
      year < 2000 ||
      year > 2100 ||
      months === undefined ||
      months.length === 0 ||
      months.length > 12 ||
      months.some((month) => month < 1 || month > 12)
    ) {
      return { outcome: 'rejected', note: 'energy query needs year and months 1–12', reply: 'none' };
    }
    return { outcome: 'applied', reply: () => this.energyUsage(year, months) };
  }

  private touReservation(request: DeviceRequest): Applied {
    const reply = (): object => ({
      controllerSerialNumber: this.controllerSerialNumber,
      reservationUse: this.touReservationUse,
      reservation: this.touPeriods,
    });
    if (request.controllerSerialNumber !== this.controllerSerialNumber) {
      return { outcome: 'rejected', note: 'TOU request for another controller', reply: 'none' };
    }
    if (request.reservation === undefined) return { outcome: 'applied', reply };
    if (!this.supports('programReservationUse')) return { ...unsupported('programReservationUse'), reply };
    const use = request.reservationUse;
    const periods = touPeriodSchema.array().max(MAX_TOU_PERIODS).safeParse(request.reservation);
    if ((use !== FLAG_ON && use !== FLAG_OFF) || !periods.success) {
      return { outcome: 'rejected', note: 'TOU write with an invalid schedule', reply };
    }
    this.touReservationUse = use;
    this.touPeriods = periods.data;
    return { outcome: 'applied', reply };
  }
}

function applied(note?: string): Applied {
  return note === undefined
    ? { outcome: 'applied', reply: 'status' }
    : { outcome: 'applied', note, reply: 'status' };
}

/** The unit keeps its settings and still answers with its (unchanged) status. */
function rejected(note: string): Applied {
  return { outcome: 'rejected', note, reply: 'status' };
}

function unsupported(capability: FeatureNumberField): Applied {
  return { outcome: 'unsupported', note: `feature flag ${capability} is not 2`, reply: 'status' };
}
