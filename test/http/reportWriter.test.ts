import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import { analyzeDrops } from '../../src/diagnostics/patterns.js';
import { buildReport, diagnosticsReportSchema } from '../../src/diagnostics/report.js';
import { isoUtc } from '../../src/diagnostics/types.js';
import { errorBodySchema } from '../../src/http/errors.js';
import { healthBodySchema } from '../../src/http/health.js';
import { ReportWriteError, ReportWriter } from '../../src/http/reportWriter.js';
import { ManualClock } from '../../src/util/clock.js';
import { Redactor } from '../../src/util/redact.js';
import { captureLog } from '../helpers/logCapture.js';
import { bridgeInfo, plantHistory, startHarness, waitFor } from './harness.js';

const FILE = 'nwp500_diagnostics.json';

function source() {
  const clock = new ManualClock(Date.UTC(2026, 0, 5));
  const collector = new DiagnosticsCollector({ maxEventsRetained: 200, clock });
  plantHistory(collector, clock);
  const redactor = new Redactor();
  let calls = 0;
  const report = () => {
    calls++;
    const built = buildReport({
      collector,
      analysis: analyzeDrops(collector.analysisInput({ keepAliveSecs: 60 })),
      bridge: bridgeInfo(clock, collector),
      devices: [],
      redactor,
    });
    // Marks which call produced a file, so tests can tell writes apart.
    return { ...built, bridge: { ...built.bridge, uptime_seconds: calls } };
  };
  const start = clock.now();
  /** The report timestamp `ms` after the planted history ends. */
  const at = (ms: number) => isoUtc(start + ms);
  return { clock, collector, redactor, report, calls: () => calls, at };
}

async function readReport(path: string) {
  return diagnosticsReportSchema.parse(JSON.parse(await readFile(path, 'utf8')));
}

