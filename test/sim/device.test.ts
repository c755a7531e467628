import { describe, expect, it } from 'vitest';
import { SimDevice, type SimDeviceOptions } from '../../src/sim/device.js';
import { ManualClock } from '../../src/util/clock.js';
import { captureLog } from '../helpers/logCapture.js';
import { onlyReply, replyStatus, sendToDevice } from './helpers/envelopes.js';

const MAC = '04786332fca0';
const CLIENT = 'navien-client-test0001';
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

function makeDevice(options: SimDeviceOptions = {}) {
  const clock = new ManualClock(Date.UTC(2026, 5, 15, 8, 0, 0));
  const log = captureLog('debug');
  const device = new SimDevice({ macAddress: MAC, ...options }, { clock, logger: log.logger });
  return { device, clock, log };
}

const status = (device: SimDevice) => replyStatus(sendToDevice(device, 'st', { command: 16777219 }));
const control = (device: SimDevice, command: number, mode: string, param: number[] = []) =>
  sendToDevice(device, 'ctrl', { command, mode, param, paramStr: '' });

/** Keys of response.status as the device sends them, typed out independently of the simulator. */
const REFERENCE_STATUS_KEYS =
  `command temperatureType specialFunctionStatus errorCode subErrorCode smartDiagnostic
 faultStatus1 faultStatus2 wifiRssi dhwChargePer drEventStatus vacationDaySetting vacationDayElapsed
 antiLegionellaPeriod programReservationType tempFormulaType outsideTemperature currentStatenum targetFanRpm
 currentFanRpm fanPwm mixingRate eevStep airFilterAlarmPeriod airFilterAlarmElapsed cumulatedOpTimeEvaFan
 cumulatedDhwFlowRate touStatus drOverrideStatus touOverrideStatus totalEnergyCapacity availableEnergyCapacity
 recircOperationMode recircPumpOperationStatus recircHotBtnReady recircOperationReason recircErrorStatus
 currentInstPower didReload operationBusy freezeProtectionUse dhwUse dhwUseSustained dhwOperationBusy
 programReservationUse ecoUse compUse eevUse evaFanUse shutOffValveUse conOvrSensorUse wtrOvrSensorUse
 antiLegionellaUse antiLegionellaOperationBusy errorBuzzerUse currentHeatUse heatUpperUse heatLowerUse scaldUse
 airFilterAlarmUse recircOperationBusy recircReservationUse dhwTemperature dhwTemperatureSetting
 dhwTargetTemperatureSetting freezeProtectionTemperature dhwTemperature2 hpUpperOnTempSetting hpUpperOffTempSetting
 hpLowerOnTempSetting hpLowerOffTempSetting heUpperOnTempSetting heUpperOffTempSetting heLowerOnTempSetting
 heLowerOffTempSetting heatMinOpTemperature recircTempSetting recircTemperature recircFaucetTemperature
 currentInletTemperature currentDhwFlowRate hpUpperOnDiffTempSetting hpUpperOffDiffTempSetting
 hpLowerOnDiffTempSetting hpLowerOffDiffTempSetting heUpperOnDiffTempSetting heUpperOffDiffTempSetting
 heLowerOnTDiffempSetting heLowerOffDiffTempSetting recircDhwFlowRate tankUpperTemperature tankLowerTemperature
 dischargeTemperature suctionTemperature evaporatorTemperature ambientTemperature targetSuperHeat currentSuperHeat
 operationMode dhwOperationSetting freezeProtectionTempMin freezeProtectionTempMax`
    .split(/\s+/)
    .filter(Boolean);

const REFERENCE_FEATURE_KEYS =
  `temperatureType countryCode modelTypeCode controlTypeCode volumeCode controllerSwVersion
 panelSwVersion wifiSwVersion recircSwVersion controllerSwCode panelSwCode wifiSwCode recircModelTypeCode
 controllerSerialNumber dhwTemperatureSettingUse powerUse holidayUse programReservationUse dhwUse smartDiagnosticUse
 wifiRssiUse energyUsageUse freezeProtectionUse mixingValveUse drSettingUse antiLegionellaSettingUse hpwhUse
 dhwRefillUse ecoUse electricUse heatpumpUse energySaverUse highDemandUse recirculationUse recircReservationUse
 title24Use tempFormulaType dhwTemperatureMin dhwTemperatureMax freezeProtectionTempMin freezeProtectionTempMax
 recircTemperatureMin recircTemperatureMax`
    .split(/\s+/)
    .filter(Boolean);

