// DOCS.md's entity tables are the user's list of what the bridge publishes: every entity is there,
// with the platform, unit, classes and default-enabled state discovery gives it, and nothing else.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { bridgeControlEntities } from '../../src/ha/bridgeControls.js';
import { bridgeEntities } from '../../src/ha/bridgeEntities.js';
import { componentFor } from '../../src/ha/deviceDiscovery.js';
import type { ComponentConfig } from '../../src/ha/discovery/index.js';
import { NWP500_ENTITIES } from '../../src/ha/entities.js';
import { entitiesFor } from '../../src/ha/entityModel.js';
import { simSnapshot } from './fixtures.js';

interface Row {
  key: string;
  platform: string;
  name: string;
  unit: string;
  classes: string;
  enabled: string;
}

/** The rows of the table that follows `heading` (a line of the section text) in DOCS.md. */
function table(docs: string, after: string): Row[] {
  const start = docs.indexOf(after);
  if (start < 0) throw new Error(`DOCS.md has no "${after}"`);
  const lines = docs.slice(start).split('\n');
  const first = lines.findIndex((line) => /^\| key +\|/.test(line));
  const rows: Row[] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    const [key = '', platform = '', name = '', unit = '', classes = '', enabled = ''] = cells;
    rows.push({ key: key.replaceAll('`', ''), platform, name, unit, classes, enabled });
  }
  return rows;
}

const TOPICS = {
  uniqueIdPrefix: 'nwp500_04786332fca0',
  entityIdPrefix: 'nwp500_water_heater',
  state: 'nwp500/04786332fca0/state',
  attributes: { topic: 'nwp500/04786332fca0/attributes', key: (key: string) => key },
  command: (key: string) => `nwp500/04786332fca0/${key}/set`,
};

function unitOf(component: ComponentConfig): string {
  if ('unit_of_measurement' in component && component.unit_of_measurement)
    return component.unit_of_measurement;
  if ('temperature_unit' in component && component.temperature_unit) return `°${component.temperature_unit}`;
  return '—';
}

function classesOf(component: ComponentConfig): string {
  const parts = [
    'device_class' in component ? component.device_class : undefined,
    'state_class' in component ? component.state_class : undefined,
    component.entity_category,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : '—';
}

describe('DOCS.md', () => {
  it('lists every heater entity with its platform, name, unit in both unit systems, classes and enabled state', async () => {
    const docs = await readFile('DOCS.md', 'utf8');
    const rows = table(docs, '**Each water heater**');
    const fahrenheit = simSnapshot({ feature: { recirculationUse: 2 } });
    const plain = simSnapshot();
    const celsius = simSnapshot({
      device: { feature: { temperatureType: 1, recirculationUse: 2 } },
      status: { temperatureType: 1 },
    });
    const keys = new Set(
      [...entitiesFor(NWP500_ENTITIES, fahrenheit), ...entitiesFor(NWP500_ENTITIES, plain)].map((d) => d.key),
    );
    expect(rows.map((row) => row.key).sort()).toEqual([...keys].sort());
    for (const row of rows) {
      const def = NWP500_ENTITIES.find((d) => d.key === row.key);
      if (!def) throw new Error(`no entity ${row.key}`);
      const snapshotF = entitiesFor([def], fahrenheit).length > 0 ? fahrenheit : plain;
      const snapshotC =
        entitiesFor([def], celsius).length > 0
          ? celsius
          : simSnapshot({
              device: { feature: { temperatureType: 1 } },
              status: { temperatureType: 1 },
            });
      const f = componentFor(def, snapshotF, TOPICS);
      const c = componentFor(def, snapshotC, TOPICS);
      const unit = unitOf(f) === unitOf(c) ? unitOf(f) : `${unitOf(f)} / ${unitOf(c)}`;
      expect(row, row.key).toEqual({
        key: def.key,
        platform: def.platform,
        name: def.name ?? '(the device)',
        unit,
        classes: classesOf(f),
        enabled: def.enabled ? 'yes' : 'no',
      });
    }
  });

  it('lists every entity of the bridge device', async () => {
    const docs = await readFile('DOCS.md', 'utf8');
    const rows = table(docs, '**The NWP500 Bridge device**');
    const defs = [...bridgeEntities('nwp500/bridge/diagnostics/attributes'), ...bridgeControlEntities()];
    expect(rows.map((row) => row.key)).toEqual(defs.map((d) => d.key));
    for (const def of defs) {
      const row = rows.find((r) => r.key === def.key);
      expect(row?.platform, def.key).toBe(def.platform);
      expect(row?.name, def.key).toBe(def.name);
      expect(row?.enabled, def.key).toBe(def.enabled ? 'yes' : 'no');
    }
  });

  it('states the entity counts the table has', async () => {
    const docs = await readFile('DOCS.md', 'utf8');
    const count = (s: ReturnType<typeof simSnapshot>) => {
      const defs = entitiesFor(NWP500_ENTITIES, s);
      return `${defs.filter((d) => d.enabled).length} entities of ${defs.length}`;
    };
    expect(docs).toContain(`${count(simSnapshot())} on a heater without recirculation`);
    expect(docs).toContain(`${count(simSnapshot({ feature: { recirculationUse: 2 } }))} with it`);
  });
});
