// Seeds the simulation found on its own against the engine and queue of main (at 54554c0, before
// the engine and queue fixes, unless `found` names a later commit), pinned with their whole plan (settings and schedule), so a later
// change to how plans are drawn cannot quietly turn them into different runs. Each must pass now.
// `found` is what the seed broke then, and when: the step and the invariant. `triggers` keep a pin
// honest: a fixed bridge makes other draws of chance, so each run must show its fault again.

import type { Plan } from './run.js';

export interface Regression {
  name: string;
  seed: number;
  /** Trace lines the run must still show: the fault that set the case off must still happen. */
  triggers: readonly string[];
  found: { invariant: string; step: number; detail: string };
  plan: Plan;
}

export const REGRESSIONS: readonly Regression[] = [
  {
    name: 'stuck flush: a command publish that never settles (aws-crt keeps it pending after its connection died) wedges the queue; every later command for either heater stays queued through six reconnects',
    seed: 4,
    triggers: ['publish hangs forever'],
    found: {
      invariant: 'the queue drains when quiet',
      step: 31,
      detail:
        '15 command(s) still queued 15 min after the last one was issued on a healthy link (never reached the cloud: cmd#11, cmd#12, cmd#13, cmd#14, cmd#15, cmd#16, cmd#17, cmd#18)',
    },
    plan: {
      config: {
        awsLifeSecs: 43200,
        jwtLifeSecs: 3600,
        queueMaxSize: 20,
        queueMaxAgeMs: 120000,
        keepAliveSecs: 1200,
        deafAfterMs: 0,
        deviceListIntervalMs: 21600000,
      },
      steps: [
        { delayMs: 5361, action: { kind: 'expireTokens' } },
        { delayMs: 3883, action: { kind: 'wait' } },
        {
          delayMs: 1969,
          action: { kind: 'command', device: '04786332fca0', command: 'demand_response', value: 'off' },
        },
        {
          delayMs: 10434,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'heat_pump' },
        },
        {
          delayMs: 474827,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'high_demand' },
        },
        { delayMs: 36476, action: { kind: 'lossy', ms: 271977, lostAckP: 0.3, hungPublishP: 0.1 } },
        { delayMs: 14427, action: { kind: 'badCa', ms: 51461 } },
        { delayMs: 32916, action: { kind: 'blackhole', ms: 10972 } },
        {
          delayMs: 38928,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'heat_pump' },
        },
        { delayMs: 11980, action: { kind: 'hide', ms: 7895057, device: '04786332fca0' } },
        {
          delayMs: 37832,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'high_demand' },
        },
        {
          delayMs: 21580,
          action: { kind: 'command', device: '04786332fca0', command: 'demand_response', value: 'off' },
        },
        { delayMs: 38193, action: { kind: 'blackhole', ms: 67047 } },
        { delayMs: 349672, action: { kind: 'lossy', ms: 31014, lostAckP: 0.1, hungPublishP: 0.1 } },
        { delayMs: 42403, action: { kind: 'hungConnects', ms: 46304 } },
        { delayMs: 7, action: { kind: 'blackhole', ms: 60951 } },
        { delayMs: 11125, action: { kind: 'lossy', ms: 204451, lostAckP: 0.1, hungPublishP: 0 } },
        { delayMs: 44690, action: { kind: 'rst' } },
        {
          delayMs: 15912,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'eco' },
        },
        {
          delayMs: 537830,
          action: { kind: 'command', device: '04786332fca0', command: 'demand_response', value: 'on' },
        },
        {
          delayMs: 34172,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'electric' },
        },
        { delayMs: 13028, action: { kind: 'hide', ms: 5484877, device: '04786332fca0' } },
        {
          delayMs: 28943,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'eco' },
        },
        { delayMs: 23429, action: { kind: 'expireCreds', hangUp: false } },
        {
          delayMs: 44611,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '133' },
        },
        {
          delayMs: 41110,
          action: { kind: 'command', device: '04786332fca0', command: 'demand_response', value: 'on' },
        },
        { delayMs: 27587, action: { kind: 'hangup' } },
        { delayMs: 19036, action: { kind: 'rst' } },
        { delayMs: 41882, action: { kind: 'hangup' } },
        { delayMs: 29251, action: { kind: 'hungConnects', ms: 10932 } },
      ],
      quiet: [
        { device: '04786332fca0', kind: 'dhw_temperature', value: '119' },
        { device: '04786332fca0', kind: 'dhw_mode', value: 'electric' },
        { device: '04786332fca0', kind: 'demand_response', value: 'on' },
        { device: '04786332fcb1', kind: 'dhw_temperature', value: '111' },
        { device: '04786332fcb1', kind: 'dhw_mode', value: 'eco' },
        { device: '04786332fcb1', kind: 'demand_response', value: 'on' },
      ],
    },
  },
  {
    name: 'stuck flush: a command published into a blackhole never settles; after the reconnect every later command stays queued',
    seed: 7,
    triggers: ['lost in the blackhole, publish hangs'],
    found: {
      invariant: 'the queue drains when quiet',
      step: 61,
      detail:
        '5 command(s) still queued 15 min after the last one was issued on a healthy link (never reached the cloud: cmd#25, cmd#27)',
    },
    plan: {
      config: {
        awsLifeSecs: 43200,
        jwtLifeSecs: 3600,
        queueMaxSize: 5,
        queueMaxAgeMs: 3600000,
        keepAliveSecs: 60,
        deafAfterMs: 300000,
        deviceListIntervalMs: 21600000,
      },
      steps: [
        { delayMs: 37669, action: { kind: 'hangup' } },
        { delayMs: 10715, action: { kind: 'lossy', ms: 34228, lostAckP: 0.1, hungPublishP: 0.3 } },
        {
          delayMs: 567725,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '131' },
        },
        {
          delayMs: 24524,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'electric' },
        },
        { delayMs: 382489, action: { kind: 'wait' } },
        {
          delayMs: 579,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'eco' },
        },
        { delayMs: 32597, action: { kind: 'blackhole', ms: 123781 } },
        { delayMs: 5630, action: { kind: 'hangup' } },
        { delayMs: 33552, action: { kind: 'lossy', ms: 76180, lostAckP: 0.3, hungPublishP: 0.3 } },
        { delayMs: 32990, action: { kind: 'hangup' } },
        {
          delayMs: 11240,
          action: { kind: 'command', device: '04786332fcb1', command: 'demand_response', value: 'on' },
        },
        { delayMs: 25538, action: { kind: 'hungConnects', ms: 303842 } },
        { delayMs: 7071, action: { kind: 'hangup' } },
        { delayMs: 34369, action: { kind: 'hungConnects', ms: 69041 } },
        {
          delayMs: 22449,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '121' },
        },
        {
          delayMs: 363917,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'high_demand' },
        },
        { delayMs: 2513, action: { kind: 'wallJump', ms: 1507012 } },
        { delayMs: 15224, action: { kind: 'expireCreds', hangUp: false } },
        { delayMs: 12257, action: { kind: 'wait' } },
        { delayMs: 17021, action: { kind: 'refuse', ms: 362638 } },
        { delayMs: 44872, action: { kind: 'lossy', ms: 168242, lostAckP: 0.3, hungPublishP: 0 } },
        { delayMs: 23700, action: { kind: 'deviceList', ms: 2212010, answer: 'not-a-list' } },
        {
          delayMs: 14992,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '102' },
        },
        { delayMs: 38498, action: { kind: 'expireCreds', hangUp: true } },
        { delayMs: 407998, action: { kind: 'deviceList', ms: 8165321, answer: 'not-a-list' } },
        { delayMs: 21326, action: { kind: 'badCa', ms: 72503 } },
        { delayMs: 4203, action: { kind: 'wait' } },
        {
          delayMs: 236267,
          action: { kind: 'command', device: '04786332fca0', command: 'demand_response', value: 'on' },
        },
        { delayMs: 9646, action: { kind: 'blackhole', ms: 111391 } },
        { delayMs: 194, action: { kind: 'expireCreds', hangUp: true } },
        {
          delayMs: 908,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'high_demand' },
        },
        {
          delayMs: 42298,
          action: { kind: 'command', device: '04786332fca0', command: 'demand_response', value: 'off' },
        },
        {
          delayMs: 522033,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'electric' },
        },
        { delayMs: 27324, action: { kind: 'reconnectNow' } },
        {
          delayMs: 83947,
          action: { kind: 'command', device: '04786332fcb1', command: 'demand_response', value: 'on' },
        },
        {
          delayMs: 10658,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'electric' },
        },
        { delayMs: 38905, action: { kind: 'blackhole', ms: 32422 } },
        { delayMs: 20605, action: { kind: 'blackhole', ms: 111124 } },
        {
          delayMs: 260,
          action: { kind: 'command', device: '04786332fca0', command: 'demand_response', value: 'off' },
        },
        { delayMs: 12401, action: { kind: 'hide', ms: 2055331, device: '04786332fcb1' } },
        { delayMs: 33325, action: { kind: 'lossy', ms: 91752, lostAckP: 0.1, hungPublishP: 0.1 } },
        {
          delayMs: 14394,
          action: { kind: 'command', device: '04786332fcb1', command: 'demand_response', value: 'on' },
        },
        {
          delayMs: 7571,
          action: { kind: 'command', device: '04786332fcb1', command: 'demand_response', value: 'on' },
        },
        { delayMs: 11878, action: { kind: 'expireCreds', hangUp: false } },
        {
          delayMs: 14020,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'eco' },
        },
        {
          delayMs: 2107,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'high_demand' },
        },
        {
          delayMs: 21375,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '105' },
        },
        {
          delayMs: 18787,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'high_demand' },
        },
        { delayMs: 12491, action: { kind: 'rst' } },
        { delayMs: 10552, action: { kind: 'expireCreds', hangUp: true } },
        {
          delayMs: 5402,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '108' },
        },
        { delayMs: 18372, action: { kind: 'rest', ms: 19167, how: 'down' } },
        { delayMs: 10124, action: { kind: 'refuse', ms: 157488 } },
        { delayMs: 8969, action: { kind: 'wait' } },
        { delayMs: 26576, action: { kind: 'lossy', ms: 53859, lostAckP: 0.3, hungPublishP: 0.3 } },
        { delayMs: 18250, action: { kind: 'rst' } },
        {
          delayMs: 32949,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'electric' },
        },
        {
          delayMs: 38022,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '101' },
        },
        { delayMs: 6422, action: { kind: 'hungConnects', ms: 275020 } },
        { delayMs: 12052, action: { kind: 'wallJump', ms: -6438790 } },
      ],
      quiet: [
        { device: '04786332fca0', kind: 'dhw_temperature', value: '110' },
        { device: '04786332fca0', kind: 'dhw_mode', value: 'eco' },
        { device: '04786332fca0', kind: 'demand_response', value: 'on' },
        { device: '04786332fcb1', kind: 'dhw_temperature', value: '117' },
        { device: '04786332fcb1', kind: 'dhw_mode', value: 'electric' },
        { device: '04786332fcb1', kind: 'demand_response', value: 'off' },
      ],
    },
  },
  {
    name: 'a connection whose construction throws (bad CA file, AWS_ERROR_INVALID_ARGUMENT) escapes the attempt as an unhandled rejection and nothing retries',
    seed: 5,
    triggers: ['constructing a connection throws'],
    found: {
      invariant: 'no unhandled rejection',
      step: 9,
      detail: 'Error: libaws-c-mqtt: AWS_ERROR_INVALID_ARGUMENT, bad CA file',
    },
    plan: {
      config: {
        awsLifeSecs: 3600,
        jwtLifeSecs: 3600,
        queueMaxSize: 20,
        queueMaxAgeMs: 3600000,
        keepAliveSecs: 30,
        deafAfterMs: 0,
        deviceListIntervalMs: 21600000,
      },
      steps: [
        { delayMs: 32156, action: { kind: 'blackhole', ms: 84634 } },
        { delayMs: 27570, action: { kind: 'refuse', ms: 150040 } },
        {
          delayMs: 14272,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'high_demand' },
        },
        { delayMs: 33741, action: { kind: 'wait' } },
        { delayMs: 38748, action: { kind: 'blackhole', ms: 133676 } },
        {
          delayMs: 39614,
          action: { kind: 'command', device: '04786332fcb1', command: 'demand_response', value: 'on' },
        },
        { delayMs: 89568, action: { kind: 'expireTokens' } },
        { delayMs: 28510, action: { kind: 'badCa', ms: 21108 } },
        { delayMs: 374239, action: { kind: 'wait' } },
      ],
      quiet: [
        { device: '04786332fca0', kind: 'dhw_temperature', value: '138' },
        { device: '04786332fca0', kind: 'dhw_mode', value: 'high_demand' },
        { device: '04786332fca0', kind: 'demand_response', value: 'off' },
        { device: '04786332fcb1', kind: 'dhw_temperature', value: '127' },
        { device: '04786332fcb1', kind: 'dhw_mode', value: 'heat_pump' },
        { device: '04786332fcb1', kind: 'demand_response', value: 'on' },
      ],
    },
  },
  {
    name: 'a connection whose construction throws (bad CA file) during a reconnect: unhandled rejection, no retry',
    seed: 16,
    triggers: ['constructing a connection throws'],
    found: {
      invariant: 'no unhandled rejection',
      step: 18,
      detail: 'Error: libaws-c-mqtt: AWS_ERROR_INVALID_ARGUMENT, bad CA file',
    },
    plan: {
      config: {
        awsLifeSecs: 3600,
        jwtLifeSecs: 3600,
        queueMaxSize: 200,
        queueMaxAgeMs: 3600000,
        keepAliveSecs: 1200,
        deafAfterMs: 0,
        deviceListIntervalMs: 600000,
      },
      steps: [
        {
          delayMs: 39499,
          action: { kind: 'command', device: '04786332fca0', command: 'demand_response', value: 'on' },
        },
        { delayMs: 28335, action: { kind: 'hangup' } },
        { delayMs: 36914, action: { kind: 'refuse', ms: 10353 } },
        { delayMs: 19815, action: { kind: 'badCa', ms: 55151 } },
        {
          delayMs: 41264,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'electric' },
        },
        { delayMs: 4764, action: { kind: 'lossy', ms: 210316, lostAckP: 0.6, hungPublishP: 0.1 } },
        { delayMs: 312233, action: { kind: 'rest', ms: 81229, how: 'down' } },
        { delayMs: 30188, action: { kind: 'hangup' } },
        {
          delayMs: 44592,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '116' },
        },
        { delayMs: 5944, action: { kind: 'hungConnects', ms: 53217 } },
        { delayMs: 25538, action: { kind: 'refuse', ms: 276620 } },
        {
          delayMs: 3621,
          action: { kind: 'command', device: '04786332fcb1', command: 'demand_response', value: 'on' },
        },
        {
          delayMs: 40839,
          action: { kind: 'command', device: '04786332fca0', command: 'demand_response', value: 'off' },
        },
        { delayMs: 13091, action: { kind: 'lossy', ms: 48093, lostAckP: 0.6, hungPublishP: 0 } },
        {
          delayMs: 42744,
          action: { kind: 'command', device: '04786332fca0', command: 'demand_response', value: 'off' },
        },
        { delayMs: 6842, action: { kind: 'badCa', ms: 38597 } },
        { delayMs: 20508, action: { kind: 'hangup' } },
        {
          delayMs: 34731,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '125' },
        },
      ],
      quiet: [
        { device: '04786332fca0', kind: 'dhw_temperature', value: '101' },
        { device: '04786332fca0', kind: 'dhw_mode', value: 'electric' },
        { device: '04786332fca0', kind: 'demand_response', value: 'off' },
        { device: '04786332fcb1', kind: 'dhw_temperature', value: '123' },
        { device: '04786332fcb1', kind: 'dhw_mode', value: 'high_demand' },
        { device: '04786332fcb1', kind: 'demand_response', value: 'off' },
      ],
    },
  },
  {
    name: 'the Reconnect button during a hung connect starts a second connect for the same client id while the first is still pending',
    seed: 10,
    triggers: ['connect hangs', 'reconnectNow'],
    found: {
      invariant: 'one connection at a time',
      step: 53,
      detail: 'connections #15 (connecting), #16 (connecting) are open at once',
    },
    plan: {
      config: {
        awsLifeSecs: 3600,
        jwtLifeSecs: 3600,
        queueMaxSize: 20,
        queueMaxAgeMs: 300000,
        keepAliveSecs: 60,
        deafAfterMs: 300000,
        deviceListIntervalMs: 21600000,
      },
      steps: [
        { delayMs: 106892, action: { kind: 'deviceList', ms: 1286584, answer: 'empty' } },
        { delayMs: 9693, action: { kind: 'hangup' } },
        {
          delayMs: 383080,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_temperature', value: '100' },
        },
        {
          delayMs: 30289,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'eco' },
        },
        { delayMs: 17489, action: { kind: 'hide', ms: 8967371, device: '04786332fcb1' } },
        { delayMs: 10612, action: { kind: 'wait' } },
        {
          delayMs: 14490,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'heat_pump' },
        },
        {
          delayMs: 10726,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_temperature', value: '116' },
        },
        { delayMs: 5489, action: { kind: 'lossy', ms: 249307, lostAckP: 0.6, hungPublishP: 0.1 } },
        { delayMs: 344031, action: { kind: 'deviceList', ms: 10589089, answer: 'bad-entry' } },
        {
          delayMs: 25677,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'high_demand' },
        },
        {
          delayMs: 585810,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'eco' },
        },
        { delayMs: 8049, action: { kind: 'badCa', ms: 37385 } },
        {
          delayMs: 37658,
          action: { kind: 'command', device: '04786332fcb1', command: 'demand_response', value: 'on' },
        },
        {
          delayMs: 32171,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_temperature', value: '134' },
        },
        { delayMs: 33264, action: { kind: 'wait' } },
        { delayMs: 28431, action: { kind: 'hangup' } },
        { delayMs: 18887, action: { kind: 'wait' } },
        { delayMs: 32414, action: { kind: 'hangup' } },
        {
          delayMs: 26555,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '133' },
        },
        { delayMs: 227047, action: { kind: 'expireCreds', hangUp: false } },
        {
          delayMs: 12560,
          action: { kind: 'command', device: '04786332fcb1', command: 'demand_response', value: 'off' },
        },
        {
          delayMs: 13969,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'high_demand' },
        },
        {
          delayMs: 44652,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_temperature', value: '116' },
        },
        { delayMs: 19139, action: { kind: 'lossy', ms: 275323, lostAckP: 0.1, hungPublishP: 0 } },
        { delayMs: 27036, action: { kind: 'deviceList', ms: 6596556, answer: 'not-a-list' } },
        {
          delayMs: 7786,
          action: { kind: 'command', device: '04786332fca0', command: 'demand_response', value: 'off' },
        },
        { delayMs: 1440, action: { kind: 'deviceList', ms: 2747243, answer: 'not-a-list' } },
        { delayMs: 34782, action: { kind: 'hungConnects', ms: 231590 } },
        {
          delayMs: 33353,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '110' },
        },
        {
          delayMs: 41071,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_temperature', value: '109' },
        },
        { delayMs: 35558, action: { kind: 'blackhole', ms: 36596 } },
        { delayMs: 43925, action: { kind: 'blackhole', ms: 135326 } },
        {
          delayMs: 25271,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'electric' },
        },
        {
          delayMs: 32040,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'heat_pump' },
        },
        { delayMs: 16362, action: { kind: 'blackhole', ms: 17231 } },
        { delayMs: 37439, action: { kind: 'wallJump', ms: -4033648 } },
        {
          delayMs: 30795,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_temperature', value: '135' },
        },
        { delayMs: 22687, action: { kind: 'deviceList', ms: 5252841, answer: 'not-a-list' } },
        {
          delayMs: 2076,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '113' },
        },
        { delayMs: 491152, action: { kind: 'blackhole', ms: 130499 } },
        { delayMs: 98089, action: { kind: 'hungConnects', ms: 362059 } },
        {
          delayMs: 13696,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '103' },
        },
        {
          delayMs: 6180,
          action: { kind: 'command', device: '04786332fcb1', command: 'demand_response', value: 'off' },
        },
        {
          delayMs: 9039,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '124' },
        },
        { delayMs: 19909, action: { kind: 'deviceList', ms: 9333296, answer: 'empty' } },
        { delayMs: 11882, action: { kind: 'wait' } },
        {
          delayMs: 5906,
          action: { kind: 'command', device: '04786332fca0', command: 'demand_response', value: 'on' },
        },
        { delayMs: 22283, action: { kind: 'blackhole', ms: 90096 } },
        {
          delayMs: 31530,
          action: { kind: 'command', device: '04786332fca0', command: 'demand_response', value: 'on' },
        },
        {
          delayMs: 20983,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'electric' },
        },
        {
          delayMs: 39362,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '109' },
        },
        { delayMs: 11684, action: { kind: 'reconnectNow' } },
      ],
      quiet: [
        { device: '04786332fca0', kind: 'dhw_temperature', value: '138' },
        { device: '04786332fca0', kind: 'dhw_mode', value: 'heat_pump' },
        { device: '04786332fca0', kind: 'demand_response', value: 'off' },
        { device: '04786332fcb1', kind: 'dhw_temperature', value: '111' },
        { device: '04786332fcb1', kind: 'dhw_mode', value: 'heat_pump' },
        { device: '04786332fcb1', kind: 'demand_response', value: 'on' },
      ],
    },
  },
  {
    name: 'the Reconnect button during a hung connect: two connects for one client id at once',
    seed: 63,
    triggers: ['connect hangs', 'reconnectNow'],
    found: {
      invariant: 'one connection at a time',
      step: 16,
      detail: 'connections #5 (connecting), #6 (connecting) are open at once',
    },
    plan: {
      config: {
        awsLifeSecs: 1200,
        jwtLifeSecs: 900,
        queueMaxSize: 20,
        queueMaxAgeMs: 120000,
        keepAliveSecs: 60,
        deafAfterMs: 0,
        deviceListIntervalMs: 600000,
      },
      steps: [
        { delayMs: 3791, action: { kind: 'wait' } },
        { delayMs: 62248, action: { kind: 'lossy', ms: 57465, lostAckP: 0.6, hungPublishP: 0.1 } },
        { delayMs: 32056, action: { kind: 'hangup' } },
        { delayMs: 28226, action: { kind: 'wait' } },
        { delayMs: 44625, action: { kind: 'hide', ms: 10564188, device: '04786332fca0' } },
        {
          delayMs: 28365,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'heat_pump' },
        },
        { delayMs: 12929, action: { kind: 'lossy', ms: 224453, lostAckP: 0.1, hungPublishP: 0 } },
        {
          delayMs: 27282,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_temperature', value: '107' },
        },
        { delayMs: 5281, action: { kind: 'blackhole', ms: 139747 } },
        { delayMs: 5530, action: { kind: 'blackhole', ms: 33837 } },
        {
          delayMs: 13901,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_temperature', value: '105' },
        },
        { delayMs: 20815, action: { kind: 'deviceList', ms: 4006075, answer: 'bad-entry' } },
        {
          delayMs: 40015,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '132' },
        },
        {
          delayMs: 32433,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'high_demand' },
        },
        { delayMs: 35623, action: { kind: 'hungConnects', ms: 155737 } },
        { delayMs: 11192, action: { kind: 'reconnectNow' } },
      ],
      quiet: [
        { device: '04786332fca0', kind: 'dhw_temperature', value: '138' },
        { device: '04786332fca0', kind: 'dhw_mode', value: 'heat_pump' },
        { device: '04786332fca0', kind: 'demand_response', value: 'on' },
        { device: '04786332fcb1', kind: 'dhw_temperature', value: '131' },
        { device: '04786332fcb1', kind: 'dhw_mode', value: 'high_demand' },
        { device: '04786332fcb1', kind: 'demand_response', value: 'off' },
      ],
    },
  },
  {
    name: 'an older command whose PUBACK was lost is re-sent after a newer one for the same heater was delivered (eight in flight, retry after success)',
    seed: 25,
    triggers: ['PUBACK lost'],
    found: {
      invariant: 'order per device kept',
      step: 25,
      detail: 'cmd#3 (demand_response=off) reached heater fca0 after the newer cmd#7',
    },
    plan: {
      config: {
        awsLifeSecs: 1200,
        jwtLifeSecs: 3600,
        queueMaxSize: 5,
        queueMaxAgeMs: 120000,
        keepAliveSecs: 1200,
        deafAfterMs: 0,
        deviceListIntervalMs: 600000,
      },
      steps: [
        { delayMs: 20714, action: { kind: 'hungConnects', ms: 301311 } },
        { delayMs: 317289, action: { kind: 'badCa', ms: 64892 } },
        { delayMs: 9988, action: { kind: 'wait' } },
        {
          delayMs: 16272,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'electric' },
        },
        { delayMs: 37007, action: { kind: 'hungConnects', ms: 253212 } },
        { delayMs: 5788, action: { kind: 'refuse', ms: 59723 } },
        { delayMs: 11826, action: { kind: 'hangup' } },
        {
          delayMs: 30447,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_temperature', value: '121' },
        },
        { delayMs: 9262, action: { kind: 'lossy', ms: 270968, lostAckP: 0.1, hungPublishP: 0 } },
        { delayMs: 11194, action: { kind: 'hangup' } },
        {
          delayMs: 12686,
          action: { kind: 'command', device: '04786332fca0', command: 'demand_response', value: 'off' },
        },
        { delayMs: 43580, action: { kind: 'blackhole', ms: 28754 } },
        { delayMs: 25055, action: { kind: 'deviceList', ms: 2458114, answer: 'not-a-list' } },
        { delayMs: 25727, action: { kind: 'wallJump', ms: -6911371 } },
        { delayMs: 4574, action: { kind: 'rst' } },
        { delayMs: 4893, action: { kind: 'refuse', ms: 288658 } },
        { delayMs: 11214, action: { kind: 'blackhole', ms: 61527 } },
        {
          delayMs: 201219,
          action: { kind: 'command', device: '04786332fcb1', command: 'demand_response', value: 'on' },
        },
        {
          delayMs: 17457,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'eco' },
        },
        {
          delayMs: 26955,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '127' },
        },
        { delayMs: 29264, action: { kind: 'hide', ms: 1021619, device: '04786332fca0' } },
        { delayMs: 3424, action: { kind: 'lossy', ms: 77351, lostAckP: 0.3, hungPublishP: 0.3 } },
        {
          delayMs: 16561,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_temperature', value: '129' },
        },
        {
          delayMs: 35071,
          action: { kind: 'command', device: '04786332fcb1', command: 'demand_response', value: 'off' },
        },
        { delayMs: 35130, action: { kind: 'lossy', ms: 170283, lostAckP: 0.1, hungPublishP: 0.1 } },
      ],
      quiet: [
        { device: '04786332fca0', kind: 'dhw_temperature', value: '108' },
        { device: '04786332fca0', kind: 'dhw_mode', value: 'electric' },
        { device: '04786332fca0', kind: 'demand_response', value: 'off' },
        { device: '04786332fcb1', kind: 'dhw_temperature', value: '115' },
        { device: '04786332fcb1', kind: 'dhw_mode', value: 'eco' },
        { device: '04786332fcb1', kind: 'demand_response', value: 'on' },
      ],
    },
  },
  {
    name: 'an older mode command is retried after a newer one was acknowledged: the heater ends on the stale mode',
    seed: 31,
    triggers: ['PUBACK lost'],
    found: {
      invariant: 'order per device kept',
      step: 24,
      detail: 'cmd#10 (dhw_mode=high_demand) reached heater fca0 after the newer cmd#11',
    },
    plan: {
      config: {
        awsLifeSecs: 43200,
        jwtLifeSecs: 900,
        queueMaxSize: 20,
        queueMaxAgeMs: 3600000,
        keepAliveSecs: 1200,
        deafAfterMs: 0,
        deviceListIntervalMs: 21600000,
      },
      steps: [
        {
          delayMs: 24485,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'eco' },
        },
        {
          delayMs: 27475,
          action: { kind: 'command', device: '04786332fcb1', command: 'demand_response', value: 'off' },
        },
        {
          delayMs: 3609,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'eco' },
        },
        { delayMs: 11402, action: { kind: 'rest', ms: 216068, how: 'hangs' } },
        { delayMs: 25920, action: { kind: 'wallJump', ms: -1401735 } },
        {
          delayMs: 9606,
          action: { kind: 'command', device: '04786332fca0', command: 'demand_response', value: 'on' },
        },
        {
          delayMs: 143121,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '113' },
        },
        { delayMs: 28446, action: { kind: 'hungConnects', ms: 267358 } },
        { delayMs: 1877, action: { kind: 'lossy', ms: 52769, lostAckP: 0.6, hungPublishP: 0.1 } },
        { delayMs: 13855, action: { kind: 'blackhole', ms: 125591 } },
        {
          delayMs: 32200,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'heat_pump' },
        },
        { delayMs: 40482, action: { kind: 'rest', ms: 487729, how: 'down' } },
        {
          delayMs: 40098,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_temperature', value: '138' },
        },
        { delayMs: 486688, action: { kind: 'deviceList', ms: 8197221, answer: 'empty' } },
        {
          delayMs: 11070,
          action: { kind: 'command', device: '04786332fcb1', command: 'demand_response', value: 'on' },
        },
        { delayMs: 24227, action: { kind: 'lossy', ms: 150037, lostAckP: 0.1, hungPublishP: 0.1 } },
        { delayMs: 39696, action: { kind: 'hide', ms: 14031363, device: '04786332fca0' } },
        {
          delayMs: 39606,
          action: { kind: 'command', device: '04786332fcb1', command: 'dhw_mode', value: 'electric' },
        },
        {
          delayMs: 3260,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'high_demand' },
        },
        {
          delayMs: 26197,
          action: { kind: 'command', device: '04786332fca0', command: 'dhw_mode', value: 'eco' },
        },
        { delayMs: 3959, action: { kind: 'wait' } },
        { delayMs: 23023, action: { kind: 'wait' } },
        { delayMs: 501, action: { kind: 'lossy', ms: 56853, lostAckP: 0.6, hungPublishP: 0 } },
        {
          delayMs: 27261,
          action: { kind: 'command', device: '04786332fcb1', command: 'demand_response', value: 'on' },
        },
      ],
      quiet: [
        { device: '04786332fca0', kind: 'dhw_temperature', value: '126' },
        { device: '04786332fca0', kind: 'dhw_mode', value: 'electric' },
        { device: '04786332fca0', kind: 'demand_response', value: 'on' },
        { device: '04786332fcb1', kind: 'dhw_temperature', value: '133' },
        { device: '04786332fcb1', kind: 'dhw_mode', value: 'electric' },
        { device: '04786332fcb1', kind: 'demand_response', value: 'on' },
      ],
    },
  },
  {
    name: 'a wall clock stepped back two hours before a restart makes a queued command two hours younger: it reaches the heater 188 s after HA asked (max_queued_command_age 120 s)',
    seed: 3260,
    triggers: ['wall clock jumps -7129 s', 'restart with 2 command(s) queued'],
    found: {
      invariant: 'no stale command reaches the heater',
      step: 20,
      detail:
        'cmd#3 (dhw_temperature=124) reached heater fcb1 188 s after HA asked (max_queued_command_age 120 s) (main at 66ad2c5)',
    },
    plan: {
      config: {
        awsLifeSecs: 3600,
        jwtLifeSecs: 900,
        queueMaxSize: 5,
        queueMaxAgeMs: 120000,
        keepAliveSecs: 60,
        deafAfterMs: 0,
        deviceListIntervalMs: 21600000,
      },
      steps: [
        {
          delayMs: 6603,
          action: {
            kind: 'wait',
          },
        },
        {
          delayMs: 9931,
          action: {
            kind: 'hangup',
          },
        },
        {
          delayMs: 1375,
          action: {
            kind: 'night',
            ms: 4670562,
          },
        },
        {
          delayMs: 3647,
          action: {
            kind: 'blackhole',
            ms: 93556,
          },
        },
        {
          delayMs: 29496,
          action: {
            kind: 'hangup',
          },
        },
        {
          delayMs: 458482,
          action: {
            kind: 'lossy',
            ms: 112876,
            lostAckP: 0.6,
            hungPublishP: 0.1,
          },
        },
        {
          delayMs: 40148,
          action: {
            kind: 'lossy',
            ms: 146040,
            lostAckP: 0.1,
            hungPublishP: 0.3,
          },
        },
        {
          delayMs: 44185,
          action: {
            kind: 'command',
            device: '04786332fcb1',
            command: 'demand_response',
            value: 'on',
          },
        },
        {
          delayMs: 34259,
          action: {
            kind: 'command',
            device: '04786332fca0',
            command: 'dhw_temperature',
            value: '105',
          },
        },
        {
          delayMs: 16641,
          action: {
            kind: 'blackhole',
            ms: 83512,
          },
        },
        {
          delayMs: 40885,
          action: {
            kind: 'command',
            device: '04786332fcb1',
            command: 'dhw_temperature',
            value: '124',
          },
        },
        {
          delayMs: 29195,
          action: {
            kind: 'blackhole',
            ms: 110152,
          },
        },
        {
          delayMs: 33851,
          action: {
            kind: 'hangup',
          },
        },
        {
          delayMs: 22262,
          action: {
            kind: 'wallJump',
            ms: -7128676,
          },
        },
        {
          delayMs: 20893,
          action: {
            kind: 'expireCreds',
            hangUp: true,
          },
        },
        {
          delayMs: 4605,
          action: {
            kind: 'command',
            device: '04786332fca0',
            command: 'dhw_mode',
            value: 'electric',
          },
        },
        {
          delayMs: 8999,
          action: {
            kind: 'restart',
          },
        },
        {
          delayMs: 32090,
          action: {
            kind: 'command',
            device: '04786332fcb1',
            command: 'dhw_mode',
            value: 'electric',
          },
        },
        {
          delayMs: 3666,
          action: {
            kind: 'hangup',
          },
        },
        {
          delayMs: 506709,
          action: {
            kind: 'refuse',
            ms: 28192,
          },
        },
        {
          delayMs: 11905,
          action: {
            kind: 'deviceList',
            ms: 6679825,
            answer: 'not-a-list',
          },
        },
        {
          delayMs: 34689,
          action: {
            kind: 'command',
            device: '04786332fca0',
            command: 'dhw_mode',
            value: 'eco',
          },
        },
        {
          delayMs: 20940,
          action: {
            kind: 'command',
            device: '04786332fcb1',
            command: 'demand_response',
            value: 'off',
          },
        },
        {
          delayMs: 17053,
          action: {
            kind: 'badCa',
            ms: 31874,
          },
        },
        {
          delayMs: 9132,
          action: {
            kind: 'command',
            device: '04786332fca0',
            command: 'demand_response',
            value: 'off',
          },
        },
        {
          delayMs: 4111,
          action: {
            kind: 'command',
            device: '04786332fcb1',
            command: 'dhw_mode',
            value: 'electric',
          },
        },
        {
          delayMs: 24723,
          action: {
            kind: 'command',
            device: '04786332fcb1',
            command: 'demand_response',
            value: 'off',
          },
        },
        {
          delayMs: 7115,
          action: {
            kind: 'command',
            device: '04786332fca0',
            command: 'dhw_temperature',
            value: '136',
          },
        },
        {
          delayMs: 30019,
          action: {
            kind: 'hangup',
          },
        },
        {
          delayMs: 37511,
          action: {
            kind: 'wait',
          },
        },
        {
          delayMs: 294,
          action: {
            kind: 'blackhole',
            ms: 146725,
          },
        },
        {
          delayMs: 11795,
          action: {
            kind: 'rst',
          },
        },
        {
          delayMs: 21004,
          action: {
            kind: 'rst',
          },
        },
        {
          delayMs: 34746,
          action: {
            kind: 'rst',
          },
        },
        {
          delayMs: 1663,
          action: {
            kind: 'lossy',
            ms: 52411,
            lostAckP: 0.1,
            hungPublishP: 0,
          },
        },
        {
          delayMs: 11162,
          action: {
            kind: 'command',
            device: '04786332fca0',
            command: 'demand_response',
            value: 'on',
          },
        },
        {
          delayMs: 5116,
          action: {
            kind: 'command',
            device: '04786332fca0',
            command: 'demand_response',
            value: 'off',
          },
        },
        {
          delayMs: 34212,
          action: {
            kind: 'blackhole',
            ms: 111183,
          },
        },
      ],
      quiet: [
        {
          device: '04786332fca0',
          kind: 'dhw_temperature',
          value: '103',
        },
        {
          device: '04786332fca0',
          kind: 'dhw_mode',
          value: 'electric',
        },
        {
          device: '04786332fca0',
          kind: 'demand_response',
          value: 'off',
        },
        {
          device: '04786332fcb1',
          kind: 'dhw_temperature',
          value: '122',
        },
        {
          device: '04786332fcb1',
          kind: 'dhw_mode',
          value: 'eco',
        },
        {
          device: '04786332fcb1',
          kind: 'demand_response',
          value: 'on',
        },
      ],
    },
  },
];
