// The rules of docs/ARCHITECTURE.md, checked on the source: the cloud side knows nothing of Home
// Assistant, the device model is pure data, only main.ts composes, nothing runs at import; and the
// contracts it lists (options, topics, routes) are the ones the code and DOCS.md have.

import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTION_KEYS } from '../../src/config/options.js';

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith('.ts')) files.push(path);
  }
  return files;
}

/** Every module specifier a file imports or re-exports, with relative ones resolved to src paths. */
async function imports(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(
    /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(['"]([^'"]+)['"]\)/g,
  )) {
    const specifier = match[1] ?? match[2];
    if (!specifier) continue;
    found.push(
      specifier.startsWith('.')
        ? normalize(join(dirname(file), specifier)).replace(/\.js$/, '.ts')
        : specifier,
    );
  }
  return found;
}

const ARCHITECTURE = await readFile('docs/ARCHITECTURE.md', 'utf8');
const DOCS = await readFile('DOCS.md', 'utf8');

describe('the rules between modules', () => {
  it('keeps the cloud side (src/navien) free of Home Assistant and HTTP', async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles('src/navien')) {
      for (const target of await imports(file)) {
        if (target.startsWith('src/ha/') || target.startsWith('src/http/'))
          offenders.push(`${file} → ${target}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps the device model (src/device) pure data: only itself, zod and hashing, no clock, no timers', async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles('src/device')) {
      for (const target of await imports(file)) {
        // node:crypto only hashes here (the schedule hash): deterministic, no I/O.
        const allowed = target.startsWith('src/device/') || target === 'zod' || target === 'node:crypto';
        if (!allowed) offenders.push(`${file} → ${target}`);
      }
      const text = await readFile(file, 'utf8');
      for (const impure of [
        'setTimeout',
        'setInterval',
        'Date.now',
        'new Date',
        'process.',
        'Math.random',
        'randomBytes',
        'randomUUID',
      ]) {
        if (text.includes(impure)) offenders.push(`${file} uses ${impure}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('constructs the running parts only in src/main.ts', async () => {
    const parts = [
      'new NavienAuth(',
      'new CloudLink(',
      'new CommandQueue(',
      'new NavienCloud(',
      'new LocalBroker(',
      'new HaBridge(',
      'new DiagnosticsCollector(',
      'new DiagnosticsStore(',
      'new SystemWatch(',
      'new ReportWriter(',
      'await buildServer(',
    ];
    const where = new Map<string, string[]>();
    for (const file of await sourceFiles('src')) {
      if (file.startsWith('src/sim/')) continue;
      const text = await readFile(file, 'utf8');
      for (const part of parts) if (text.includes(part)) where.set(part, [...(where.get(part) ?? []), file]);
    }
    for (const part of parts) expect(where.get(part), part).toEqual(['src/main.ts']);
  });

  it('starts nothing when the bridge is imported (no timer, no socket until startBridge)', () => {
    const probe = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "await import('./dist/main.js'); await new Promise((r) => setImmediate(r)); console.log(JSON.stringify(process.getActiveResourcesInfo()));",
      ],
      // Exiting by itself is the proof: a timer or a socket would keep the process alive.
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(probe.status, probe.stderr).toBe(0);
    const active = JSON.parse(probe.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
    // Requests (…Req) are file operations finishing; handles (timers, sockets, servers) would be ours.
    expect(active.filter((kind) => !kind.endsWith('Req') && !['TTYWrap', 'PipeWrap'].includes(kind))).toEqual(
      [],
    );
  });
});

describe('the contracts in docs/ARCHITECTURE.md', () => {
  it('lists every option of the schema, and DOCS.md documents each', () => {
    const section = ARCHITECTURE.slice(
      ARCHITECTURE.indexOf('**Options**'),
      ARCHITECTURE.indexOf('**MQTT topics**'),
    );
    const listed = [...section.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).filter((k) => k !== 'schema');
    expect(listed.sort()).toEqual([...OPTION_KEYS].sort());
    for (const key of OPTION_KEYS) expect(DOCS, key).toContain(`\`${key}\``);
  });

  it('lists the routes the HTTP server registers, and DOCS.md documents the same', async () => {
    const registered: string[] = [];
    for (const file of await sourceFiles('src/http/routes')) {
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/app\.(get|post|put|delete)(?:<[^(]*?>)?\(\s*'([^']+)'/g)) {
        registered.push(`${(m[1] as string).toUpperCase()} ${m[2]}`);
      }
    }
    const routesIn = (text: string) =>
      [...text.matchAll(/^\| `((?:GET|POST|PUT|DELETE) \/[^`\s]*)`/gm)].map((m) => m[1]);
    expect(routesIn(ARCHITECTURE).sort()).toEqual(registered.sort());
    expect(routesIn(DOCS).sort()).toEqual(registered.sort());
  });

  it('lists the MQTT topics DOCS.md documents', () => {
    const topicsIn = (text: string) =>
      new Set([...text.matchAll(/^\| `(<(?:b|prefix)>\/[^`]+)`/gm)].map((m) => m[1] as string));
    const documented = topicsIn(DOCS);
    for (const topic of topicsIn(ARCHITECTURE))
      expect(documented.has(topic) || topic === '<prefix>/status', topic).toBe(true);
    for (const topic of documented) expect(topicsIn(ARCHITECTURE).has(topic), topic).toBe(true);
  });
});
