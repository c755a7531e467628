// The npm side of the package: `dependencies` is exactly what the add-on's `run` imports (the
// simulator's and the demo's packages are development-only), every locked package accepts the
// oldest Node the README promises (so `npm ci` prints no EBADENGINE), every install script is
// reviewed in `allowScripts`, and the cookie override keeps fastify's inject working.

import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import Fastify from 'fastify';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

interface PackageJson {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  overrides?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}
interface LockEntry {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
  hasInstallScript?: boolean;
}

const pkg = JSON.parse(await readFile('package.json', 'utf8')) as PackageJson;
const lock = JSON.parse(await readFile('package-lock.json', 'utf8')) as {
  packages: Record<string, LockEntry>;
};

// Static imports and re-exports; `import type` is erased by the compiler and loads nothing.
const IMPORT = /(?:^|\n)\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+'([^']+)'/g;
// Imports made later (the web server after the cloud link starts, prom-client at the first scrape)
// are still the process's: `run` loads them.
const DYNAMIC_IMPORT = /\bimport\(\s*'([^']+)'\s*\)/g;

/**
 * Every module reachable from `entry` (a .ts file under src/) by static or literal dynamic imports,
 * and the packages they name (`dynamic: false`: static imports only). The CLI imports each
 * command's module when that command runs, so `run`'s graph starts at main.ts.
 */
async function importGraph(
  entry: string,
  { dynamic = true }: { dynamic?: boolean } = {},
): Promise<{ files: Set<string>; packages: Set<string> }> {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [normalize(entry)];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    const text = await readFile(file, 'utf8');
    for (const match of [...text.matchAll(IMPORT), ...(dynamic ? text.matchAll(DYNAMIC_IMPORT) : [])]) {
      const specifier = match[1];
      if (!specifier) continue;
      if (specifier.startsWith('.')) {
        pending.push(normalize(join(dirname(file), specifier.replace(/\.js$/, '.ts'))));
      } else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
        const parts = specifier.split('/');
        packages.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
      }
    }
  }
  return { files, packages };
}

describe('npm dependencies', () => {
  it('lists in `dependencies` exactly the packages the add-on process (`run`) imports', async () => {
    const run = await importGraph('src/main.ts');
    expect([...run.packages].sort()).toEqual(Object.keys(pkg.dependencies).sort());
    // The run path reaches neither the simulator nor the demo.
    const reached = [...run.files];
    expect(reached.filter((file) => file.startsWith('src/sim/') || file === 'src/demo.ts')).toEqual([]);
    // The CLI itself imports nothing statically but Node built-ins: each command loads its own.
    expect((await importGraph('src/cli.ts', { dynamic: false })).files).toEqual(new Set(['src/cli.ts']));
  });

  it('keeps what only the simulator and the demo use in devDependencies', async () => {
    const run = await importGraph('src/main.ts');
    const dev = new Set<string>();
    for (const entry of ['src/demo.ts', 'src/sim/index.ts']) {
      for (const name of (await importGraph(entry)).packages) if (!run.packages.has(name)) dev.add(name);
    }
    expect([...dev].sort()).toEqual(['aedes', 'selfsigned', 'ws']);
    for (const name of dev) {
      expect(pkg.devDependencies, name).toHaveProperty(name);
      expect(pkg.dependencies, name).not.toHaveProperty(name);
    }
  });

  it('locks only packages that accept the oldest Node the README and `engines` promise', async () => {
    const oldest = semver.minVersion(pkg.engines.node)?.version;
    expect(oldest).toBe('20.19.0');
    const readme = await readFile('README.md', 'utf8');
    expect(readme).toContain('Node.js 20.19 or newer');
    const refused = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .filter(([, entry]) => {
        const wanted = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        return wanted !== undefined && !semver.satisfies(oldest as string, wanted);
      })
      .map(([path, entry]) => `${path}@${entry.version}: node ${JSON.stringify(entry.engines)}`);
    expect(refused).toEqual([]);
  });

  it('decides on every install script in allowScripts, so npm 11 neither warns nor runs one unreviewed', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([path]) => path.replace(/^.*node_modules\//, ''));
    expect(withScripts.sort()).toEqual(Object.keys(pkg.allowScripts ?? {}).sort());
    // aws-crt's script only compiles the native addon from source when no prebuilt binary fits;
    // the image's platforms all have one, and scripts/production-tree.js checks that it is there.
    expect(pkg.allowScripts?.['aws-crt']).toBe(false);
  });

  it('still injects requests with cookies through fastify with the cookie override (light-my-request)', async () => {
    expect(pkg.overrides?.cookie).toBeDefined();
    const cookies = Object.entries(lock.packages).filter(([path]) => path.endsWith('node_modules/cookie'));
    expect(cookies.map(([, entry]) => entry.version)).toEqual([pkg.overrides?.cookie]);
    const app = Fastify();
    app.get('/', async (request) => ({ cookie: request.headers.cookie ?? null }));
    try {
      const response = await app.inject({ url: '/', cookies: { session: 'a b' } });
      expect(response.json()).toEqual({ cookie: 'session=a%20b' });
    } finally {
      await app.close();
    }
  });
});
