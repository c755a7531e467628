// Preloaded into both bench subjects (`node --import bench/probe.js ...`) so they are measured
// the same way: over the IPC channel the bench opens, it answers `{ probe: id, gc }` with the
// process's memory, V8 heap and CPU time (all threads, aws-crt's native ones included). With
// `gc` it first runs a full collection, so heap figures compare settled heaps, not garbage.
// Nothing runs unless asked; the channel is unref'd so it never keeps a subject alive, and when
// it closes (the bench ended or died) the subject is sent SIGTERM.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect;
function fullGc() {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc');
  }
  collect();
}

if (process.send) {
  process.on('message', (message) => {
    if (!message || typeof message !== 'object' || !('probe' in message)) return;
    if (message.gc) fullGc();
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    process.send?.({
      probe: message.probe,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      heapTotal: memory.heapTotal,
      external: memory.external,
      arrayBuffers: memory.arrayBuffers,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      // The node flags the subject really runs with (the run script's, as the bench read them).
      execArgv: process.execArgv,
    });
  });
  process.channel?.unref();
  // A bench that dies (or is interrupted) takes its subjects with it.
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
