// The soak's own parts, so its verdict can be trusted: the seeded plan (every fault kind, the
// restart once, overlaps, replayable), the command stream's rules, the books (each way a command
// can go missing is caught), the verdict, and the TCP proxy's faults on real sockets.

import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AccountingInput,
  closeBooks,
  type DeviceEntry,
  type IssuedCommand,
} from '../../soak/accounting.js';
import { formatReport, type SoakReport, verdict } from '../../soak/report.js';
import { CommandStream, FAULT_KINDS, planSoak } from '../../soak/schedule.js';
import { startTcpProxy, type TcpProxy } from '../../testkit/tcpProxy.js';

describe('the fault plan', () => {
  it('is the same for the same seed, has every kind, one bridge restart past the middle, and overlapping outages', () => {
    const plan = planSoak(7, 600_000);
    expect(planSoak(7, 600_000)).toEqual(plan);
    expect(planSoak(8, 600_000).faults).not.toEqual(plan.faults);
    const kinds = new Set(plan.faults.map((fault) => fault.kind));
    expect([...kinds].sort()).toEqual([...FAULT_KINDS].sort());
    const restarts = plan.faults.filter((fault) => fault.kind === 'bridge_restart');
    expect(restarts).toHaveLength(1);
    expect(restarts[0]?.atMs).toBeGreaterThan(300_000);
    for (const fault of plan.faults) {
      expect(fault.atMs + fault.durationMs).toBeLessThanOrEqual(600_000);
      if (fault.kind === 'blackhole') {
        expect(fault.durationMs).toBeGreaterThanOrEqual(5_000);
        expect(fault.durationMs).toBeLessThanOrEqual(70_000);
      }
    }
    const lasting = plan.faults.filter((fault) => fault.durationMs > 0);
    const overlaps = lasting.some((a) =>
      lasting.some((b) => a !== b && a.atMs <= b.atMs && b.atMs < a.atMs + a.durationMs),
    );
    expect(overlaps).toBe(true);
    expect(plan.faults.length).toBeGreaterThan(40);
  });

  it('fits every kind into a 60-second run, outages a quarter of it at most', () => {
    const plan = planSoak(1, 60_000);
    expect(new Set(plan.faults.map((fault) => fault.kind)).size).toBe(FAULT_KINDS.length);
    for (const fault of plan.faults) expect(fault.durationMs).toBeLessThanOrEqual(15_000);
  });
});

describe('the command stream', () => {
  it('never repeats the last value of a kind, changes modes only while on, and sends some invalid ones', () => {
    const stream = new CommandStream(3);
    const last: Record<string, string> = {};
    let invalid = 0;
    for (let i = 0; i < 500; i++) {
      const wasOn = stream.poweredOn;
      const command = stream.next(true);
      if (command.kind === 'invalid') {
        invalid++;
        expect(command.refusal).not.toBeNull();
        continue;
      }
      if (command.kind === 'mode') expect(wasOn).toBe(true);
      expect(command.payload).not.toBe(last[command.kind]);
      last[command.kind] = command.payload;
    }
    expect(invalid).toBeGreaterThan(20);
    expect(invalid).toBeLessThan(90);
  });
});

// ---- the books ------------------------------------------------------------------------------

const T0 = 1_000_000;
let seq = 0;
function issued(n: number, key: string, payload: string, atMs = n * 1000): IssuedCommand {
  const kind = key === 'target_temperature' ? 'temperature' : key === 'mode' ? 'mode' : 'power';
  return { n, atMs, kind, key, payload, refusal: null };
}
function entry(
  name: string,
  param: number[] | undefined,
  atMs: number,
  outcome = 'applied',
  sessionId = 's',
): DeviceEntry {
  seq++;
  return { seq, receivedAtMs: T0 + atMs, sessionId, name, param, outcome };
}
function input(over: Partial<AccountingInput>): AccountingInput {
  return {
    issued: [],
    device: [],
    bridge: null,
    refusedByReason: {},
    bridgeProcesses: 1,
    final: { setpointRaw: 98, dhwMode: 3 },
    initial: { setpointRaw: 120, dhwMode: 2 },
    queueDepth: 0,
    startedAtWallMs: T0,
    ...over,
  };
}

