// One seeded run: a random schedule of faults, device-list answers, clock jumps and HA commands for
// two heaters, played against the bridge on the virtual clock, with every invariant checked after
// every step; then every fault is lifted and the bridge must settle (connected, queue empty, the
// last command of each kind in force). Same seed → same schedule → same trace.

import {
  checkBetweenSteps,
  checkFinal,
  checkLeaksAfterStop,
  checkRightAfterStop,
  checkStep,
  type Violation,
} from './invariants.js';
import { Prng } from './prng.js';
import { calmFaults, type DeviceListAnswer } from './scriptedCloud.js';
import {
  COMMAND_KINDS,
  type CommandKind,
  drawConfig,
  MACS,
  type Sabotage,
  World,
  type WorldConfig,
} from './world.js';

/** How long a deadline in flight may outlive stop() (the longest of the engine's waits). */
const STOP_GRACE_MS = 120_000;

export interface RunOptions {
  /** Actions in the faulty part of the run. */
  steps?: number;
  /** Put the bridge's log lines in the trace. */
  verbose?: boolean;
  sabotage?: Sabotage;
}

/** Everything a run does to the bridge, drawn up front: pinned regressions keep it literally. */
export interface Plan {
  config: WorldConfig;
  steps: Array<{ delayMs: number; action: Action }>;
  /** Commands issued once every fault was lifted. */
  quiet: Array<{ device: string; kind: CommandKind; value: string }>;
}

/** The plan of a seed: the schedule depends on the seed alone, never on what the bridge does. */
export function planFor(seed: number, steps?: number): Plan {
  const rng = new Prng(seed);
  const config = drawConfig(rng.fork(12));
  const schedule = rng.fork(10);
  const count = steps ?? schedule.int(20, 45);
  const plan: Plan = { config, steps: [], quiet: [] };
  for (let i = 0; i < count; i++) {
    const delayMs = schedule.chance(0.1) ? schedule.int(60_000, 600_000) : schedule.int(0, 45_000);
    const action = drawAction(schedule);
    if (action.kind === 'expireCreds') action.hangUp = schedule.chance(0.5);
    plan.steps.push({ delayMs, action });
  }
  for (const device of MACS)
    for (const kind of COMMAND_KINDS) plan.quiet.push({ device, kind, value: commandValue(schedule, kind) });
  return plan;
}

export interface RunResult {
  seed: number;
  ok: boolean;
  violation: Violation | null;
  trace: string[];
  steps: number;
  virtualMs: number;
  acceptedCommands: number;
  connections: number;
  firedTimers: number;
}

export type Action =
  | { kind: 'command'; device: string; command: CommandKind; value: string }
  | { kind: 'hangup' }
  | { kind: 'rst' }
  | { kind: 'blackhole'; ms: number }
  | { kind: 'refuse'; ms: number }
  | { kind: 'hungConnects'; ms: number }
  | { kind: 'lossy'; ms: number; lostAckP: number; hungPublishP: number }
  | { kind: 'expireCreds'; hangUp?: boolean }
  | { kind: 'expireTokens' }
  | { kind: 'rest'; ms: number; how: 'down' | 'hangs' }
  | { kind: 'deviceList'; ms: number; answer: DeviceListAnswer }
  | { kind: 'hide'; ms: number; device: string }
  | { kind: 'wallJump'; ms: number }
  | { kind: 'badCa'; ms: number }
  | { kind: 'reconnectNow' }
  | { kind: 'night'; ms: number }
  | { kind: 'restart' }
  | { kind: 'wait' };

const WEIGHTS = {
  command: 30,
  hangup: 5,
  rst: 2,
  blackhole: 4,
  refuse: 3,
  hungConnects: 3,
  lossy: 4,
  expireCreds: 2,
  expireTokens: 1,
  rest: 2,
  deviceList: 3,
  hide: 2,
  wallJump: 1,
  badCa: 1,
  reconnectNow: 1,
  night: 1,
  restart: 1,
  wait: 6,
} as const;

const MODES = ['heat_pump', 'electric', 'eco', 'high_demand'] as const;

function commandValue(rng: Prng, kind: CommandKind): string {
  if (kind === 'dhw_temperature') return String(rng.int(100, 140));
  if (kind === 'dhw_mode') return rng.pick(MODES);
  return rng.chance(0.5) ? 'on' : 'off';
}

