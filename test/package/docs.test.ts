// The documentation stands alone and answers a user's questions: README, DOCS, CHANGELOG and
// docs/ link only to files in the repository, nothing in the repository points to notes outside
// it, and DOCS has the troubleshooting, the FAQ, every verdict and checklist item with what to
// do, and a way to file a useful bug.

import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fahrenheitToHalfRaw, halfCelsiusToF } from '../../src/device/units.js';
import { VERDICTS } from '../../src/diagnostics/analysisTypes.js';
import { analyzeDrops } from '../../src/diagnostics/patterns.js';
import { history, poissonTimes, rng } from '../diagnostics/synthetic.js';

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  encoding: 'utf8',
})
  .split('\n')
  .filter((path) => path && existsSync(path) && lstatSync(path).isFile());
const documents = files.filter(
  (path) => /^(README|DOCS|CHANGELOG)\.md$/.test(path) || /^docs\/.*\.md$/.test(path),
);
const DOCS = await readFile('DOCS.md', 'utf8');

/** The text of a `## heading` section of DOCS.md (up to the next `## `). */
function section(title: string): string {
  const start = DOCS.indexOf(`\n## ${title}\n`);
  expect(start, `DOCS.md section "${title}"`).toBeGreaterThan(0);
  const end = DOCS.indexOf('\n## ', start + 4);
  return DOCS.slice(start, end < 0 ? undefined : end);
}