/** Device booleans (1 = off, 2 = on) from the status payload. */
const FLAG_KEYS =
  `didReload operationBusy freezeProtectionUse dhwUse dhwUseSustained dhwOperationBusy programReservationUse
 ecoUse compUse eevUse evaFanUse shutOffValveUse conOvrSensorUse wtrOvrSensorUse antiLegionellaUse
 antiLegionellaOperationBusy errorBuzzerUse heatUpperUse heatLowerUse scaldUse airFilterAlarmUse recircOperationBusy
 recircReservationUse`
    .split(/\s+/)
    .filter(Boolean);

describe('status request', () => {
  it('answers on the responseTopic with the response envelope and every status field', () => {
    const { device } = makeDevice();
    const reply = onlyReply(sendToDevice(device, 'st', { command: 16777219 }, CLIENT));
    expect(reply.topic).toBe(`cmd/52/navilink-${MAC}/${CLIENT}/res`);
    expect(reply.envelope).toMatchObject({
      clientID: CLIENT,
      sessionID: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      requestTopic: `cmd/52/navilink-${MAC}/st`,
      responseTopic: `cmd/52/navilink-${MAC}/${CLIENT}/res`,
      response: { command: 16777219, deviceType: 52, macAddress: MAC },
    });
    const fields = reply.envelope.response.status as Record<string, unknown>;
    expect(Object.keys(fields).sort()).toEqual([...REFERENCE_STATUS_KEYS].sort());
    for (const value of Object.values(fields)) expect(Number.isInteger(value)).toBe(true);
    expect(fields.command).toBe(16777219);
  });

  it('reports raw wire units: half-°C setpoint, deci-°C tank, °F display, 1/2 booleans', () => {
    const { device } = makeDevice({ initialTankC: 58.6, setpointHalfC: 120 });
    const fields = status(device);
    expect(fields.dhwTemperatureSetting).toBe(120);
    expect(fields.dhwTargetTemperatureSetting).toBe(120);
    expect(fields.tankUpperTemperature).toBe(586);
    expect(fields.dhwTemperature).toBe(117);
    expect(fields.temperatureType).toBe(2);
    expect(fields.outsideTemperature).toBe(40);
    for (const key of FLAG_KEYS) expect([1, 2]).toContain(fields[key]);
  });

  it('counts tank energy in 4 Wh units from the 104.9 °F floor to the setpoint', () => {
    const { device } = makeDevice({ initialTankC: 50, setpointHalfC: 120, volumeCode: 2 });
    const fields = status(device);
    // 65 gal ≈ 246 L; 1.163 Wh per litre and kelvin; floor 81 half-°C = 40.5 °C.
    expect(fields.totalEnergyCapacity).toBe(Math.round((246 * 1.163 * (60 - 40.5)) / 4));
    expect(fields.availableEnergyCapacity).toBe(Math.round((246 * 1.163 * (60 - 50)) / 4));
  });
});

describe('feature request', () => {
  it('answers st/did with every feature field, the setpoint limits and the serial', () => {
    const { device } = makeDevice({ controllerSerialNumber: 'ABC123' });
    const reply = onlyReply(sendToDevice(device, 'st/did', { command: 16777217 }));
    expect(reply.envelope.response.command).toBe(16777217);
    const feature = reply.envelope.response.feature as Record<string, unknown>;
    expect(Object.keys(feature).sort()).toEqual([...REFERENCE_FEATURE_KEYS].sort());
    expect(feature).toMatchObject({
      dhwTemperatureMin: 81,
      dhwTemperatureMax: 130,
      controllerSerialNumber: 'ABC123',
      volumeCode: 2,
      temperatureType: 2,
      modelTypeCode: 513,
    });
  });
});