// 120 °F is raw 98, 130 °F raw 109; eco is mode 3, heat_pump 1.
const ISSUED = [
  issued(1, 'target_temperature', '130'),
  issued(2, 'mode', 'heat_pump'),
  issued(3, 'target_temperature', '120'),
  issued(4, 'mode', 'eco'),
];
const APPLIED = () => [
  entry('statusRequest', undefined, 1_100),
  entry('dhwTemperature', [109], 1_200),
  entry('dhwMode', [1], 2_200),
  entry('dhwTemperature', [98], 3_200),
  entry('dhwMode', [3], 4_200),
];

describe('closing the books', () => {
  it('closes with nothing unaccounted when every command reached the heater', () => {
    const books = closeBooks(input({ issued: ISSUED, device: APPLIED() }));
    expect(books).toMatchObject({
      issued: 4,
      delivered: 4,
      duplicated: 0,
      unaccounted: 0,
      out_of_order: 0,
      phantom: 0,
    });
    expect(Object.values(books.final_state).every((check) => check.ok)).toBe(true);
  });

  it('finds a command the heater never got, and names it', () => {
    const device = APPLIED().filter((e) => !(e.name === 'dhwMode' && e.param?.[0] === 1));
    const books = closeBooks(input({ issued: ISSUED, device }));
    expect(books.unaccounted).toBe(1);
    expect(books.not_seen_by_heater).toEqual([{ n: 2, atMs: 2000, key: 'mode', payload: 'heat_pump' }]);
  });

  it('accepts it when the bridge counted it superseded', () => {
    const device = APPLIED().filter((e) => !(e.name === 'dhwMode' && e.param?.[0] === 1));
    const bridge = {
      accepted: 4,
      delivered: 3,
      superseded: 1,
      expired: 0,
      overflow: 0,
      unconfirmed: 0,
      refused: 0,
      ignored_retained: 0,
      in_queue: 0,
    };
    const books = closeBooks(input({ issued: ISSUED, device, bridge }));
    expect(books.unaccounted).toBe(0);
    expect(books.bridge_books_gap).toBe(0);
  });

  it('counts a reception at an offline heater as not delivered unless the bridge says unconfirmed', () => {
    const device = APPLIED().map((e) =>
      e.name === 'dhwMode' && e.param?.[0] === 1 ? { ...e, outcome: 'offline' } : e,
    );
    expect(closeBooks(input({ issued: ISSUED, device })).unaccounted).toBe(1);
    const bridge = {
      accepted: 4,
      delivered: 3,
      superseded: 0,
      expired: 0,
      overflow: 0,
      unconfirmed: 1,
      refused: 0,
      ignored_retained: 0,
      in_queue: 0,
    };
    const books = closeBooks(input({ issued: ISSUED, device, bridge }));
    expect(books).toMatchObject({ unaccounted: 0, offline_receptions: 1, unconfirmed: 1 });
  });

  it('counts a command the heater never got as in effect when it already had that setting', () => {
    const device = APPLIED().filter((e) => !(e.name === 'dhwMode' && e.param?.[0] === 1));
    const books = closeBooks(input({ issued: ISSUED, device, initial: { setpointRaw: 120, dhwMode: 1 } }));
    expect(books).toMatchObject({ unaccounted: 0, already_in_effect: 1, delivered: 3 });
    // When the bridge counted it superseded instead, it is not counted twice.
    const bridge = {
      accepted: 4,
      delivered: 3,
      superseded: 1,
      expired: 0,
      overflow: 0,
      unconfirmed: 0,
      refused: 0,
      ignored_retained: 0,
      in_queue: 0,
    };
    const counted = closeBooks(
      input({ issued: ISSUED, device, bridge, initial: { setpointRaw: 120, dhwMode: 1 } }),
    );
    expect(counted).toMatchObject({ unaccounted: 0, already_in_effect: 0, superseded: 1 });
  });

  it('tells a repeat from a new command, and an old command arriving after a newer one', () => {
    const device = [...APPLIED(), entry('dhwMode', [3], 4_500)];
    expect(closeBooks(input({ issued: ISSUED, device })).duplicated).toBe(1);
    // 130 then 120 was issued; the heater got 120, then 130 again (a replay out of order).
    const replay = [entry('dhwTemperature', [98], 3_200), entry('dhwTemperature', [109], 3_300)];
    const books = closeBooks(
      input({
        issued: [ISSUED[0] as IssuedCommand, ISSUED[2] as IssuedCommand],
        device: replay,
        final: { setpointRaw: 109, dhwMode: 3 },
      }),
    );
    expect(books.out_of_order).toBe(1);
    expect(books.final_state.temperature).toEqual({ expected: 98, actual: 109, ok: false });
  });

  it('tells repeats by session id when each command carries its own', () => {
    const device = [
      entry('dhwTemperature', [109], 1_200, 'applied', 'a'),
      entry('dhwTemperature', [109], 1_300, 'applied', 'a'),
      entry('dhwTemperature', [98], 3_200, 'applied', 'b'),
    ];
    const books = closeBooks(
      input({ issued: [ISSUED[0] as IssuedCommand, ISSUED[2] as IssuedCommand], device, bridgeProcesses: 1 }),
    );
    expect(books).toMatchObject({
      duplicates_told_by: 'session_id',
      duplicated: 1,
      delivered: 2,
      unaccounted: 0,
    });
  });

  it('wants a refusal for every invalid command, and a phantom is a phantom', () => {
    const bad: IssuedCommand = {
      n: 5,
      atMs: 5000,
      kind: 'invalid',
      key: 'mode',
      payload: 'banana',
      refusal: 'invalid_payload',
    };
    expect(closeBooks(input({ issued: [...ISSUED, bad], device: APPLIED() })).refused.missing).toBe(1);
    const counted = closeBooks(
      input({ issued: [...ISSUED, bad], device: APPLIED(), refusedByReason: { invalid_payload: 1 } }),
    );
    expect(counted).toMatchObject({ unaccounted: 0, refused: { missing: 0, valid_refused: 0 } });
    const phantom = closeBooks(
      input({ issued: ISSUED, device: [...APPLIED(), entry('dhwTemperature', [90], 5_000)] }),
    );
    expect(phantom.phantom).toBe(1);
  });
});