describe('the documentation stands alone', () => {
  it('has README, DOCS and docs/ARCHITECTURE.md', () => {
    expect(documents).toEqual(
      expect.arrayContaining(['README.md', 'DOCS.md', 'CHANGELOG.md', 'docs/ARCHITECTURE.md']),
    );
  });

  it.each(documents)('%s links and names only files that are in the repository', async (doc) => {
    const text = await readFile(doc, 'utf8');
    const missing: string[] = [];
    const targets = [
      ...[...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string),
      ...[...text.matchAll(/<img[^>]+src="([^"]+)"/g)].map((m) => m[1] as string),
    ].filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith('#'));
    for (const target of targets) {
      const path = normalize(join(dirname(doc), target.replace(/#.*$/, '')));
      if (!files.includes(path) && !files.some((file) => file.startsWith(`${path}/`))) missing.push(target);
    }
    // A Markdown file named anywhere (`docs/ARCHITECTURE.md`, a design note) must be one of ours.
    for (const [name] of text.matchAll(/[\w./-]*[A-Za-z0-9_-]+\.md\b/g)) {
      if (/^https?:/.test(name) || name.includes('://')) continue;
      const candidates = [normalize(join(dirname(doc), name)), normalize(name)];
      if (!candidates.some((path) => files.includes(path))) missing.push(name);
    }
    expect(missing).toEqual([]);
  });

  it('never points to the shared design notes outside the repository, in any tracked file', async () => {
    const forbidden = ['..' + '/shared', '/work' + '/shared', 'DESIGN' + '.md', 'STYLE' + '.md'];
    const offenders: string[] = [];
    for (const path of files) {
      if (/\.(png|jpg|ico)$/.test(path) || path === 'package-lock.json') continue;
      const text = await readFile(path, 'utf8');
      for (const needle of forbidden) if (text.includes(needle)) offenders.push(`${path}: ${needle}`);
    }
    expect(offenders).toEqual([]);
  });

  it('names no outside reference note and no section of one in code or tests', async () => {
    // A section number of a note nobody who clones the repository has means nothing to them.
    const names = ['navien-protocol', 'aws-crt', 'ha-addon-conventions', 'ha-nwp500-entities'];
    const notes = new RegExp(`(?:${names.join('|')})\\.md|\\u00a7`);
    const offenders: string[] = [];
    for (const path of files) {
      if (!/^(src|test|soak|bench|scripts)\/.*\.(ts|js|mjs)$/.test(path)) continue;
      const lines = (await readFile(path, 'utf8')).split('\n');
      lines.forEach((line, index) => {
        if (notes.test(line)) offenders.push(`${path}:${index + 1}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});

describe('DOCS.md answers a user', () => {
  it('says how to install: requirements, the repository URL, the options', () => {
    expect(section('Requirements')).toMatch(/Home Assistant 20\d\d\.\d+ or newer/);
    expect(section('Installation')).toContain('Repositories');
    expect(section('Options')).toContain('NWP500_');
  });

  it('has troubleshooting for the logs, bad options, a wrong password, missing entities and link drops', () => {
    const text = section('Troubleshooting');
    for (const topic of [
      '**Where the logs are.**',
      '**The add-on stops right after starting.**',
      '**Wrong e-mail or password.**',
      '**No entities appear.**',
      '**The heaters are unavailable.**',
      '**The link keeps dropping: what to check first.**',
      '**A command did nothing.**',
    ]) {
      expect(text, topic).toContain(topic);
    }
    // The words the log really prints, so a user can search for them.
    expect(text).toContain('NaviLink rejected the e-mail/password');
    expect(text).toContain('NAVIEN_AUTH_INVALID_CREDENTIALS');
  });

  it('explains in the FAQ why setpoints are rounded, with numbers the conversion really gives', () => {
    const text = section('FAQ').replace(/\s+/g, ' ');
    expect(text).toContain('**Why is my setpoint rounded?**');
    for (const fahrenheit of [125, 120]) {
      const shown = halfCelsiusToF(fahrenheitToHalfRaw(fahrenheit));
      expect(text).toContain(`${fahrenheit} °F becomes ${shown} °F`);
    }
    expect(text).toContain('**What happens to my entities when I stop or remove the add-on?**');
  });

  it('gives every verdict a row with what it means and what to do', () => {
    const rows = DOCS.split('\n').filter((line) => line.startsWith('| `'));
    for (const verdict of VERDICTS) {
      const row = rows.find((line) => line.includes(`\`${verdict}\``));
      expect(row, verdict).toBeDefined();
      const cells = (row as string)
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      expect(cells.length, verdict).toBe(3);
      expect(
        cells.every((cell) => cell.length > 3),
        verdict,
      ).toBe(true);
    }
  });

  it('explains every checklist item the analysis produces, with what to do', () => {
    const random = rng(7);
    const drops = poissonTimes(random, 6 * 3600, 48);
    const analysis = analyzeDrops(history({ dropTimesS: drops, hours: 48, random }));
    const items = analysis.checklist.map((entry) => entry.item);
    expect(items.length).toBeGreaterThan(3);
    const rows = DOCS.split('\n').filter((line) => line.startsWith('| '));
    for (const item of items) {
      const row = rows.find((line) => line.startsWith(`| ${item} `));
      expect(row, item).toBeDefined();
      const cells = (row as string)
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      expect(
        cells.every((cell) => cell.length > 3),
        item,
      ).toBe(true);
    }
  });

  it('shows the page in screenshots that `npm run screenshots` takes again', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.screenshots).toContain('node scripts/screenshots.js');
    const script = await readFile('scripts/screenshots.js', 'utf8');
    for (const shot of ['docs/page-light.png', 'docs/page-dark.png', 'docs/page-phone.png']) {
      expect(DOCS, shot).toContain(shot);
      expect(script, shot).toContain(shot);
      const png = await readFile(shot);
      expect(png.subarray(1, 4).toString('latin1'), shot).toBe('PNG');
      // Width from the IHDR chunk: the shots are taken at 1280 px and 390 px.
      expect([1280, 390], shot).toContain(png.readUInt32BE(16));
    }
  });

  it('says how to file a useful bug: the report file, the log, what happened', () => {
    const text = section('Reporting a problem');
    expect(text).toContain('Download report');
    expect(text).toContain('nwp500_diagnostics.json');
    expect(text).toContain('log_level: debug');
    expect(text).toMatch(/https:\/\/github\.com\/nwp500-bridge\/nwp500-bridge\/issues/);
  });
});