describe('control commands', () => {
  it('powers off to mode 6 and back on to the mode it had before', () => {
    const { device } = makeDevice({ dhwMode: 4 });
    const off = replyStatus(control(device, 33554433, 'power-off'));
    expect(off.command).toBe(33554433);
    expect(off.dhwOperationSetting).toBe(6);
    const on = replyStatus(control(device, 33554434, 'power-on'));
    expect(on.command).toBe(33554434);
    expect(on.dhwOperationSetting).toBe(4);
  });

  it('switches DHW mode and echoes 33554437', () => {
    const { device } = makeDevice();
    const fields = replyStatus(control(device, 33554437, 'dhw-mode', [1]));
    expect(fields.command).toBe(33554437);
    expect(fields.dhwOperationSetting).toBe(1);
  });

  it('starts a 7-day vacation from [5, 7] and returns to the previous mode when it ends', () => {
    const { device } = makeDevice({ dhwMode: 3 });
    const fields = replyStatus(control(device, 33554437, 'dhw-mode', [5, 7]));
    expect(fields.dhwOperationSetting).toBe(5);
    expect(fields.vacationDaySetting).toBe(7);
    expect(fields.vacationDayElapsed).toBe(0);
    device.tick(2 * DAY + HOUR);
    expect(status(device).vacationDayElapsed).toBe(2);
    device.tick(5 * DAY);
    const after = status(device);
    expect(after.dhwOperationSetting).toBe(3);
    expect(after.vacationDaySetting).toBe(0);
  });

  it('ignores vacation without a day count but still answers with its unchanged status', () => {
    const { device } = makeDevice({ dhwMode: 3 });
    const result = control(device, 33554437, 'dhw-mode', [5]);
    expect(result.outcome).toBe('rejected');
    expect(replyStatus(result).dhwOperationSetting).toBe(3);
  });

  it('sets the DHW temperature within the feature range', () => {
    const { device } = makeDevice();
    const fields = replyStatus(control(device, 33554464, 'dhw-temperature', [130]));
    expect(fields.command).toBe(33554464);
    expect(fields.dhwTemperatureSetting).toBe(130);
    expect(replyStatus(control(device, 33554464, 'dhw-temperature', [81])).dhwTemperatureSetting).toBe(81);
  });

  it('ignores a DHW temperature outside the feature range', () => {
    const { device } = makeDevice({ setpointHalfC: 120 });
    for (const value of [131, 80, 200]) {
      const result = control(device, 33554464, 'dhw-temperature', [value]);
      expect(result.outcome).toBe('rejected');
      expect(replyStatus(result).dhwTemperatureSetting).toBe(120);
    }
  });

  it('turns anti-legionella on with a period and off again', () => {
    const { device } = makeDevice();
    const on = replyStatus(control(device, 33554472, 'anti-leg-on', [14]));
    expect(on.antiLegionellaUse).toBe(2);
    expect(on.antiLegionellaPeriod).toBe(14);
    expect(replyStatus(control(device, 33554471, 'anti-leg-off')).antiLegionellaUse).toBe(1);
  });

  it('switches TOU on and off', () => {
    const { device } = makeDevice();
    expect(replyStatus(control(device, 33554476, 'tou-on')).touStatus).toBe(1);
    expect(replyStatus(control(device, 33554475, 'tou-off')).touStatus).toBe(0);
  });

  it('switches demand-response participation off and on', () => {
    const { device } = makeDevice();
    expect(replyStatus(control(device, 33554469, 'dr-off')).command).toBe(33554469);
    expect(device.settings().demandResponseOn).toBe(false);
    control(device, 33554470, 'dr-on');
    expect(device.settings().demandResponseOn).toBe(true);
  });

  it('resets the air-filter hours', () => {
    const { device } = makeDevice();
    expect(status(device).airFilterAlarmElapsed).toBeGreaterThan(0);
    expect(replyStatus(control(device, 33554473, 'air-filter-reset')).airFilterAlarmElapsed).toBe(0);
  });

  it('refuses a gated command when its capability flag is not 2', () => {
    const { device } = makeDevice({ dhwMode: 3, feature: { powerUse: 1 } });
    const result = control(device, 33554433, 'power-off');
    expect(result.outcome).toBe('unsupported');
    expect(replyStatus(result).dhwOperationSetting).toBe(3);
  });
});

