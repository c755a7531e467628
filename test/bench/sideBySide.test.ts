// Smoke test of `npm run bench`: a seconds-long run of the side-by-side harness proves that it
// measures both subjects (the bare forwarder and the built bridge started from the s6 run script).
// It asserts that figures exist, never how good they are: benchmarks do not gate CI.

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- the bench is plain JavaScript, without type declarations
import { readRunScript } from '../../bench/lib/subjects.js';
// @ts-expect-error -- the bench is plain JavaScript, without type declarations
import { parseArgs } from '../../bench/side-by-side.js';
// @ts-expect-error -- the bench is plain JavaScript, without type declarations
import { soakPlan } from '../../bench/soak.js';

interface RunScript {
  path: string;
  nodeFlags: string[];
  args: string[];
  env: Record<string, string>;
}
const readScript = readRunScript as (dir: string) => Promise<RunScript>;
const parse = parseArgs as (argv: string[]) => {
  compares: Array<{ name: string; dir: string }>;
  variants: Array<{ name: string; flags: string[]; env: Record<string, string> }>;
};

const plan = soakPlan as (
  minutes: number,
  maxRate: number,
) => { rate_per_heater: number; rate_capped: boolean; planned_compressed_hours: number };

/** A bridge tree of its own run script whose dist is this checkout's build (a symlink). */
async function flaggedTree(nodeFlags: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nwp500-compare-tree-'));
  const script = join(dir, 'rootfs/etc/s6-overlay/s6-rc.d/nwp500-bridge');
  await mkdir(script, { recursive: true });
  await writeFile(
    join(script, 'run'),
    `#!/command/with-contenv sh\nexec node ${nodeFlags} /app/dist/cli.js run\n`,
  );
  await symlink(join(process.cwd(), 'dist'), join(dir, 'dist'));
  return dir;
}

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bench/run.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the side-by-side bench', () => {
  it('starts the bridge with the node flags and variables of the s6 run script', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nwp500-runscript-'));
    try {
      const script = join(dir, 'rootfs/etc/s6-overlay/s6-rc.d/nwp500-bridge');
      await import('node:fs/promises').then((fs) => fs.mkdir(script, { recursive: true }));
      await writeFile(
        join(script, 'run'),
        [
          '#!/command/with-contenv sh',
          'cd /app || exit 1',
          'export MALLOC_ARENA_MAX=2',
          'exec node --max-semi-space-size=2 --max-old-space-size=96 /app/dist/cli.js run',
          '',
        ].join('\n'),
      );
      const parsed = await readScript(dir);
      expect(parsed.nodeFlags).toEqual(['--max-semi-space-size=2', '--max-old-space-size=96']);
      expect(parsed.env).toEqual({ MALLOC_ARENA_MAX: '2' });
      expect(parsed.args).toEqual(['run']);
      // The add-on's own script parses too (the bench measures what the add-on runs).
      const own = await readScript(process.cwd());
      expect(own.args).toEqual(['run']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names a compared tree by NAME=DIR or by its directory, and keeps --variant', () => {
    const options = parse([
      '--compare-dir',
      'before=/tmp/some-tree',
      '--compare-dir',
      '/tmp/other-tree',
      '--variant',
      'semi1=--max-semi-space-size=1,MALLOC_ARENA_MAX=2',
    ]);
    expect(options.compares).toEqual([
      { name: 'before', dir: '/tmp/some-tree' },
      { name: 'other-tree', dir: '/tmp/other-tree' },
    ]);
    expect(options.variants).toEqual([
      { name: 'semi1', flags: ['--max-semi-space-size=1'], env: { MALLOC_ARENA_MAX: '2' } },
    ]);
    expect(() => parse(['--compare-dir', 'bridge=/tmp/x'])).toThrow(/taken/);
    expect(() => parse(['--compare-dir', '/tmp/a/x', '--compare-dir', '/tmp/b/x'])).toThrow(/taken/);
  });

  it('measures both subjects, a compared tree (with its own run script flags) and the JSON floor in a quick run, and names its ratios', async () => {
    // A flag the add-on's own run script does not set, so the two trees are told apart.
    const tree = await flaggedTree('--max-semi-space-size=3');
    const saved = join(tree, 'result.json');
    let result: Record<string, unknown>;
    let rendered: string;
    try {
      const { code, stdout, stderr } = await runBench([
        '--quick',
        '--json',
        '--compare-dir',
        `flagged=${tree}`,
        '--json-floor',
      ]);
      expect(code, stderr).toBe(0);
      result = JSON.parse(stdout) as Record<string, unknown>;
      await writeFile(saved, stdout);
      const render = await runBench(['--render', saved]);
      expect(render.code, render.stderr).toBe(0);
      rendered = render.stdout;
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
    const compare = (result.compare as Record<string, Record<string, unknown>>).flagged as {
      dir: string;
      node_flags: string[];
      command: string;
      subject_runs: number;
      figures: Record<string, number | null>;
      ratio_to_baseline: Record<string, number | null>;
      bridge_ratio_to_this: Record<string, number | null>;
    };
    expect(compare.dir).toBe(tree);
    expect(compare.node_flags).toEqual(['--max-semi-space-size=3']);
    expect(compare.command).toContain('--max-semi-space-size=3');
    expect(compare.subject_runs).toBe(1);
    for (const key of [
      'throughput_msg_s',
      'startup_ms',
      'rss_start_mb',
      'latency_p99_ms',
      'hangup_recovery_ms',
    ])
      expect(compare.figures[key], key).toBeGreaterThan(0);
    for (const ratio of [
      'rss_start_ratio',
      'throughput_ratio',
      'latency_p99_ratio',
      'cpu_per_message_ratio',
    ]) {
      expect(typeof compare.ratio_to_baseline[ratio], ratio).toBe('number');
      expect(typeof compare.bridge_ratio_to_this[ratio], ratio).toBe('number');
    }
    // Each tree ran with its own flags, as its process saw them.
    const runs = result.runs as Array<{ subject: string; exec_argv: string[] }>;
    expect(runs.map((r) => r.subject).sort()).toEqual([
      'baseline',
      'bridge',
      'compare:flagged',
      'compare:floor',
    ]);
    // The floor is the forwarder in its JSON mode: it parsed and re-serialised every status, and
    // none was lost on the way (the bench found each one's sequence in what it published).
    const floor = (result.compare as Record<string, Record<string, unknown>>).floor as {
      command: string;
      figures: Record<string, number | null>;
      bridge_ratio_to_this: Record<string, number | null>;
    };
    // As much JSON per status as the bridge under test writes: its state, measured from its build.
    const bytes = Number(/\(json, (\d+) B per status\)/.exec(String(floor.command))?.[1]);
    expect(bytes).toBeGreaterThan(2_000);
    expect(bytes).toBeLessThan(8_000);
    expect(floor.figures.throughput_msg_s).toBeGreaterThan(0);
    expect(typeof floor.bridge_ratio_to_this.cpu_per_message_ratio).toBe('number');
    const floorRun = runs.find((r) => r.subject === 'compare:floor') as unknown as Record<string, number>;
    expect(floorRun.saturation_received).toBe(floorRun.saturation_sent);
    expect(floorRun.saturation_coalesced_or_lost).toBe(0);
    expect(runs.find((r) => r.subject === 'compare:flagged')?.exec_argv).toContain('--max-semi-space-size=3');
    expect(runs.find((r) => r.subject === 'bridge')?.exec_argv).not.toContain('--max-semi-space-size=3');
    // The saved output renders with the compared tree's columns.
    const header = rendered.split('\n').find((line) => line.startsWith('| figure'));
    expect(header?.split('|').map((cell) => cell.trim())).toEqual([
      '',
      'figure',
      'baseline',
      'flagged',
      'flagged/baseline',
      'floor',
      'floor/baseline',
      'bridge',
      'bridge/baseline',
      'bridge/flagged',
      'bridge/floor',
      'target',
      '',
    ]);
    expect(result.subject_runs_baseline).toBe(1);
    expect(result.subject_runs_bridge).toBe(1);
    for (const subject of ['baseline', 'bridge']) {
      expect(result[`throughput_msg_s_${subject}`]).toBeGreaterThan(0);
      expect(result[`startup_ms_${subject}`]).toBeGreaterThan(0);
      expect(result[`rss_start_mb_${subject}`]).toBeGreaterThan(0);
      expect(result[`heap_start_mb_${subject}`]).toBeGreaterThan(0);
      expect(result[`latency_p99_ms_${subject}`]).toBeGreaterThan(0);
      expect(result[`hangup_recovery_ms_${subject}`]).toBeGreaterThan(0);
      expect(result[`broker_restart_reassert_ms_${subject}`]).toBeGreaterThan(0);
      // A live process spends some CPU over a second of idling (its timers, the probe's answer).
      expect(result[`cpu_ms_per_s_idle_${subject}`]).toBeGreaterThan(0);
    }
    for (const ratio of [
      'rss_start_ratio',
      'throughput_ratio',
      'latency_p99_ratio',
      'cpu_per_message_ratio',
      'cpu_idle_ratio',
    ]) {
      expect(typeof result[ratio], ratio).toBe('number');
    }
  }, 180_000);

  it('compresses a soak only as far as its rate cap allows, and says how far', () => {
    // A day in 1 440 minutes: one status per heater per second, under any sane cap.
    expect(plan(1440, 400)).toMatchObject({
      rate_per_heater: 1,
      rate_capped: false,
      planned_compressed_hours: 24,
    });
    // A day in 1 minute would be 1 440 statuses/s per heater: capped, so it covers 200 × 60 s.
    expect(plan(1, 400)).toMatchObject({ rate_per_heater: 200, rate_capped: true });
    expect(plan(1, 400).planned_compressed_hours).toBeCloseTo((200 * 60) / 3600, 5);
  });

  it('runs a seconds-long soak of both subjects and reports what it achieved', async () => {
    const { code, stdout, stderr } = await runBench(['--quick', '--soak-minutes', '0.1', '--json']);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result.bench).toBe('soak');
    for (const subject of ['baseline', 'bridge']) {
      const r = result[subject] as Record<string, number | unknown[]>;
      expect(r.statuses_sent, subject).toBeGreaterThan(0);
      expect(r.statuses_received, subject).toBeGreaterThan(0);
      expect(r.rate_per_heater_achieved, subject).toBeGreaterThan(0);
      expect(r.compressed_hours_covered, subject).toBeGreaterThan(0);
      expect((r.samples as unknown[]).length, subject).toBeGreaterThanOrEqual(3);
      expect(typeof r.rss_slope_last_half_mb_per_hour, subject).toBe('number');
    }
    expect(typeof result.rss_slope_mb_per_hour_bridge).toBe('number');
  }, 120_000);
});
