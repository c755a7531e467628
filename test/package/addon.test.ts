// Static checks of the add-on package (no Docker here): config.yaml, translations, the s6
// service and the Dockerfile agree with the options schema and with each other.

import { readFile, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { OPTION_KEYS, optionsSchema } from '../../src/config/options.js';
import { SHUTDOWN_DEADLINE_MS } from '../../src/shutdown.js';

const configSchema = z
  .object({
    name: z.string().min(1),
    version: z.string(),
    slug: z.string().regex(/^[a-z0-9_]+$/),
    description: z.string().min(1),
    arch: z.array(z.enum(['aarch64', 'amd64'])).min(1),
    init: z.literal(false),
    ingress: z.literal(true),
    ingress_port: z.number(),
    watchdog: z.string(),
    services: z.array(z.string()),
    map: z.array(z.object({ type: z.string(), read_only: z.boolean().optional() })),
    options: z.record(z.string(), z.unknown()),
    schema: z.record(z.string(), z.string()),
    timeout: z.number().int().positive(),
  })
  .loose();

async function config() {
  return configSchema.parse(parse(await readFile('config.yaml', 'utf8')));
}

describe('add-on package', () => {
  it('declares every option of the schema, and no other', async () => {
    const { schema } = await config();
    expect(Object.keys(schema).sort()).toEqual([...OPTION_KEYS].sort());
  });

  it('gives defaults that the options schema accepts and that equal its own defaults', async () => {
    const { options } = await config();
    const parsed = optionsSchema.parse({ ...options, email: 'owner@example.com', password: 'x' });
    const defaults = optionsSchema.parse({});
    for (const [key, value] of Object.entries(options)) {
      if (key === 'email' || key === 'password') continue;
      expect(parsed[key as keyof typeof parsed], key).toEqual(value);
      expect(defaults[key as keyof typeof defaults], key).toEqual(value);
    }
    // Optional keys are typed with "?" and left out of options, as the Supervisor requires.
    const { schema } = await config();
    for (const [key, type] of Object.entries(schema)) {
      if (type.endsWith('?')) expect(options, key).not.toHaveProperty(key);
      else expect(options, key).toHaveProperty(key);
    }
  });

  it('names and explains every option in translations/en.yaml', async () => {
    const { schema } = await config();
    const translations = z
      .object({
        configuration: z.record(z.string(), z.object({ name: z.string(), description: z.string() })),
      })
      .parse(parse(await readFile('translations/en.yaml', 'utf8')));
    expect(Object.keys(translations.configuration).sort()).toEqual(Object.keys(schema).sort());
  });

  it('keeps the version in step with package.json, the watchdog on /healthz and ingress on 8099', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    const addon = await config();
    expect(addon.version).toBe(pkg.version);
    expect(addon.watchdog).toBe('http://[HOST]:[PORT:8099]/healthz');
    expect(addon.ingress_port).toBe(8099);
    expect(addon.options.http_port).toBe(8099);
    expect(addon.map).toContainEqual({ type: 'homeassistant_config', read_only: false });
    expect(addon.services).toContain('mqtt:want');
  });

  it('runs the built CLI from an executable s6 service', async () => {
    const run = await readFile('rootfs/etc/s6-overlay/s6-rc.d/nwp500-bridge/run', 'utf8');
    // Node flags (V8 settings) may come between node and the script; nothing else may.
    expect(run).toMatch(/^exec node (--[a-z0-9-]+(=[\w.]+)? )*\/app\/dist\/cli\.js run$/m);
    expect(run).toContain('--max-semi-space-size=2 --single-threaded-gc');
    expect((await stat('rootfs/etc/s6-overlay/s6-rc.d/nwp500-bridge/run')).mode & 0o111).not.toBe(0);
    expect((await stat('rootfs/etc/s6-overlay/s6-rc.d/nwp500-bridge/finish')).mode & 0o111).not.toBe(0);
    expect((await readFile('rootfs/etc/s6-overlay/s6-rc.d/nwp500-bridge/type', 'utf8')).trim()).toBe(
      'longrun',
    );
    await stat('rootfs/etc/s6-overlay/s6-rc.d/user/contents.d/nwp500-bridge');
    const dockerfile = await readFile('Dockerfile', 'utf8');
    expect(dockerfile).toMatch(/apk add --no-cache nodejs musl-utils/);
    expect(dockerfile).toContain('COPY --from=build /app/dist ./dist');
    expect(dockerfile).toContain('COPY rootfs /');
  });

  it('lets the graceful stop finish: its deadline < s6 services grace time < the Supervisor timeout', async () => {
    const dockerfile = await readFile('Dockerfile', 'utf8');
    const final = dockerfile.split(/^FROM /m).at(-1) ?? '';
    const grace = Number(/^ENV S6_SERVICES_GRACETIME=(\d+)\s*$/m.exec(final)?.[1]);
    expect(grace).toBeGreaterThan(SHUTDOWN_DEADLINE_MS);
    expect(grace).toBeLessThan((await config()).timeout * 1000);
  });

  it('builds a lean image: dist/, the production tree from scripts/production-tree.js, rootfs/', async () => {
    const dockerfile = await readFile('Dockerfile', 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    const final = stages.at(-1) ?? '';
    expect(final).toMatch(/^ghcr\.io\/home-assistant\/base:\d+\.\d+/);
    // node_modules comes from the production stage, never from the development install.
    expect(final).toContain('COPY --from=production /prod/node_modules ./node_modules');
    expect(final).not.toMatch(/COPY --from=build \S*node_modules/);
    expect(final).toContain('COPY --from=build /app/dist ./dist');
    expect(final).toContain('COPY rootfs /');
    const production = stages.find((stage) => /^\S+ AS production/m.test(stage)) ?? '';
    expect(production).toContain('RUN node scripts/production-tree.js /prod --libc musl');
    const ignore = await readFile('.dockerignore', 'utf8');
    for (const path of ['!package-lock.json', '!scripts/production-tree.js', '!src/', '!rootfs/']) {
      expect(ignore.split('\n'), path).toContain(path);
    }
  });

  it('ships the files the add-on store shows', async () => {
    for (const file of [
      'README.md',
      'DOCS.md',
      'CHANGELOG.md',
      'icon.png',
      'logo.png',
      'apparmor.txt',
      'repository.yaml',
      'translations/en.yaml',
    ]) {
      expect((await stat(file)).size, file).toBeGreaterThan(0);
    }
  });
});
