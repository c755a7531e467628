// Smoke test of `npm run bench`: a seconds-long run of the side-by-side harness proves that it
// measures both subjects (the bare forwarder and the built bridge started from the s6 run script).
// It asserts that figures exist, never how good they are: benchmarks do not gate CI.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- the bench is plain JavaScript, without type declarations
import { readRunScript } from '../../bench/lib/subjects.js';

interface RunScript {
  path: string;
  nodeFlags: string[];
  args: string[];
  env: Record<string, string>;
}
const readScript = readRunScript as (dir: string) => Promise<RunScript>;

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

  it('measures both subjects in a quick run and names its ratios', async () => {
    const { code, stdout, stderr } = await runBench(['--quick', '--json']);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as Record<string, unknown>;
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
    }
    for (const ratio of [
      'rss_start_ratio',
      'throughput_ratio',
      'latency_p99_ratio',
      'cpu_per_message_ratio',
    ]) {
      expect(typeof result[ratio], ratio).toBe('number');
    }
  }, 120_000);
});
