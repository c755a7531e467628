import { it, vi } from 'vitest';
import { runSeed } from './run.js';
vi.mock('../../src/navien/crtConnection.js', async () => {
  const mock = await import('./mockCrt.js');
  return { CrtConnection: mock.MockCrtConnection, regionOf: mock.regionOf };
});
vi.mock('../../src/util/jsonStore.js', async () => {
  const mem = await import('./memStore.js');
  return { JsonStore: mem.MemJsonStore };
});
it('prof', async () => {
  const { Session } = await import('node:inspector/promises');
  const s = new Session(); s.connect(); await s.post('Profiler.enable'); await s.post('Profiler.start');
  let traces = 0, conns = 0, steps = 0, fired = 0; const t0 = performance.now();
  for (let seed = 1; seed <= 40; seed++) { const r = await runSeed(seed); traces += r.trace.length; fired += r.firedTimers; conns += r.connections; steps += r.steps; }
  console.log('ms/seed', (performance.now() - t0) / 40, 'trace', traces / 40, 'conns', conns / 40, 'steps', steps / 40, 'fired', fired / 40);
  const { profile } = await s.post('Profiler.stop');
  const self = new Map<string, number>();
  const dt = profile.timeDeltas ?? []; const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  (profile.samples ?? []).forEach((id, i) => { const n = byId.get(id)!; const k = n.callFrame.url.includes('node_modules') ? n.callFrame.url.split('node_modules/')[1]!.split('/')[0]! : n.callFrame.url.split('/').slice(-2).join('/'); self.set(k, (self.get(k) ?? 0) + (dt[i] ?? 0)); });
  console.log([...self].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => `${(v / 1000).toFixed(0)}ms ${k}`).join('\n'));
}, 120000);
