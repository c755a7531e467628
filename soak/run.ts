// The chaos soak: the built bridge as its own process (as the add-on's s6 run script starts it)
// against the simulated Navien cloud — aws-crt over a real socket through a fault-injecting TCP
// proxy — and a real Mosquitto, with the seeded plan's faults overlapping while an HA client sends
// commands. At the end every fault is lifted, the bridge is given time to settle, and the books are
// closed against the simulated heater's command log and the bridge's own counters.

import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { inboundTopics, JUNK_KINDS, type Simulator, startSimulator } from '../src/sim/index.js';
import { type BridgeProcess, startBridgeProcess } from '../testkit/bridgeProcess.js';
import { startBroker, type TestBroker } from '../testkit/mosquitto.js';
import { freePort } from '../testkit/ports.js';
import { startTcpProxy, type TcpProxy } from '../testkit/tcpProxy.js';
import { type BridgeCounters, closeBooks, type DeviceEntry, type IssuedCommand } from './accounting.js';
import { type SoakReport, verdict } from './report.js';
import { CommandStream, FAULT_KINDS, type FaultKind, type PlannedFault, planSoak, prng } from './schedule.js';

export interface SoakOptions {
  durationMs: number;
  seed: number;
  /** The checkout whose built bridge (`dist/cli.js`) runs. */
  root?: string;
  /** Progress lines (fault started, command sent…); silent when absent. */
  progress?: (line: string) => void;
  /** How long the bridge gets to settle once every fault is lifted. */
  settleTimeoutMs?: number;
  /** Extra environment for the bridge (e.g. a shorter reconnect ceiling for short runs). */
  bridgeEnv?: Record<string, string>;
  /** Where to keep what every bridge process printed (its JSON log), for a closer look. */
  bridgeLogPath?: string;
}

const MAC = '04786332fca0';
const BASE = 'nwp500';
/** Commands stop this long before the broker is killed or the bridge restarted: what is in flight
 * inside Mosquitto then is Mosquitto's to lose, not the bridge's. */
const QUIET_BEFORE_MS = 2_000;
/** The bridge must have been connected to the broker this long before a command is sent. */
const BROKER_READY_MS = 1_500;
const SIGTERM_LIMIT_MS = 15_000;
const COMMAND_NAMES = new Set(['dhwTemperature', 'dhwMode', 'powerOn', 'powerOff']);

interface HealthBody {
  status?: string;
  cloud?: { connected?: boolean };
  local_broker?: { connected?: boolean };
  reasons?: Array<{ code?: string }>;
}