function drawAction(rng: Prng): Action {
  const kind = rng.weighted(WEIGHTS);
  switch (kind) {
    case 'command': {
      const command = rng.pick(COMMAND_KINDS);
      return { kind, device: rng.pick(MACS), command, value: commandValue(rng, command) };
    }
    case 'blackhole':
      return { kind, ms: rng.int(5_000, 150_000) };
    case 'refuse':
    case 'hungConnects':
      return { kind, ms: rng.int(10_000, 400_000) };
    case 'lossy':
      return {
        kind,
        ms: rng.int(10_000, 300_000),
        lostAckP: rng.pick([0.1, 0.3, 0.6]),
        hungPublishP: rng.pick([0, 0.1, 0.3]),
      };
    case 'rest':
      return { kind, ms: rng.int(10_000, 600_000), how: rng.pick(['down', 'hangs'] as const) };
    case 'deviceList':
      return {
        kind,
        ms: rng.int(60_000, 3 * 3600_000),
        answer: rng.pick(['empty', 'not-a-list', 'bad-entry'] as const),
      };
    case 'hide':
      return { kind, ms: rng.int(10 * 60_000, 4 * 3600_000), device: rng.pick(MACS) };
    case 'wallJump':
      return { kind, ms: rng.pick([-1, 1]) * rng.int(60_000, 2 * 3600_000) };
    case 'badCa':
      return { kind, ms: rng.int(10_000, 120_000) };
    case 'night':
      return { kind, ms: rng.int(61 * 60_000, 80 * 60_000) };
    default:
      return { kind };
  }
}

function describeAction(a: Action): string {
  switch (a.kind) {
    case 'command':
      return `HA command ${a.command}=${a.value} for ${a.device.slice(-4)}`;
    case 'lossy':
      return `lossy publishes for ${Math.round(a.ms / 1000)} s (lost PUBACK ${a.lostAckP}, hung ${a.hungPublishP})`;
    case 'deviceList':
      return `device list answers ${a.answer} for ${Math.round(a.ms / 1000)} s`;
    case 'hide':
      return `heater ${a.device.slice(-4)} missing from the device list for ${Math.round(a.ms / 1000)} s`;
    case 'wallJump':
      return `wall clock jumps ${Math.round(a.ms / 1000)} s`;
    case 'rest':
      return `REST ${a.how} for ${Math.round(a.ms / 1000)} s`;
    default:
      return 'ms' in a ? `${a.kind} for ${Math.round(a.ms / 1000)} s` : a.kind;
  }
}

export function runSeed(seed: number, options: RunOptions = {}): Promise<RunResult> {
  return runPlan(seed, planFor(seed, options.steps), options);
}