describe('other settings', () => {
  it('sets the freeze-protection temperature only within the feature range', () => {
    const { device } = makeDevice();
    expect(replyStatus(control(device, 33554451, 'frez-temp', [16])).freezeProtectionTemperature).toBe(16);
    const outside = control(device, 33554451, 'frez-temp', [30]);
    expect(outside.outcome).toBe('rejected');
    expect(replyStatus(outside).freezeProtectionTemperature).toBe(16);
  });

  it('writes and reads the TOU schedule for its own controller serial only', () => {
    const { device } = makeDevice({ controllerSerialNumber: 'SERIAL01' });
    const period = {
      season: 4095,
      week: 124,
      startHour: 0,
      startMinute: 0,
      endHour: 14,
      endMinute: 59,
      priceMin: 12000,
      priceMax: 12000,
      decimalPoint: 5,
    };
    const write = onlyReply(
      sendToDevice(
        device,
        'ctrl/tou/rd',
        { command: 33554439, controllerSerialNumber: 'SERIAL01', reservationUse: 2, reservation: [period] },
        CLIENT,
        'tou',
      ),
    );
    expect(write.topic).toBe(`cmd/52/${CLIENT}/res/tou/rd`);
    expect(write.envelope.response).toMatchObject({ reservationUse: 2, reservation: [period] });
    const read = onlyReply(
      sendToDevice(
        device,
        'ctrl/tou/rd',
        { command: 33554439, controllerSerialNumber: 'SERIAL01' },
        CLIENT,
        'tou',
      ),
    );
    expect(read.envelope.response.reservation).toEqual([period]);
    const foreign = sendToDevice(device, 'ctrl/tou/rd', {
      command: 33554439,
      controllerSerialNumber: 'OTHER',
    });
    expect(foreign).toEqual({ outcome: 'rejected', replies: [] });
  });

  it('sets the recirculation mode and runs the pump for a while after a hot-button press, where fitted', () => {
    const { device, clock } = makeDevice({ feature: { recirculationUse: 2 } });
    expect(status(device).recircOperationMode).toBe(2);
    expect(replyStatus(control(device, 33554445, 'recirc-mode', [3])).recircOperationMode).toBe(3);
    expect(control(device, 33554445, 'recirc-mode', [5]).outcome).toBe('rejected');
    expect(status(device)).toMatchObject({ recircOperationBusy: 1, recircPumpOperationStatus: 0 });
    expect(replyStatus(control(device, 33554444, 'recirc-hotbtn', [1]))).toMatchObject({
      recircOperationBusy: 2,
      recircPumpOperationStatus: 1,
    });
    clock.advance(5 * MINUTE);
    expect(status(device)).toMatchObject({ recircOperationBusy: 1, recircPumpOperationStatus: 0 });
    const plain = makeDevice().device;
    expect(status(plain).recircOperationMode).toBe(0);
    expect(control(plain, 33554445, 'recirc-mode', [1]).outcome).toBe('unsupported');
    expect(control(plain, 33554444, 'recirc-hotbtn', [1]).outcome).toBe('unsupported');
  });

  it('acknowledges maintenance commands with its status and changes nothing', () => {
    const { device } = makeDevice();
    const before = status(device);
    const fields = replyStatus(control(device, 33554446, 'wifi-reconnect'));
    expect(fields.command).toBe(33554446);
    expect({ ...fields, command: before.command }).toEqual(before);
  });
});

