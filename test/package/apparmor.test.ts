// apparmor.txt as the Supervisor loads it: one top-level profile (renamed to the installed slug),
// accepted by apparmor_parser, granting no capability, with the bridge's own child profile that
// reads /app and writes only /data, the mapped Home Assistant config folder and /tmp.
// What needs a running container (the rules being enough for s6-overlay and node at run time) is
// not checked here; DOCS says how to read the audit log if a rule is missing.

import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { optionsSchema } from '../../src/config/options.js';

const PARSER = ['/usr/sbin/apparmor_parser', '/sbin/apparmor_parser'].find(
  (path) => spawnSync(path, ['--version']).status === 0,
);
// supervisor/utils/apparmor.py: the profile name is read from, and replaced on, lines matching this.
const SUPERVISOR_PROFILE_LINE = /^profile ([^ ]+).*$/gm;

let profile: string;
let slug: string;
let dir: string;

beforeAll(async () => {
  profile = await readFile('apparmor.txt', 'utf8');
  slug = (parse(await readFile('config.yaml', 'utf8')) as { slug: string }).slug;
  dir = await mkdtemp(join(tmpdir(), 'nwp500-apparmor-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

/** The profile after the Supervisor's adjust_profile() for a local install. */
function asInstalled(): string {
  return profile.replace(/^profile ([^ ]+)/m, `profile local_${slug}`);
}

function runParser(file: string, extra: string[] = []) {
  if (!PARSER) throw new Error('apparmor_parser is not installed (Debian: apt-get install apparmor)');
  return spawnSync(PARSER, ['-Q', '-K', ...extra, file], { encoding: 'utf8' });
}

/** The body of the child profile `name` (between its braces). */
function childProfile(name: string): string {
  const start = profile.search(new RegExp(`^\\s+profile ${name} `, 'm'));
  expect(start, `child profile ${name}`).toBeGreaterThan(0);
  const open = profile.indexOf('{', start);
  let depth = 0;
  for (let i = open; i < profile.length; i++) {
    if (profile[i] === '{') depth++;
    if (profile[i] === '}' && --depth === 0) return profile.slice(open + 1, i);
  }
  throw new Error('unbalanced braces');
}

const rules = (body: string) =>
  body
    .split('\n')
    .map((line) => line.replace(/#(?!include).*$/, '').trim())
    .filter((line) => line && !line.startsWith('#include'));

describe('apparmor.txt', () => {
  it('has exactly one top-level profile, named after the slug, as the Supervisor requires', () => {
    const names = [...profile.matchAll(SUPERVISOR_PROFILE_LINE)].map((m) => m[1]);
    expect(names).toEqual([slug]);
  });

  it('is accepted by apparmor_parser as the Supervisor installs it', async () => {
    const file = join(dir, 'installed.txt');
    await writeFile(file, asInstalled());
    const result = runParser(file);
    expect(result.status, result.stderr).toBe(0);
  });

  it('grants no capability (no blanket `capability,`, none through an abstraction)', async () => {
    expect(rules(profile).filter((line) => /^(audit\s+)?(allow\s+)?capability\b/.test(line))).toEqual([]);
    const file = join(dir, 'dump.txt');
    await writeFile(file, asInstalled());
    const dump = runParser(file, ['-d']);
    expect(dump.status, dump.stderr).toBe(0);
    expect(dump.stdout).toContain(`Name:\t\tlocal_${slug}`);
    expect(dump.stdout).toContain('Name:\t\tnode');
    expect(dump.stdout).not.toMatch(/^Capabilities:/m);
  });

  it('runs node in its own profile: /app read-only, /data, the HA config folder and /tmp writable', async () => {
    const outer = rules(profile.slice(0, profile.search(/^\s+profile node /m)));
    expect(outer).toContain('/usr/bin/node cx -> node,');
    expect(outer).toContain('deny /app/** wl,');

    const node = rules(childProfile('node'));
    expect(node).not.toContain('file,');
    const appRules = node.filter((line) => line.startsWith('/app'));
    expect(appRules.length).toBeGreaterThan(0);
    for (const line of appRules) expect(line, line).toMatch(/^\/app\S* m?r,$/);
    // The folders the bridge writes are the ones the add-on maps and its options default to.
    const config = parse(await readFile('config.yaml', 'utf8')) as { map: { type: string }[] };
    expect(config.map.map((entry) => entry.type)).toEqual(['homeassistant_config']);
    const defaults = optionsSchema.parse({});
    expect(defaults.ha_config_dir).toBe('/homeassistant');
    expect(defaults.data_dir).toBe('/data');
    for (const writable of ['/data/** rw,', '/homeassistant/** rw,', '/tmp/** rw,']) {
      expect(node, writable).toContain(writable);
    }
    const writes = node.filter((line) => /^\/\S+\s+[a-z]*w[a-z]*,$/.test(line));
    expect(writes.sort()).toEqual(['/data/** rw,', '/homeassistant/** rw,', '/tmp/** rw,']);
    // s6-overlay stops the bridge from the outer profile, whose name the Supervisor changes.
    const peer = node.find((line) => line.startsWith('signal (receive)'));
    expect(peer).toBe(`signal (receive) peer=*_${slug},`);
  });

  it('starts node where the s6 service execs it (Alpine installs /usr/bin/node)', async () => {
    const run = await readFile('rootfs/etc/s6-overlay/s6-rc.d/nwp500-bridge/run', 'utf8');
    expect(run).toMatch(/^exec node /m);
    const dockerfile = await readFile('Dockerfile', 'utf8');
    expect(dockerfile).toMatch(/apk add --no-cache nodejs/);
  });
});