interface Diagnostics {
  metrics?: { total_connection_drops?: number; connection_drops_by_error?: Record<string, number> };
  counters?: { commands_refused_by_reason?: Record<string, number> };
  bridge?: { commands?: Partial<BridgeCounters>; cloud?: { queued_commands?: number; state?: string } };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function rssKb(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

function countersOf(d: Diagnostics | undefined): BridgeCounters | null {
  const c = d?.bridge?.commands;
  if (!c || typeof c.accepted !== 'number') return null;
  const n = (value: number | undefined) => (typeof value === 'number' ? value : 0);
  return {
    accepted: n(c.accepted),
    delivered: n(c.delivered),
    superseded: n(c.superseded),
    expired: n(c.expired),
    overflow: n(c.overflow),
    unconfirmed: n(c.unconfirmed),
    refused: n(c.refused),
    ignored_retained: n(c.ignored_retained),
    in_queue: n(c.in_queue),
  };
}

function addCounters(a: BridgeCounters, b: BridgeCounters): BridgeCounters {
  const out = { ...a };
  for (const key of Object.keys(out) as Array<keyof BridgeCounters>) out[key] = a[key] + b[key];
  return out;
}

function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = (out[key] ?? 0) + value;
  return out;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const root = options.root ?? process.cwd();
  const say = options.progress ?? (() => undefined);
  const plan = planSoak(options.seed, options.durationMs);

  const broker: TestBroker = await startBroker({ persistence: true });
  const sim: Simulator = await startSimulator({ keepAlive: { minSecs: 1 } });
  const proxy: TcpProxy = await startTcpProxy('127.0.0.1', sim.ports.wss);
  const httpPort = await freePort();
  const mqttUrl = `wss://localhost:${proxy.port}/mqtt`;
  const bridgeEnv = {
    NWP500_STATUS_INTERVAL: '5',
    NWP500_LOG_LEVEL: 'info',
    ...options.bridgeEnv,
  };
  const launch = (dirs?: { dataDir: string; configDir: string }) =>
    startBridgeProcess({
      sim,
      broker,
      root,
      httpPort,
      mqttUrl,
      env: bridgeEnv,
      maxCaptureChars: 2_000_000,
      ...dirs,
    });

  const startedAt = Date.now();
  const since = () => Date.now() - startedAt;
  const faultsInjected: Record<string, number> = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0]));
  const junkSent: Record<string, number> = {};
  const healthCodes: Record<string, number> = {};
  const healthCodesWhileCloudDown: Record<string, number> = {};
  const healthReasonsSeen: Record<string, number> = {};
  const crashes: Array<{ atMs: number; exit: number | string; stderrTail: string }> = [];
  const issued: IssuedCommand[] = [];
  const notes: string[] = [];
  let skippedTicks = 0;
  let sigtermExit: number | string | null = null;
  let sigtermMs: number | null = null;
  let bridgeProcesses = 1;
  let segmentCounters: BridgeCounters | null = null;
  let segmentRefusals: Record<string, number> = {};
  let countersPersist: boolean | null = null;
  let dropsBeforeRestart: number | null = null;

  const keepLog = async (proc: BridgeProcess, label: string) => {
    if (!options.bridgeLogPath) return;
    await appendFile(options.bridgeLogPath, `# ${label}\n${proc.stdout()}${proc.stderr()}`);
  };
  if (options.bridgeLogPath) await writeFile(options.bridgeLogPath, '');
  let bridge: BridgeProcess = await launch();
  const dirs = { dataDir: bridge.dataDir, configDir: bridge.configDir };
  let stopping = false;
  let restarting = false;
  const watchCrash = (current: BridgeProcess) => {
    void current.exited.then(async (exit) => {
      if (stopping || restarting || current !== bridge) return;
      crashes.push({ atMs: since(), exit, stderrTail: current.stderr().slice(-2_000) });
      await keepLog(current, `bridge process that crashed (${exit})`);
      say(`!! bridge exited unexpectedly (${exit}); starting it again`);
      bridgeProcesses++;
      bridge = await launch(dirs);
      watchCrash(bridge);
    });
  };
  watchCrash(bridge);

  const getJson = async <T>(path: string): Promise<{ status: number; body: T } | undefined> => {
    try {
      const response = await fetch(`${bridge.url}${path}`, { signal: AbortSignal.timeout(3_000) });
      const text = await response.text();
      return { status: response.status, body: JSON.parse(text) as T };
    } catch {
      return undefined;
    }
  };
  const diagnostics = async () => (await getJson<Diagnostics>('/api/diagnostics'))?.body;

  // The health poller: what /healthz answers throughout, and whether the bridge is on the broker.
  let brokerReadySince: number | null = null;
  const knownClientIds = new Set<string>();
  let cloudConnected = false;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const answer = await getJson<HealthBody>('/healthz');
      const code = answer ? String(answer.status) : 'unreachable';
      healthCodes[code] = (healthCodes[code] ?? 0) + 1;
      cloudConnected = answer?.body.cloud?.connected === true;
      if (!cloudConnected) healthCodesWhileCloudDown[code] = (healthCodesWhileCloudDown[code] ?? 0) + 1;
      for (const reason of answer?.body.reasons ?? []) {
        if (reason.code) healthReasonsSeen[reason.code] = (healthReasonsSeen[reason.code] ?? 0) + 1;
      }
      for (const clientId of sim.liveClientIds()) knownClientIds.add(clientId);
      const onBroker = answer?.body.local_broker?.connected === true;
      if (onBroker !== (brokerReadySince !== null))
        say(
          `${(since() / 1000).toFixed(1)} s  bridge ${onBroker ? 'on' : 'off'} the broker (healthz ${code})`,
        );
      if (!onBroker) brokerReadySince = null;
      else brokerReadySince ??= Date.now();
      await sleep(1_000);
    }
  })();

  // The HA side: a client on the broker, as Home Assistant is.
  const ha: MqttClient = mqtt.connect(broker.url, {
    clientId: `soak-ha-${process.pid}`,
    reconnectPeriod: 500,
    connectTimeout: 3_000,
  });
  let lastState: Record<string, unknown> | undefined;
  ha.on('message', (topic, payload) => {
    if (topic !== `${BASE}/${MAC}/state`) return;
    try {
      lastState = JSON.parse(payload.toString()) as Record<string, unknown>;
    } catch {
      /* not state */
    }
  });
  ha.on('connect', () => ha.subscribe(`${BASE}/${MAC}/state`));
  ha.on('error', () => undefined);

  const waitFor = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return true;
      await sleep(250);
    }
    notes.push(`timed out after ${timeoutMs} ms waiting for ${what}`);
    return false;
  };

  const report = async (): Promise<SoakReport> => {
    await waitFor(
      'the bridge on the cloud and the broker',
      () => cloudConnected && brokerReadySince !== null,
      60_000,
    );
    await waitFor('the heater state on the broker', () => lastState !== undefined, 30_000);
    const rssStart = await rssKb(bridge.child.pid);
    const startStatus = sim.device(MAC)?.status();
    const initial = {
      setpointRaw: Number(startStatus?.dhwTemperatureSetting),
      dhwMode: Number(startStatus?.dhwOperationSetting),
    };
    const modeNames: Record<number, string> = { 1: 'heat_pump', 2: 'electric', 3: 'eco', 4: 'high_demand' };
    const stream = new CommandStream(options.seed, {
      mode: modeNames[initial.dhwMode] ?? '',
      temperature: String(Math.round(((initial.setpointRaw / 2) * 9) / 5 + 32)),
      power: initial.dhwMode === 6 ? 'OFF' : 'ON',
    });
    say(`ready after ${since()} ms; chaos for ${Math.round(plan.durationMs / 1000)} s, seed ${plan.seed}`);
    const chaosStart = Date.now();

    // ---- faults -------------------------------------------------------------------------------
    const active = { blackhole: 0, refuse: 0, hung_upgrade: 0, device_offline: 0 };
    let brokerDown = false;
    const applyProxy = () => {
      proxy.mode = active.blackhole > 0 ? 'blackhole' : active.refuse > 0 ? 'refuse' : 'pass';
      say(`${(since() / 1000).toFixed(1)} s  proxy ${proxy.mode} (connections so far ${proxy.accepted})`);
    };
    const lasting = async (
      kind: keyof typeof active,
      durationMs: number,
      on: () => void,
      off: () => void,
    ) => {
      active[kind]++;
      on();
      await sleep(durationMs);
      active[kind]--;
      if (active[kind] === 0) off();
    };
    const restartBridge = async () => {
      restarting = true;
      const before = await diagnostics();
      segmentCounters = countersOf(before);
      segmentRefusals = before?.counters?.commands_refused_by_reason ?? {};
      dropsBeforeRestart = before?.metrics?.total_connection_drops ?? null;
      const old = bridge;
      const t0 = Date.now();
      old.child.kill('SIGTERM');
      const exit = await Promise.race([old.exited, sleep(SIGTERM_LIMIT_MS).then(() => 'timeout' as const)]);
      sigtermMs = Date.now() - t0;
      sigtermExit = exit;
      if (exit === 'timeout') {
        old.child.kill('SIGKILL');
        await old.exited;
      }
      await keepLog(old, `bridge process stopped by SIGTERM (exit ${exit})`);
      bridgeProcesses++;
      bridge = await launch(dirs);
      brokerReadySince = null;
      restarting = false;
      watchCrash(bridge);
      const after = await waitFor(
        'the restarted bridge to answer',
        async () => (await diagnostics()) !== undefined,
        30_000,
      );
      if (after) {
        const restored = countersOf(await diagnostics());
        countersPersist = segmentCounters && restored ? restored.accepted >= segmentCounters.accepted : null;
      }
    };
    const run = async (fault: PlannedFault): Promise<void> => {
      faultsInjected[fault.kind] = (faultsInjected[fault.kind] ?? 0) + 1;
      say(
        `${(since() / 1000).toFixed(1)} s  fault ${fault.kind}${fault.durationMs ? ` for ${fault.durationMs} ms` : ''}`,
      );
      switch (fault.kind) {
        case 'hangup':
          sim.faults.hangUpAll();
          return;
        case 'rst':
          proxy.resetAll();
          return;
        case 'blackhole':
          return lasting('blackhole', fault.durationMs, applyProxy, applyProxy);
        case 'refuse':
          return lasting('refuse', fault.durationMs, applyProxy, applyProxy);
        case 'hung_upgrade':
          return lasting(
            'hung_upgrade',
            fault.durationMs,
            () => sim.faults.hangUpgrade(true),
            () => sim.faults.hangUpgrade(false),
          );
        case 'device_offline':
          return lasting(
            'device_offline',
            fault.durationMs,
            () => sim.faults.setDeviceOnline(MAC, false),
            () => sim.faults.setDeviceOnline(MAC, true),
          );
        case 'credential_expiry':
          sim.faults.expireCredentials();
          return;
        case 'junk': {
          // The bridge's client id, also while it is disconnected (junk to nobody is still sent).
          for (const clientId of knownClientIds) {
            for (const topic of inboundTopics(clientId, [MAC])) {
              for (const kind of JUNK_KINDS) {
                if (sim.faults.sendJunk(kind, topic)) junkSent[kind] = (junkSent[kind] ?? 0) + 1;
              }
            }
          }
          return;
        }
        case 'broker_kill':
          // Already down: this one adds nothing (and is not counted as injected).
          if (brokerDown) {
            faultsInjected.broker_kill = (faultsInjected.broker_kill ?? 1) - 1;
            return;
          }
          brokerDown = true;
          await broker.kill();
          await sleep(fault.durationMs);
          await broker.start();
          brokerDown = false;
          return;
        case 'bridge_restart':
          return restartBridge();
      }
    };
    const quietKinds: FaultKind[] = ['broker_kill', 'bridge_restart'];
    const running: Array<Promise<void>> = [];
    for (const fault of plan.faults) {
      running.push(
        sleep(Math.max(0, chaosStart + fault.atMs - Date.now())).then(() =>
          run(fault).catch((error: unknown) => {
            notes.push(`fault ${fault.kind} failed to run: ${String(error)}`);
          }),
        ),
      );
    }

    // ---- commands -----------------------------------------------------------------------------
    const quietSoon = () => {
      const at = Date.now() - chaosStart;
      return plan.faults.some(
        (fault) =>
          quietKinds.includes(fault.kind) && fault.atMs - at < QUIET_BEFORE_MS && fault.atMs - at > -500,
      );
    };
    const ready = () =>
      ha.connected &&
      !brokerDown &&
      !restarting &&
      brokerReadySince !== null &&
      Date.now() - brokerReadySince >= BROKER_READY_MS &&
      !quietSoon();
    const poweredOnPerState = () => lastState?.power !== 'OFF' && lastState?.power !== false;
    let n = 0;
    const random = prng(options.seed ^ 0x9a9);
    while (Date.now() - chaosStart < plan.durationMs) {
      const [low, high] = plan.commandGapMs;
      await sleep(low + random() * (high - low));
      if (Date.now() - chaosStart >= plan.durationMs) break;
      if (!ready()) {
        skippedTicks++;
        continue;
      }
      const command = stream.next(poweredOnPerState());
      const atMs = since();
      const ok = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 5_000);
        ha.publish(`${BASE}/${MAC}/${command.key}/set`, command.payload, { qos: 1 }, (error) => {
          clearTimeout(timer);
          resolve(!error);
        });
      });
      if (!ok) {
        notes.push(
          `command ${command.key}=${command.payload.slice(0, 20)} at ${atMs} ms not acknowledged by the broker; not counted`,
        );
        continue;
      }
      issued.push({
        n: ++n,
        atMs,
        kind: command.kind,
        key: command.key,
        payload: command.payload,
        refusal: command.refusal,
      });
      say(`${(atMs / 1000).toFixed(1)} s  command #${n} ${command.key}=${command.payload.slice(0, 20)}`);
    }
    await Promise.all(running);

    // ---- settle -------------------------------------------------------------------------------
    say(`${(since() / 1000).toFixed(1)} s  lifting every fault`);
    proxy.mode = 'pass';
    proxy.release();
    sim.faults.blackhole(false);
    sim.faults.refuseConnections(false);
    sim.faults.hangUpgrade(false);
    sim.faults.setDeviceOnline(MAC, true);
    const settleStart = Date.now();
    const deviceCommands = () =>
      (sim.device(MAC)?.receivedCommands() ?? []).filter((entry) => COMMAND_NAMES.has(entry.name ?? ''))
        .length;
    let lastCount = deviceCommands();
    let stableSince = Date.now();
    const settled = await waitFor(
      'quiescence (cloud connected, queue empty, heater log unchanged for 6 s)',
      async () => {
        const d = await diagnostics();
        const depth = countersOf(d)?.in_queue ?? d?.bridge?.cloud?.queued_commands;
        const count = deviceCommands();
        if (count !== lastCount) {
          lastCount = count;
          stableSince = Date.now();
        }
        return cloudConnected && depth === 0 && Date.now() - stableSince >= 6_000;
      },
      options.settleTimeoutMs ?? 180_000,
    );
    const settleMs = Date.now() - settleStart;

    // ---- books --------------------------------------------------------------------------------
    const final = await diagnostics();
    let counters = countersOf(final);
    let refusals = final?.counters?.commands_refused_by_reason ?? {};
    if (countersPersist === false && segmentCounters && counters)
      counters = addCounters(segmentCounters, counters);
    if (countersPersist === false) refusals = addCounts(segmentRefusals, refusals);
    const device = sim.device(MAC);
    const entries: DeviceEntry[] = (device?.receivedCommands() ?? []).map((entry) => ({
      seq: entry.seq,
      receivedAtMs: entry.receivedAtMs,
      sessionId: entry.sessionId,
      name: entry.name,
      param: entry.param,
      outcome: entry.outcome,
    }));
    const status = device?.status();
    const books = closeBooks({
      issued,
      device: entries,
      bridge: counters,
      refusedByReason: refusals,
      bridgeProcesses,
      final: {
        setpointRaw: Number(status?.dhwTemperatureSetting),
        dhwMode: Number(status?.dhwOperationSetting),
      },
      initial,
      queueDepth: counters?.in_queue ?? final?.bridge?.cloud?.queued_commands ?? -1,
      startedAtWallMs: startedAt,
    });
    const rssEnd = await rssKb(bridge.child.pid);
    const errorLines = bridge
      .stdout()
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line)).length;
    const result: SoakReport = {
      seed: plan.seed,
      chaos_seconds: Math.round(plan.durationMs / 1000),
      settle_seconds: Math.round(settleMs / 1000),
      settled,
      faults_by_kind: faultsInjected,
      junk_messages_sent: junkSent,
      commands: books,
      commands_skipped_while_ha_side_down: skippedTicks,
      bridge_accounting_reported: counters !== null,
      bridge_counters_persist_across_restart: countersPersist,
      drops_recorded_by_bridge: final?.metrics?.total_connection_drops ?? null,
      drops_recorded_before_restart: dropsBeforeRestart,
      drops_by_error: final?.metrics?.connection_drops_by_error ?? {},
      link_breaking_faults_injected:
        (faultsInjected.hangup ?? 0) + (faultsInjected.rst ?? 0) + (faultsInjected.blackhole ?? 0),
      health_codes_seen: healthCodes,
      health_codes_while_cloud_down: healthCodesWhileCloudDown,
      health_reasons_seen: healthReasonsSeen,
      crashes: crashes.length,
      crash_details: crashes,
      sigterm_restart: { exit: sigtermExit, took_ms: sigtermMs },
      bridge_processes: bridgeProcesses,
      rss_kb: { start: rssStart, end: rssEnd },
      bridge_error_log_lines: errorLines,
      notes,
      failures: [],
    };
    result.failures = verdict(result);
    return result;
  };

  try {
    return await report();
  } finally {
    stopping = true;
    polling = false;
    await poller;
    ha.end(true);
    if (bridge.child.exitCode === null && bridge.child.signalCode === null) {
      bridge.child.kill('SIGTERM');
      await Promise.race([bridge.exited, sleep(10_000)]);
    }
    await keepLog(bridge, 'last bridge process');
    await bridge.close();
    await rm(join(dirs.dataDir), { recursive: true, force: true, maxRetries: 5 });
    await rm(join(dirs.configDir), { recursive: true, force: true, maxRetries: 5 });
    await proxy.close();
    await sim.close();
    await broker.close();
  }
}