describe('reservations', () => {
  it('reads the schedule on cmd/52/<clientId>/res/rsv/rd as 6-byte hex entries', () => {
    const { device } = makeDevice();
    const reply = onlyReply(sendToDevice(device, 'st/rsv/rd', { command: 16777222 }, CLIENT, 'rsv'));
    expect(reply.topic).toBe(`cmd/52/${CLIENT}/res/rsv/rd`);
    expect(reply.envelope.response).toMatchObject({ reservationUse: 2 });
    // Defaults: Mon–Fri 06:30 High Demand 60 °C, Sat+Sun 08:00 Energy Saver 58 °C.
    expect(reply.envelope.response.reservation).toBe('027c061e0478028208000374');
  });

  it('replaces the schedule on a write and reads it back in the reference encoding', () => {
    const { device } = makeDevice();
    const entry = { enable: 2, week: 62, hour: 6, min: 30, mode: 4, param: 120 };
    const write = onlyReply(
      sendToDevice(
        device,
        'ctrl/rsv/rd',
        { command: 16777226, reservationUse: 2, reservation: [entry] },
        CLIENT,
        'rsv',
      ),
    );
    expect(write.envelope.response.reservation).toBe('023e061e0478');
    const read = onlyReply(sendToDevice(device, 'st/rsv/rd', { command: 16777222 }, CLIENT, 'rsv'));
    expect(read.envelope.response.reservation).toBe('023e061e0478');
  });
});

describe('energy usage', () => {
  it('answers on the energy topic with total and per-day usage for each month asked', () => {
    const { device } = makeDevice();
    const reply = onlyReply(
      sendToDevice(
        device,
        'st/energy-usage-daily-query/rd',
        { command: 16777225, month: [5, 6], year: 2026 },
        CLIENT,
        'energy',
      ),
    );
    expect(reply.topic).toBe(`cmd/52/${CLIENT}/res/energy-usage-daily-query/rd`);
    const response = reply.envelope.response as unknown as {
      total: Record<string, number>;
      usage: Array<{ year: number; month: number; data: Array<Record<string, number>> }>;
    };
    expect(Object.keys(response.total).sort()).toEqual(['heTime', 'heUsage', 'hpTime', 'hpUsage']);
    expect(response.usage.map(({ year, month, data }) => [year, month, data.length])).toEqual([
      [2026, 5, 31],
      [2026, 6, 30],
    ]);
    const days = response.usage.flatMap((month) => month.data);
    for (const day of days)
      expect(Object.keys(day).sort()).toEqual(['heTime', 'heUsage', 'hpTime', 'hpUsage']);
    expect(response.total.hpUsage).toBe(days.reduce((sum, day) => sum + (day.hpUsage ?? 0), 0));
    // Days after today (15 June) have not happened yet.
    expect(response.usage[1]?.data.slice(15).every((day) => day.hpUsage === 0)).toBe(true);
  });

  it("grows today's heat-pump usage while the tank heats", () => {
    const { device } = makeDevice({ initialTankC: 40, setpointHalfC: 120 });
    const today = () => device.energyUsage(2026, [6]).usage[0]?.data[14];
    expect(today()?.hpUsage).toBe(0);
    device.tick(30 * MINUTE);
    const afterHalfHour = today()?.hpUsage ?? 0;
    expect(afterHalfHour).toBeGreaterThan(200);
    device.tick(30 * MINUTE);
    expect(today()?.hpUsage ?? 0).toBeGreaterThan(afterHalfHour);
  });
});

