// Runs every benchmark in its own process (with --expose-gc) and prints their figures.
// `npm run bench` builds first; exits non-zero when any benchmark misses its target.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv[2];
const benches = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.mjs'))
  .filter((name) => !only || name.startsWith(only))
  .sort();
let failed = 0;
for (const name of benches) {
  console.log(`\n== ${name}`);
  const result = spawnSync(process.execPath, ['--expose-gc', `${dir}${name}`], {
    stdio: 'inherit',
    env: process.env,
  });
  if (result.status !== 0) {
    failed++;
    console.log(`!! ${name} missed its target (exit ${result.status})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
