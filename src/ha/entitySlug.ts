// The middle of every default entity id of a heater (`sensor.nwp500_<slug>_tank_temperature`): the
// heater's name made an id, or its short id (the MAC's last six digits) when the name gives none or
// another heater has it. Chosen once and remembered, so ids stay as HA first made them.

/** HA object ids: lowercase letters, digits and `_`; kept short enough to read. */
const MAX_SLUG_CHARS = 32;

export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, MAX_SLUG_CHARS)
    .replace(/_+$/, '');
}

export function shortId(mac: string): string {
  return mac.slice(-6);
}

/**
 * Slugs for `heaters` (in list order), keeping every remembered one. A new heater gets its name's
 * slug unless that is empty or already taken (by a remembered slug, an earlier heater in the list,
 * or `elsewhere`: heaters another bridge instance published), else its short id.
 */
export function chooseSlugs(
  heaters: ReadonlyArray<{ mac: string; name: string }>,
  remembered: ReadonlyMap<string, string>,
  elsewhere: Iterable<string> = [],
): Map<string, string> {
  const chosen = new Map<string, string>();
  const taken = new Set<string>([...remembered.values(), ...elsewhere]);
  for (const { mac } of heaters) {
    const slug = remembered.get(mac);
    if (slug !== undefined) chosen.set(mac, slug);
  }
  for (const { mac, name } of heaters) {
    if (chosen.has(mac)) continue;
    const fromName = slugify(name);
    const short = taken.has(shortId(mac)) ? mac : shortId(mac);
    const slug = fromName !== '' && !taken.has(fromName) ? fromName : short;
    taken.add(slug);
    chosen.set(mac, slug);
  }
  return chosen;
}

/**
 * The slug a heater's discovery message uses (`sensor.nwp500_<slug>_<key>` on its components), or
 * undefined when the message has none.
 */
export function slugOfDiscovery(message: unknown): string | undefined {
  const components = (message as { components?: unknown } | null)?.components;
  if (typeof components !== 'object' || components === null) return undefined;
  for (const [key, component] of Object.entries(components)) {
    const id = (component as { default_entity_id?: unknown } | null)?.default_entity_id;
    if (typeof id !== 'string') continue;
    const match = /^[a-z_]+\.nwp500_([a-z0-9_]+)$/.exec(id);
    const object = match?.[1];
    if (object?.endsWith(`_${key}`)) return object.slice(0, -(key.length + 1)) || undefined;
  }
  return undefined;
}