describe('physics', () => {
  it('heats toward the setpoint, then idles there', () => {
    const { device, clock } = makeDevice({ initialTankC: 45, setpointHalfC: 120, dhwMode: 3 });
    device.tick(MINUTE);
    const heating = status(device);
    expect(heating.compUse).toBe(2);
    expect(heating.operationBusy).toBe(2);
    expect(heating.currentInstPower).toBeGreaterThan(0);
    expect(heating.operationMode).toBe(64);
    expect(heating.currentHeatUse).toBe(1);
    const before = heating.tankUpperTemperature ?? 0;
    clock.advance(10 * MINUTE);
    device.tick(10 * MINUTE);
    const later = status(device);
    expect(later.tankUpperTemperature).toBeGreaterThan(before);
    expect(later.dhwChargePer).toBeGreaterThan(heating.dhwChargePer ?? 0);

    let minutes = 0;
    while (status(device).compUse === 2 && minutes < 120) {
      device.tick(MINUTE);
      minutes += 1;
    }
    // 15 °C at 0.5 °C/min, less standby loss: about half an hour.
    expect(minutes).toBeGreaterThan(15);
    expect(minutes).toBeLessThan(40);
    const idle = status(device);
    expect(idle.dhwTemperature).toBe(120);
    expect(idle.compUse).toBe(1);
    expect(idle.currentInstPower).toBe(0);
    expect(idle.operationMode).toBe(0);
    expect(idle.dhwChargePer).toBe(100);
    expect(idle.availableEnergyCapacity).toBe(0);
  });

  it('cools slowly when idle and starts heating again below the restart differential', () => {
    const { device } = makeDevice({ initialTankC: 60, setpointHalfC: 120 });
    device.tick(HOUR);
    const cooled = status(device);
    expect(cooled.tankUpperTemperature).toBeLessThan(600);
    expect(cooled.tankUpperTemperature).toBeGreaterThan(580);
    expect(cooled.compUse).toBe(1);
    const samples: Array<Record<string, number>> = [];
    for (let step = 0; step < 36; step++) {
      device.tick(10 * MINUTE);
      samples.push(status(device));
    }
    expect(samples.some((sample) => sample.compUse === 2)).toBe(true);
    // The 3 °C restart differential keeps the tank within a few degrees of the setpoint.
    expect(Math.min(...samples.map((sample) => sample.tankUpperTemperature ?? 0))).toBeGreaterThanOrEqual(
      565,
    );
  });

  it('reports the activity per mode: 32 heat pump, 96 high demand, none when off', () => {
    const { device } = makeDevice({ initialTankC: 30, setpointHalfC: 120, dhwMode: 1 });
    device.tick(MINUTE);
    expect(status(device).operationMode).toBe(32);
    control(device, 33554437, 'dhw-mode', [4]);
    device.tick(MINUTE);
    const boost = status(device);
    expect(boost.operationMode).toBe(96);
    expect(boost.heatUpperUse).toBe(2);
    expect(boost.currentHeatUse).toBe(3);
    control(device, 33554433, 'power-off');
    device.tick(MINUTE);
    const off = status(device);
    expect(off.operationMode).toBe(0);
    expect(off.currentInstPower).toBe(0);
  });
});

describe('bad input', () => {
  it('ignores an unknown command without a reply and records it', () => {
    const { device } = makeDevice();
    const result = sendToDevice(device, 'ctrl', { command: 33554999, mode: 'self-destruct', param: [] });
    expect(result).toEqual({ outcome: 'unknown-command', replies: [] });
    expect(device.receivedCommands().at(-1)).toMatchObject({ command: 33554999, outcome: 'unknown-command' });
  });

  it('ignores a request for another MAC', () => {
    const { device } = makeDevice();
    const result = sendToDevice(device, 'st', { command: 16777219, macAddress: 'ffffffffffff' });
    expect(result).toEqual({ outcome: 'wrong-device', replies: [] });
  });

  it('ignores malformed JSON and schema-breaking payloads, and logs them', () => {
    const { device, log } = makeDevice();
    for (const payload of ['{"request": {', 'null', '{"request": {"command": "status"}}', '\u0000\u00ff']) {
      const result = device.handleRequest('st', Buffer.from(payload), CLIENT);
      expect(result.replies).toEqual([]);
    }
    expect(log.text()).toContain('malformed request payload ignored');
    expect(status(device).command).toBe(16777219);
  });

  it('answers nothing while offline', () => {
    const { device } = makeDevice({ online: false });
    const result = sendToDevice(device, 'st', { command: 16777219 });
    expect(result).toEqual({ outcome: 'offline', replies: [] });
  });

  it('keeps every received command in arrival order', () => {
    const { device } = makeDevice();
    for (let i = 0; i < 50; i++) control(device, 33554464, 'dhw-temperature', [90 + (i % 30)]);
    const log = device.receivedCommands();
    expect(log.map((entry) => entry.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(log.map((entry) => entry.param?.[0])).toEqual(Array.from({ length: 50 }, (_, i) => 90 + (i % 30)));
  });

  it('never logs the MAC address', () => {
    const { device, log } = makeDevice();
    sendToDevice(device, 'ctrl', { command: 33554999 });
    device.handleRequest('st', Buffer.from('{"request": {'), CLIENT);
    expect(log.lines.length).toBeGreaterThan(0);
    expect(log.text()).not.toContain(MAC);
  });
});
