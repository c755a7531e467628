#!/usr/bin/env node
// Mutation check of the diagnostics thresholds: moves every numeric constant exported by
// src/diagnostics/thresholds.ts by −30 % and by +30 % (counts to the nearest other whole number),
// one at a time, runs the diagnostics tests against each mutant, and prints which test caught it.
// A mutant no test catches is a threshold no test pins: the script then exits 1.
//
//   node scripts/mutate-thresholds.mjs [test files…]   (default: test/diagnostics)
//
// The file is restored after every run, also on Ctrl-C.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = join(process.cwd(), 'src', 'diagnostics', 'thresholds.ts');
const tests = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['test/diagnostics'];
const original = readFileSync(FILE, 'utf8');
const restore = () => writeFileSync(FILE, original);
process.on('SIGINT', () => {
  restore();
  process.exit(130);
});

const CONSTANT = /^export const ([A-Z0-9_]+) = ([0-9_.]+);$/gm;
const constants = [...original.matchAll(CONSTANT)].map((m) => ({
  name: m[1],
  literal: m[2],
  value: Number(m[2].replaceAll('_', '')),
  index: m.index,
  length: m[0].length,
}));

function mutants(value) {
  if (Number.isInteger(value) && value < 1000) {
    const down = Math.round(value * 0.7);
    const up = Math.round(value * 1.3);
    return [down === value ? value - 1 : down, up === value ? value + 1 : up];
  }
  return [value * 0.7, value * 1.3].map((v) => Number(v.toPrecision(6)));
}

function run(source) {
  writeFileSync(FILE, source);
  const result = spawnSync('npx', ['vitest', 'run', ...tests, '--reporter=json', '--bail=0'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const start = result.stdout.indexOf('{');
  let failed = [];
  try {
    const report = JSON.parse(result.stdout.slice(start));
    for (const file of report.testResults) {
      for (const test of file.assertionResults) {
        if (test.status === 'failed')
          failed.push(`${file.name.replace(`${process.cwd()}/`, '')} › ${test.title}`);
      }
    }
  } catch {
    failed = result.status === 0 ? [] : ['(the test run failed to start or report)'];
  }
  return failed;
}

console.log(
  `Mutating ${constants.length} thresholds in src/diagnostics/thresholds.ts; tests: ${tests.join(' ')}`,
);
const baseline = run(original);
if (baseline.length > 0) {
  restore();
  console.error(`The tests fail without any mutation:\n  ${baseline.join('\n  ')}`);
  process.exit(2);
}
const rows = [];
try {
  for (const c of constants) {
    for (const mutated of mutants(c.value)) {
      const line = `export const ${c.name} = ${mutated};`;
      const source = original.slice(0, c.index) + line + original.slice(c.index + c.length);
      const failed = run(source);
      rows.push({ name: c.name, from: c.value, to: mutated, caught: failed.length, by: failed[0] ?? '' });
      const mark = failed.length > 0 ? 'caught' : 'SURVIVED';
      console.log(
        `${c.name.padEnd(26)} ${String(c.value).padStart(8)} → ${String(mutated).padEnd(9)} ${mark.padEnd(8)} ${failed.length} failing  ${failed[0] ?? ''}`,
      );
    }
  }
} finally {
  restore();
}
console.log('');
console.log('| threshold | value | mutant | failing tests | first test that caught it |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.from} | ${r.to} | ${r.caught} | ${r.caught > 0 ? r.by.replaceAll('|', '\\|') : '**survived**'} |`,
  );
}
const survived = rows.filter((r) => r.caught === 0);
console.log(`\n${rows.length - survived.length} of ${rows.length} mutants caught.`);
process.exit(survived.length > 0 ? 1 : 0);