function reportWith(over: Partial<SoakReport>): SoakReport {
  const base: SoakReport = {
    seed: 1,
    chaos_seconds: 60,
    settle_seconds: 3,
    settled: true,
    faults_by_kind: { hangup: 1 },
    junk_messages_sent: {},
    commands: closeBooks(
      input({
        issued: ISSUED,
        device: APPLIED(),
        bridge: {
          accepted: 4,
          delivered: 4,
          superseded: 0,
          expired: 0,
          overflow: 0,
          unconfirmed: 0,
          refused: 0,
          ignored_retained: 0,
          in_queue: 0,
        },
      }),
    ),
    commands_skipped_while_ha_side_down: 0,
    bridge_accounting_reported: true,
    bridge_counters_persist_across_restart: true,
    drops_recorded_by_bridge: 1,
    drops_recorded_before_restart: 1,
    drops_by_error: {},
    link_breaking_faults_injected: 1,
    health_codes_seen: { '200': 10 },
    health_codes_while_cloud_down: {},
    health_reasons_seen: {},
    crashes: 0,
    crash_details: [],
    sigterm_restart: { exit: 0, took_ms: 80 },
    bridge_processes: 2,
    rss_kb: { start: 1, end: 1 },
    bridge_error_log_lines: 0,
    notes: [],
    failures: [],
  };
  return { ...base, ...over };
}

