// The middle of a heater's default entity ids: from its name, unique among the heaters this and
// other bridges publish, and kept once chosen.

import { describe, expect, it } from 'vitest';
import { chooseSlugs, slugify, slugOfDiscovery } from '../../src/ha/entitySlug.js';

describe('entity slugs', () => {
  it('makes an object id of a name: lowercase, accents dropped, runs of other characters as one _', () => {
    expect(slugify('Water Heater')).toBe('water_heater');
    expect(slugify('  Küche — Keller #2 ')).toBe('kuche_keller_2');
    expect(slugify('🔥🔥')).toBe('');
    expect(slugify('a'.repeat(40)).length).toBe(32);
  });

  it('gives two heaters named alike distinct slugs, the second its short id', () => {
    const slugs = chooseSlugs(
      [
        { mac: '04786332fca0', name: 'Water Heater' },
        { mac: '0478633200b1', name: 'Water Heater' },
        { mac: '0478633200c2', name: '' },
      ],
      new Map(),
    );
    expect([...slugs]).toEqual([
      ['04786332fca0', 'water_heater'],
      ['0478633200b1', '3200b1'],
      ['0478633200c2', '3200c2'],
    ]);
  });

  it('keeps a remembered slug, even when the heater was renamed or another now has its name', () => {
    const slugs = chooseSlugs(
      [
        { mac: '0478633200b1', name: 'Garage' },
        { mac: '04786332fca0', name: 'Garage' },
      ],
      new Map([['04786332fca0', 'garage']]),
    );
    expect(slugs.get('04786332fca0')).toBe('garage');
    expect(slugs.get('0478633200b1')).toBe('3200b1');
  });

  it('avoids slugs used by heaters another bridge instance published', () => {
    const slugs = chooseSlugs([{ mac: '0478633200b1', name: 'Water Heater' }], new Map(), ['water_heater']);
    expect(slugs.get('0478633200b1')).toBe('3200b1');
  });

  it('reads the slug back from a discovery message', () => {
    expect(
      slugOfDiscovery({
        components: {
          water_heater: { default_entity_id: 'water_heater.nwp500_garage_water_heater' },
        },
      }),
    ).toBe('garage');
    expect(slugOfDiscovery({ components: { x: { default_entity_id: 'sensor.other_x' } } })).toBeUndefined();
    expect(slugOfDiscovery(null)).toBeUndefined();
    expect(slugOfDiscovery({ components: { power: {} } })).toBeUndefined();
  });
});