export async function runPlan(seed: number, plan: Plan, options: RunOptions = {}): Promise<RunResult> {
  const rng = new Prng(seed);
  const trace: string[] = [];
  let step = 0;
  let world: World | undefined;
  const stamp = () => {
    const t = world ? (world.sched.monotonic() / 1000).toFixed(3) : '0.000';
    return `[${step}] t=${t}s`;
  };
  const log = (line: string) => trace.push(`${stamp()} ${line}`);
  world = new World({
    seed,
    rng: rng.fork(11),
    config: plan.config,
    trace: log,
    verbose: options.verbose ?? false,
    ...(options.sabotage ? { sabotage: options.sabotage } : {}),
  });
  const w = world;
  const { sched, cloudModel } = w;
  const steps = plan.steps.length;
  let violation: Violation | null = null;
  const unhandled: string[] = [];
  const onUnhandled = (reason: unknown) => {
    unhandled.push(reason instanceof Error ? (reason.stack ?? reason.message) : String(reason));
  };
  const saved = process.rawListeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', onUnhandled);
  const fail = (v: Violation | null) => {
    if (v && !violation) {
      violation = { ...v, step };
      log(`VIOLATION ${v.invariant}: ${v.detail}`);
    }
    return violation !== null;
  };
  const check = (full = true) => {
    if (unhandled.length > 0)
      fail({ invariant: 'no unhandled rejection', detail: unhandled.join('\n'), step });
    if (sched.faults.length > 0)
      fail({ invariant: 'no timer callback throws', detail: sched.faults.join('\n'), step });
    return fail(full ? checkStep(w) : checkBetweenSteps(w));
  };
  const checkAfterTimer = () => void check(false);
  /** Restores a fault when its window ends (a later window of the same kind extends it). */
  const windowEnds = new Map<string, number>();
  const until = (key: string, ms: number, end: () => void) => {
    const endsAt = sched.monotonic() + ms;
    windowEnds.set(key, Math.max(windowEnds.get(key) ?? 0, endsAt));
    cloudModel.after(ms, () => {
      if ((windowEnds.get(key) ?? 0) <= sched.monotonic()) {
        end();
        log(`fault ${key} ends`);
      }
    });
  };
  try {
    await w.start();
    await sched.advance(0);
    check();
    for (step = 1; step <= steps && !violation; step++) {
      const planned = plan.steps[step - 1];
      if (!planned) break;
      await sched.advance(planned.delayMs, checkAfterTimer);
      if (violation) break;
      const { action } = planned;
      log(describeAction(action));
      const f = cloudModel.faults;
      switch (action.kind) {
        case 'command':
          log(`  → ${w.issue(action.device, action.command, action.value)}`);
          break;
        case 'hangup':
          cloudModel.hangUpAll('AWS_ERROR_MQTT_UNEXPECTED_HANGUP');
          break;
        case 'rst':
          cloudModel.hangUpAll('AWS_IO_SOCKET_CLOSED');
          break;
        case 'blackhole':
          cloudModel.setBlackhole(true);
          until('blackhole', action.ms, () => cloudModel.setBlackhole(false));
          break;
        case 'refuse':
          f.refuseConnects = true;
          until('refuse', action.ms, () => {
            f.refuseConnects = false;
          });
          break;
        case 'hungConnects':
          f.hungConnectP = 0.6;
          until('hungConnects', action.ms, () => {
            f.hungConnectP = 0;
          });
          break;
        case 'lossy':
          f.lostAckP = action.lostAckP;
          f.hungPublishP = action.hungPublishP;
          until('lossy', action.ms, () => {
            f.lostAckP = 0;
            f.hungPublishP = 0;
          });
          break;
        case 'expireCreds':
          cloudModel.expireAwsCredentials();
          if (action.hangUp) cloudModel.hangUpAll('AWS_ERROR_MQTT_UNEXPECTED_HANGUP');
          break;
        case 'expireTokens':
          cloudModel.expireAccessTokens();
          break;
        case 'rest':
          if (action.how === 'down') f.restDown = true;
          else f.restHangs = true;
          until(`rest-${action.how}`, action.ms, () => {
            if (action.how === 'down') f.restDown = false;
            else f.restHangs = false;
          });
          break;
        case 'deviceList':
          f.deviceList = action.answer;
          until('deviceList', action.ms, () => {
            f.deviceList = 'normal';
          });
          break;
        case 'hide':
          f.hidden.add(action.device);
          until(`hide-${action.device}`, action.ms, () => f.hidden.delete(action.device));
          break;
        case 'wallJump':
          sched.jumpWall(action.ms);
          break;
        case 'badCa':
          f.constructThrowsP = 0.5;
          until('badCa', action.ms, () => {
            f.constructThrowsP = 0;
          });
          break;
        case 'reconnectNow':
          w.link.reconnectNow('simulated button press');
          break;
        case 'night':
          // A long calm stretch: long enough for the device list to settle a missing heater.
          await sched.advance(action.ms, checkAfterTimer);
          break;
        case 'restart':
          // The add-on restarted (update, watchdog, host reboot) on the same data_dir.
          log(`  restart with ${w.queue.size} command(s) queued`);
          await w.restart();
          break;
        case 'wait':
          break;
      }
      await sched.advance(0);
      check();
    }
    if (!violation) {
      step = steps + 1;
      log('QUIET: every fault lifted');
      const hidden = cloudModel.faults.hidden;
      cloudModel.faults = { ...calmFaults(), hidden };
      hidden.clear();
      windowEnds.clear();
      // Let the bridge find its way back, then ask for one more thing of each kind per heater.
      await sched.advance(4 * 60_000, checkAfterTimer);
      for (const { device, kind, value } of plan.quiet) {
        if (violation) break;
        log(`quiet HA command ${kind}=${value} for ${device.slice(-4)} → ${w.issue(device, kind, value)}`);
        check();
      }
      await sched.advance(8 * 60_000, checkAfterTimer);
      if (!violation) fail(checkFinal(w));
      if (!violation) {
        step = steps + 2;
        log('STOP');
        // As main.ts shuts down: the cloud (and its link), then the queue.
        await w.cloud.stop();
        await w.queue.stop();
        w.stopHealth();
        await sched.advance(0);
        check();
        if (!violation) fail(checkRightAfterStop(w));
        // A deadline of a wait still in flight may outlive stop() by its length; it must end by
        // itself and leave nothing behind.
        const lingering = ['link', 'cloud', 'queue', 'auth', 'health'].filter((o) => sched.pending(o) > 0);
        if (lingering.length > 0) {
          log(
            `after stop(): timers still pending for ${lingering.map((o) => `${o} (due in ${sched.dueIn(o).join(', ')} ms)`).join(', ')}`,
          );
          await sched.advance(STOP_GRACE_MS, checkAfterTimer);
        }
        if (!violation) fail(checkLeaksAfterStop(w));
      }
    }
  } catch (error) {
    fail({ invariant: 'the harness ran to the end', detail: (error as Error)?.stack ?? String(error), step });
  } finally {
    process.removeAllListeners('unhandledRejection');
    for (const listener of saved) process.on('unhandledRejection', listener as (reason: unknown) => void);
  }
  return {
    seed,
    ok: violation === null,
    violation,
    trace,
    steps,
    virtualMs: sched.monotonic(),
    acceptedCommands: w.accepted.length,
    connections: cloudModel.transports.length,
    firedTimers: sched.firedTimers,
  };
}

/** What a failing seed prints: the seed, the step, the broken invariant, the end of the trace, how to replay. */
export function formatFailure(result: RunResult, traceLines = 60): string {
  const v = result.violation;
  if (!v) return `seed ${result.seed}: ok`;
  return [
    `DETSIM seed ${result.seed} broke "${v.invariant}" at step ${v.step}:`,
    `  ${v.detail}`,
    `  last ${Math.min(traceLines, result.trace.length)} trace lines:`,
    ...result.trace.slice(-traceLines).map((line) => `    ${line}`),
    `  replay: DETSIM_SEED=${result.seed} npx vitest run test/sim-det`,
  ].join('\n');
}
