// What the Home Assistant add-on store reads: repository.yaml, one add-on in the repository, the
// project URL (config.yaml is the one place it is written; everything else must agree), the
// minimum Home Assistant version, and a changelog entry for the version being installed.

import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';

const addon = z
  .object({ version: z.string(), url: z.string(), homeassistant: z.string().optional() })
  .loose()
  .parse(parse(await readFile('config.yaml', 'utf8')));
const pkg = JSON.parse(await readFile('package.json', 'utf8')) as {
  version: string;
  homepage?: string;
  repository?: { type: string; url: string };
  bugs?: { url: string };
};
const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  encoding: 'utf8',
})
  .split('\n')
  .filter(Boolean);

describe('the add-on repository', () => {
  it('has a repository.yaml with a name, the project URL and a maintainer', async () => {
    const repository = z
      .object({ name: z.string().min(1), url: z.url(), maintainer: z.string().min(1) })
      .strict()
      .parse(parse(await readFile('repository.yaml', 'utf8')));
    expect(repository.url).toBe(addon.url);
  });

  it('holds exactly one add-on, as the Supervisor searches for it (config.* outside dot folders and rootfs)', () => {
    // supervisor/store/data.py: path.glob("**/config.*"), skipping parts that start with "." or are "rootfs".
    const configs = tracked.filter((path) => {
      const parts = path.split('/');
      const name = parts.at(-1) ?? '';
      return (
        /^config\.(json|ya?ml)$/.test(name) &&
        !parts.some((part) => part.startsWith('.') || part === 'rootfs')
      );
    });
    expect(configs).toEqual(['config.yaml']);
    expect(tracked.filter((path) => /^repository\.(json|ya?ml)$/.test(path))).toEqual(['repository.yaml']);
  });

  it('names one project URL, the one in config.yaml, everywhere a user or npm reads it', async () => {
    expect(addon.url).toBe('https://github.com/nwp500-bridge/nwp500-bridge');
    expect(pkg.homepage).toBe(addon.url);
    expect(pkg.repository?.url).toBe(`git+${addon.url}.git`);
    expect(pkg.bugs?.url).toBe(`${addon.url}/issues`);
    for (const file of ['README.md', 'DOCS.md', 'repository.yaml']) {
      const text = await readFile(file, 'utf8');
      expect(text, file).toContain(addon.url);
      // Any link to a repository of this project must be this one (or a page under it).
      for (const [link] of text.matchAll(/https?:\/\/github\.com\/[\w.-]+\/nwp500-bridge[\w./#?=-]*/g)) {
        expect(
          link === addon.url || link.startsWith(`${addon.url}/`) || link.startsWith(`${addon.url}#`),
          link,
        ).toBe(true);
      }
      expect(text, file).not.toMatch(/github\.com\/(your|example|owner|user)[-_/]/i);
    }
  });

  it('requires Home Assistant 2024.11 or newer (device-based MQTT discovery), and DOCS says so', async () => {
    expect(addon.homeassistant).toMatch(/^\d{4}\.\d{1,2}\.\d+$/);
    const minimum = addon.homeassistant ?? '';
    const [year, month] = minimum.split('.').map(Number);
    expect((year ?? 0) * 100 + (month ?? 0)).toBeGreaterThanOrEqual(202411);
    const docs = await readFile('DOCS.md', 'utf8');
    const shown = minimum.replace(/\.0$/, '');
    expect(docs).toContain(`Home Assistant ${shown}`);
  });
});

describe('CHANGELOG.md', () => {
  const sections = async () => {
    const text = await readFile('CHANGELOG.md', 'utf8');
    return [...text.matchAll(/^## \[([^\]]+)\](?: - (.+))?$/gm)].map((match) => {
      const start = (match.index ?? 0) + match[0].length;
      const next = text.indexOf('\n## ', start);
      return {
        version: match[1] ?? '',
        date: match[2] ?? '',
        body: text.slice(start, next < 0 ? undefined : next),
      };
    });
  };

  it('opens with the version config.yaml and package.json carry, which the store shows on update', async () => {
    const [top] = await sections();
    expect(top?.version).toBe(addon.version);
    expect(pkg.version).toBe(addon.version);
  });

  it('has a dated or "unreleased" entry with at least one bullet for every version, newest first', async () => {
    const all = await sections();
    expect(all.length).toBeGreaterThan(0);
    for (const [index, section] of all.entries()) {
      expect(semver.valid(section.version), section.version).not.toBeNull();
      expect(section.date, section.version).toMatch(
        index === 0 ? /^(\d{4}-\d{2}-\d{2}|unreleased)$/ : /^\d{4}-\d{2}-\d{2}$/,
      );
      expect(section.body, section.version).toMatch(/^- \S/m);
      const previous = all[index - 1];
      if (previous) expect(semver.gt(previous.version, section.version), section.version).toBe(true);
    }
    expect(all.map((s) => s.version)).not.toContain('Unreleased');
  });
});
