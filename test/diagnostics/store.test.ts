import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import { DiagnosticsStore, STORE_FORMAT } from '../../src/diagnostics/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { captureLog } from '../helpers/logCapture.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nwp500-diag-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

function run(path: string, clock = new ManualClock(Date.UTC(2026, 0, 1, 12))) {
  const log = captureLog('debug');
  const collector = new DiagnosticsCollector({ maxEventsRetained: 100, clock, log: log.logger });
  const store = new DiagnosticsStore({ path, collector, clock, log: log.logger, saveDebounceMs: 5000 });
  return { clock, log, collector, store };
}

const hangup = { name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', code: 5134, message: '' };

describe('DiagnosticsStore', () => {
  it('keeps the history across a restart and records the restart as a gap in observation', async () => {
    const path = join(dir, 'diagnostics_history.json');
    const first = run(path);
    await first.store.load();
    first.collector.recordConnectionSuccess({
      eventType: 'connected',
      sessionPresent: false,
      returnCode: 0,
      attemptNumber: 0,
    });
    first.clock.advance(7_200_000);
    first.collector.recordConnectionDrop({
      error: hangup,
      reconnectAttempt: 0,
      activeSubscriptions: 1,
      queuedCommands: 0,
    });
    first.clock.advance(3_000);
    first.collector.recordConnectionSuccess({
      eventType: 'resumed',
      sessionPresent: true,
      returnCode: 0,
      attemptNumber: 1,
    });
    await first.store.close();

    const file = JSON.parse(await readFile(path, 'utf8')) as { format: string; version: number };
    expect(file.format).toBe(STORE_FORMAT);
    expect(file.version).toBe(1);

    // A new process fifteen minutes later: fresh monotonic clock, same file.
    const second = run(path, new ManualClock(first.clock.now() + 900_000));
    await second.store.load();
    const metrics = second.collector.getMetrics();
    expect(metrics.total_connections).toBe(1);
    expect(metrics.connection_recovered).toBe(1);
    expect(metrics.longest_session_seconds).toBe(7200);
    expect(second.collector.getRecentDrops()).toEqual(first.collector.getRecentDrops());
    expect(second.collector.observedHours()).toBeCloseTo(7_203_000 / 3_600_000, 6);
    const input = second.collector.analysisInput();
    expect(input.systemEvents).toEqual([
      expect.objectContaining({ kind: 'bridge_restart', detail: expect.stringContaining('15.0 min') }),
    ]);
    // Restored events sit on the new monotonic timeline at their real distance in the past.
    expect(input.drops[0]?.monoMs).toBe(-(900_000 + 3_000));
    expect(second.log.text()).toContain('diagnostics history restored');
    await second.store.close();
  });

  it('moves a corrupt file aside with a warning and starts a new history', async () => {
    const path = join(dir, 'diagnostics_history.json');
    await writeFile(path, '{"format": "nwp500-bridge-diagn');
    const { store, log, collector } = run(path);
    await expect(store.load()).resolves.toBeUndefined();
    expect(collector.getMetrics().total_connection_drops).toBe(0);
    const files = await readdir(dir);
    expect(files.some((f) => f.startsWith('diagnostics_history.json.corrupt-'))).toBe(true);
    expect(files).not.toContain('diagnostics_history.json');
    const warning = log.records().find((r) => r.level === 40);
    expect(warning?.msg).toMatch(/not valid JSON; the file was moved aside/);
    await store.close();
    expect(await readdir(dir)).toContain('diagnostics_history.json');
  });

  it.each([
    ['another program’s JSON', { users: [{ name: 'x' }] }],
    ['a future version', { format: STORE_FORMAT, version: 99, snapshot: {} }],
    ['a damaged snapshot', { format: STORE_FORMAT, version: 1, snapshot: { version: 1, drops: 'many' } }],
    ['a bare array', [1, 2, 3]],
  ])('moves %s aside with a warning instead of crashing', async (_name, content) => {
    const path = join(dir, 'diagnostics_history.json');
    await writeFile(path, JSON.stringify(content));
    const { store, log } = run(path);
    await store.load();
    const files = await readdir(dir);
    expect(files.filter((f) => f.includes('.corrupt-'))).toHaveLength(1);
    const warning = log.records().find((r) => r.level === 40);
    expect(warning?.msg).toMatch(/unexpected shape; the file was moved aside/);
    await store.close();
  });

  it('saves once per debounce window however many changes arrive', async () => {
    const path = join(dir, 'diagnostics_history.json');
    const { store, collector, clock } = run(path);
    await store.load();
    for (let i = 0; i < 20; i++) {
      collector.recordConnectionDrop({
        error: hangup,
        reconnectAttempt: i,
        activeSubscriptions: 0,
        queuedCommands: 0,
      });
      clock.advance(100);
    }
    expect(store.saves).toBe(0);
    clock.advance(3_100);
    await vi.waitFor(() => expect(store.saves).toBe(1));
    const saved = JSON.parse(await readFile(path, 'utf8')) as { snapshot: { drops: unknown[] } };
    expect(saved.snapshot.drops).toHaveLength(20);
    expect(clock.pendingTimers()).toBe(0);
    await store.close();
  });

  it('coalesces concurrent saves into at most one extra write that holds the latest state', async () => {
    const path = join(dir, 'diagnostics_history.json');
    const { store, collector } = run(path);
    const snapshots = vi.spyOn(collector, 'snapshot');
    const saves = [store.saveNow()];
    for (let i = 0; i < 10; i++) {
      collector.recordCommandRefused(`reason ${i}`);
      saves.push(store.saveNow());
    }
    await Promise.all(saves);
    expect(snapshots).toHaveBeenCalledTimes(2);
    expect(store.saves).toBe(2);
    const saved = JSON.parse(await readFile(path, 'utf8')) as {
      snapshot: { commandsRefusedByReason: object };
    };
    expect(Object.keys(saved.snapshot.commandsRefusedByReason)).toHaveLength(10);
    await store.close();
  });

  it('logs a failed save and keeps running', async () => {
    const blocker = join(dir, 'not-a-directory');
    await writeFile(blocker, 'x');
    const { store, log } = run(join(blocker, 'diagnostics_history.json'));
    await store.load();
    await expect(store.saveNow()).resolves.toBeUndefined();
    expect(store.saveFailures).toBe(1);
    expect(log.text()).toContain('could not save the diagnostics records');
    await store.close();
  });
});
