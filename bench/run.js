// `npm run bench` (builds first): the bridge side by side with a bare forwarder (side-by-side.js),
// a table by default, `--json` for machines. `--soak-minutes N`: the memory soak (soak.js).
// `--only NAME`: one of the older focused benches (link, redact, diagnostics), each in its own
// process with --expose-gc; `--only all` runs all three. `--render FILE`: the table of a saved
// `--json` output. Figures never fail the run: a bench exits
// non-zero only when it could not measure.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const argv = process.argv.slice(2);
const onlyAt = argv.indexOf('--only');

if (onlyAt >= 0) {
  const only = argv[onlyAt + 1] ?? 'all';
  const benches = readdirSync(dir)
    .filter((name) => name.endsWith('.bench.mjs'))
    .filter((name) => only === 'all' || name.startsWith(only))
    .sort();
  if (benches.length === 0) {
    console.error(
      `no bench named ${only} (have: ${readdirSync(dir)
        .filter((n) => n.endsWith('.bench.mjs'))
        .join(', ')})`,
    );
    process.exit(2);
  }
  for (const name of benches) {
    console.log(`\n== ${name}`);
    const result = spawnSync(process.execPath, ['--expose-gc', `${dir}${name}`], {
      stdio: 'inherit',
      env: process.env,
    });
    if (result.status !== 0)
      console.log(`!! ${name} reported a figure beyond its bound (exit ${result.status})`);
  }
} else {
  const { parseArgs, runSideBySide, table } = await import('./side-by-side.js');
  let options;
  try {
    options = parseArgs(argv.filter((arg, i) => arg !== '--render' && argv[i - 1] !== '--render'));
  } catch (error) {
    console.error(`bench: ${error.message}`);
    process.exit(2);
  }
  const renderAt = argv.indexOf('--render');
  if (renderAt >= 0) {
    // The table of a saved `--json` output (one run, both views).
    const { readFileSync } = await import('node:fs');
    const saved = JSON.parse(readFileSync(argv[renderAt + 1], 'utf8'));
    const { soakTable } = await import('./soak.js');
    console.log(saved.bench === 'soak' ? soakTable(saved) : table(saved));
    process.exit(0);
  }
  if (options.soakMinutes > 0) {
    const { runSoak, soakTable } = await import('./soak.js');
    const result = await runSoak(options);
    console.log(options.json ? JSON.stringify(result, null, 2) : soakTable(result));
  } else {
    const result = await runSideBySide(options);
    console.log(options.json ? JSON.stringify(result, null, 2) : table(result));
  }
  // aws-crt's and the simulator's handles may linger a moment; the figures are out.
  process.exit(0);
}