describe('the verdict', () => {
  it('passes a clean run and fails on each broken invariant, saying which', () => {
    expect(verdict(reportWith({}))).toEqual([]);
    expect(formatReport(reportWith({}))).toContain('PASS');
    expect(verdict(reportWith({ crashes: 1 }))).toEqual(['bridge crashes: 1 (expected 0)']);
    expect(verdict(reportWith({ sigterm_restart: { exit: 255, took_ms: 10 } }))[0]).toContain('exited 255');
    expect(verdict(reportWith({ settled: false }))[0]).toContain('did not settle');
    expect(verdict(reportWith({ bridge_accounting_reported: false }))[0]).toContain('bridge.commands');
    const lost = closeBooks(input({ issued: ISSUED, device: APPLIED().slice(0, 2) }));
    const failures = verdict(reportWith({ commands: lost }));
    expect(failures.some((f) => f.startsWith('unaccounted commands: 3'))).toBe(true);
    expect(failures[0]).toContain('#2 mode=heat_pump at 2.0 s');
    const text = formatReport({ ...reportWith({ commands: lost }), failures });
    expect(text).toContain('FAIL');
    expect(text).toContain('UNACCOUNTED       3');
  });
});

// ---- the proxy on real sockets --------------------------------------------------------------

describe('the fault-injecting TCP proxy', () => {
  let server: Server | undefined;
  let proxy: TcpProxy | undefined;
  const serverSockets = new Set<Socket>();
  afterEach(async () => {
    for (const socket of serverSockets) socket.destroy();
    serverSockets.clear();
    await proxy?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    proxy = undefined;
  });

  async function echo(onConnection: (socket: Socket) => void): Promise<TcpProxy> {
    server = createServer({ allowHalfOpen: true }, (socket) => {
      serverSockets.add(socket);
      onConnection(socket);
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    proxy = await startTcpProxy('127.0.0.1', typeof address === 'object' && address ? address.port : 0);
    return proxy;
  }

  function dial(port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => resolve(socket));
      socket.once('error', reject);
    });
  }

  it('passes a FIN on after the bytes before it, and the other direction stays open', async () => {
    let heard = '';
    const p = await echo((socket) => {
      socket.end('bye');
      socket.on('data', (chunk) => {
        heard += chunk.toString();
      });
    });
    const client = await dial(p.port);
    let received = '';
    client.on('data', (chunk) => {
      received += chunk.toString();
    });
    await once(client, 'end');
    expect(received).toBe('bye');
    // Half-closed, not torn down: what the client still sends reaches the server.
    client.write('late');
    const deadline = Date.now() + 2_000;
    while (heard !== 'late' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(heard).toBe('late');
    client.end();
  });

  it('refuses with a reset, stalls a blackholed path and lets it go on intact, and resets live pairs', async () => {
    const p = await echo((socket) => socket.on('data', (chunk) => socket.write(chunk)));
    p.mode = 'refuse';
    const refused = connect({ port: p.port, host: '127.0.0.1' });
    const refusedErrors: string[] = [];
    refused.on('error', (error: NodeJS.ErrnoException) => refusedErrors.push(String(error.code)));
    refused.on('data', () => refusedErrors.push('data'));
    await new Promise((resolve) => refused.once('close', resolve));
    expect(refusedErrors).toEqual(['ECONNRESET']);

    p.mode = 'pass';
    const client = await dial(p.port);
    const chunks: string[] = [];
    client.on('data', (chunk) => chunks.push(chunk.toString()));
    client.write('one');
    await new Promise((r) => setTimeout(r, 100));
    p.mode = 'blackhole';
    client.write('two');
    await new Promise((r) => setTimeout(r, 200));
    expect(chunks.join('')).toBe('one');
    // Lifted, the stalled bytes go on, late and whole: TCP does not lose the middle of a stream.
    p.mode = 'pass';
    const deadline = Date.now() + 2_000;
    while (chunks.join('') !== 'onetwo' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(chunks.join('')).toBe('onetwo');
    const errors: string[] = [];
    client.on('error', (error: NodeJS.ErrnoException) => errors.push(String(error.code)));
    const closed = new Promise((resolve) => client.once('close', resolve));
    p.resetAll();
    await closed;
    expect(errors).toEqual(['ECONNRESET']);
  });
});