function warnings(log: ReturnType<typeof captureLog>, text: string) {
  return log.records().filter((r) => r.level === 40 && String(r.msg).includes(text));
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nwp500-writer-'));
});
afterEach(async () => {
  await chmod(dir, 0o755).catch(() => undefined);
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('ReportWriter schedule', () => {
  it('writes every diagnostics_export_interval seconds on the clock it is given', async () => {
    const s = source();
    const log = captureLog();
    const writer = new ReportWriter({
      dir,
      fileName: FILE,
      intervalSeconds: 300,
      report: s.report,
      redactor: s.redactor,
      clock: s.clock,
      log: log.logger,
    });
    writer.start();
    expect(s.clock.pendingTimers()).toBe(1);
    s.clock.advance(299_000);
    expect(s.calls()).toBe(0);
    s.clock.advance(1_000);
    await waitFor(() => writer.status().state === 'ok');
    const first = await readReport(writer.path);
    expect(first.timestamp).toBe(s.at(300_000));
    await waitFor(() => s.clock.pendingTimers() === 1);
    s.clock.advance(300_000);
    await waitFor(() => s.calls() === 2 && writer.status().last_written_at === s.at(600_000));
    expect((await readReport(writer.path)).timestamp).toBe(s.at(600_000));
    await writer.close();
    expect(s.clock.pendingTimers()).toBe(0);
  });

  it('with interval 0 writes only on demand and once more at shutdown', async () => {
    const s = source();
    const writer = new ReportWriter({
      dir,
      fileName: FILE,
      intervalSeconds: 0,
      report: s.report,
      redactor: s.redactor,
      clock: s.clock,
      log: captureLog().logger,
    });
    writer.start();
    expect(s.clock.pendingTimers()).toBe(0);
    s.clock.advance(86_400_000);
    expect(s.calls()).toBe(0);
    const result = await writer.writeNow();
    expect(result).toEqual({
      path: join(dir, FILE),
      bytes: Buffer.byteLength(await readFile(join(dir, FILE), 'utf8')),
      written_at: s.at(86_400_000),
    });
    s.clock.advance(60_000);
    await writer.close();
    await writer.close();
    expect(s.calls()).toBe(2);
    expect((await readReport(writer.path)).timestamp).toBe(s.at(86_460_000));
  });

  it('close() clears its timer and writes a last report', async () => {
    const s = source();
    const writer = new ReportWriter({
      dir,
      fileName: FILE,
      intervalSeconds: 600,
      report: s.report,
      redactor: s.redactor,
      clock: s.clock,
      log: captureLog().logger,
    });
    writer.start();
    expect(s.clock.pendingTimers()).toBe(1);
    s.clock.advance(123_000);
    await writer.close();
    expect(s.clock.pendingTimers()).toBe(0);
    expect((await readReport(writer.path)).timestamp).toBe(s.at(123_000));
    s.clock.advance(3_600_000);
    expect(s.calls()).toBe(1);
  });

  it('serialises overlapping writes so the newest report lands last', async () => {
    const s = source();
    const writer = new ReportWriter({
      dir,
      fileName: FILE,
      intervalSeconds: 0,
      report: s.report,
      redactor: s.redactor,
      clock: s.clock,
      log: captureLog().logger,
    });
    const results = await Promise.all([writer.writeNow(), writer.writeNow(), writer.writeNow()]);
    expect(results.map((r) => r.path)).toEqual([writer.path, writer.path, writer.path]);
    expect(s.calls()).toBe(3);
    expect((await readReport(writer.path)).bridge.uptime_seconds).toBe(3);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('ReportWriter when the disk refuses', () => {
  it('reports a missing directory, logs it once, keeps serving, and logs the recovery', async () => {
    const missing = join(dir, 'homeassistant');
    const h = await startHarness({ dir: missing });
    try {
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${h.url}/api/diagnostics/export`, { method: 'POST' });
        expect(response.status).toBe(500);
        const body = errorBodySchema.parse(await response.json());
        expect(body).toMatchObject({ error: 'report_write_failed', code: 'ENOENT' });
        expect(body.message).toContain('does not exist');
      }
      // The writer does not create the mount point: a missing mapping must not look like success.
      await expect(readdir(missing)).rejects.toMatchObject({ code: 'ENOENT' });
      const health = healthBodySchema.parse(await (await fetch(`${h.url}/healthz`)).json());
      expect(health.status).toBe('ok');
      expect(health.report_file).toMatchObject({ state: 'failing', error: { code: 'ENOENT' } });
      expect(health.report_file.failing_since).not.toBeNull();
      expect(warnings(h.log, 'cannot write the diagnostics report')).toHaveLength(1);
      expect((await fetch(`${h.url}/api/diagnostics`)).status).toBe(200);

      await mkdir(missing);
      const ok = await fetch(`${h.url}/api/diagnostics/export`, { method: 'POST' });
      expect(ok.status).toBe(200);
      const recovered = healthBodySchema.parse(await (await fetch(`${h.url}/healthz`)).json());
      expect(recovered.report_file).toMatchObject({ state: 'ok', error: null, failing_since: null });
      const infos = h.log.records().filter((r) => r.level === 30 && String(r.msg).includes('writable again'));
      expect(infos).toHaveLength(1);
      await fetch(`${h.url}/api/diagnostics/export`, { method: 'POST' });
      expect(h.log.records().filter((r) => String(r.msg).includes('writable again'))).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  it('reports a directory it may not write into, and keeps its schedule', async () => {
    // Root ignores permission bits, so as root a kernel directory that refuses new files stands in.
    const root = process.getuid?.() === 0;
    const target = root ? '/sys/kernel' : dir;
    if (!root) await chmod(dir, 0o555);
    const s = source();
    const log = captureLog();
    const writer = new ReportWriter({
      dir: target,
      fileName: FILE,
      intervalSeconds: 60,
      report: s.report,
      redactor: s.redactor,
      clock: s.clock,
      log: log.logger,
    });
    writer.start();
    await expect(writer.writeNow()).rejects.toBeInstanceOf(ReportWriteError);
    const status = writer.status();
    expect(status.state).toBe('failing');
    expect(['EACCES', 'EPERM', 'EROFS']).toContain(status.error?.code);
    s.clock.advance(60_000);
    await waitFor(() => s.calls() === 2 && s.clock.pendingTimers() === 1);
    expect(warnings(log, 'cannot write the diagnostics report')).toHaveLength(1);
    await writer.close();
    expect(s.clock.pendingTimers()).toBe(0);
    expect(warnings(log, 'cannot write the diagnostics report')).toHaveLength(1);
  });

  it('reports a path that is a file, not a directory', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    const s = source();
    const writer = new ReportWriter({
      dir: file,
      fileName: FILE,
      intervalSeconds: 0,
      report: s.report,
      redactor: s.redactor,
      clock: s.clock,
      log: captureLog().logger,
    });
    await expect(writer.writeNow()).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(writer.status().error?.message).toContain('is not a directory');
  });

  it('answers 507 when the disk is full, and logs again when the reason changes', async () => {
    let full = true;
    const h = await startHarness({
      dir,
      beforeRename: () => {
        if (full) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      },
    });
    try {
      const response = await fetch(`${h.url}/api/diagnostics/export`, { method: 'POST' });
      expect(response.status).toBe(507);
      expect(errorBodySchema.parse(await response.json())).toMatchObject({ code: 'ENOSPC' });
      expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      await chmod(dir, 0o755);
      await rm(dir, { recursive: true });
      full = false;
      expect((await fetch(`${h.url}/api/diagnostics/export`, { method: 'POST' })).status).toBe(500);
      expect(warnings(h.log, 'cannot write the diagnostics report').map((r) => r.code)).toEqual([
        'ENOSPC',
        'ENOENT',
      ]);
      await mkdir(dir);
    } finally {
      await h.close();
    }
  });
});

/** atomicFile.ts as plain JavaScript, so a child `node` can run the very same code without a build. */
async function compiledAtomicFile(into: string): Promise<string> {
  const source = await readFile(join(process.cwd(), 'src/util/atomicFile.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const path = join(into, 'atomicFile.mjs');
  await writeFile(path, outputText);
  return path;
}

function runChild(
  args: string[],
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, output }));
  });
}

describe('a crash in the middle of a write', () => {
  it('leaves the previous report intact, and the next write cleans up and succeeds', async () => {
    const reportDir = join(dir, 'config');
    await mkdir(reportDir);
    const s = source();
    const writer = new ReportWriter({
      dir: reportDir,
      fileName: FILE,
      intervalSeconds: 0,
      report: s.report,
      redactor: s.redactor,
      clock: s.clock,
      log: captureLog().logger,
    });
    await writer.writeNow();
    const before = await readFile(writer.path, 'utf8');

    const modulePath = await compiledAtomicFile(dir);
    const child = await runChild([
      join(process.cwd(), 'test/http/fixtures/crashWriter.mjs'),
      modulePath,
      writer.path,
      JSON.stringify({ half: 'written' }),
    ]);
    expect(child.signal, child.output).toBe('SIGKILL');

    expect(await readFile(writer.path, 'utf8')).toBe(before);
    diagnosticsReportSchema.parse(JSON.parse(before));
    const leftovers = (await readdir(reportDir)).filter((name) => name.endsWith('.tmp'));
    expect(leftovers).toHaveLength(1);
    expect(leftovers[0]).toMatch(/^\.nwp500_diagnostics\.json\.\d+\.\d+\.tmp$/);

    // A fresh writer (the restarted bridge) writes over it and sweeps the leftover away.
    s.clock.advance(5_000);
    const restarted = new ReportWriter({
      dir: reportDir,
      fileName: FILE,
      intervalSeconds: 0,
      report: s.report,
      redactor: s.redactor,
      clock: s.clock,
      log: captureLog().logger,
    });
    await restarted.writeNow();
    expect((await readReport(restarted.path)).timestamp).toBe(s.at(5_000));
    expect(await readdir(reportDir)).toEqual([FILE]);
  });
});
