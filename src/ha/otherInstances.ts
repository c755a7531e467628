// What other nwp500-bridge instances on the same broker reveal: the entity slugs their heaters use
// (so ours never take one: default entity ids stay unique across instances), and whether one
// publishes under our own base topic (then bridge availability and commands would mix: a warning).

import type { Logger } from '../util/logger.js';
import { slugOfDiscovery } from './entitySlug.js';

/** Discovery payloads larger than this are not a heater's. */
const MAX_DISCOVERY_BYTES = 256 * 1024;
/** Far more heaters than a broker carries; keeps a flood of topics from growing memory. */
const MAX_TRACKED_HEATERS = 1000;

export class OtherInstances {
  private readonly slugs = new Map<string, string>();
  private warned = false;

  constructor(
    private readonly options: {
      installId: string;
      baseTopic: string;
      log: Logger;
      /** True for a heater of this bridge's account (its own discovery is not another's). */
      isOurs: (mac: string) => boolean;
    },
  ) {}

  /**
   * A retained heater discovery message (`<prefix>/device/<id>/config`). Only `nwp500_<mac>`
   * topics are read; other integrations' discovery is not even parsed.
   */
  onDiscovery(topic: string, payload: Buffer): void {
    const mac = /\/device\/nwp500_([0-9a-f]{12})\/config$/.exec(topic)?.[1];
    if (mac === undefined || this.options.isOurs(mac)) return;
    if (payload.length === 0) {
      this.slugs.delete(mac);
      return;
    }
    if (payload.length > MAX_DISCOVERY_BYTES) return;
    try {
      const slug = slugOfDiscovery(JSON.parse(payload.toString('utf8')));
      if (slug !== undefined && (this.slugs.size < MAX_TRACKED_HEATERS || this.slugs.has(mac))) {
        this.slugs.set(mac, slug);
      }
    } catch {
      // Not ours to judge: someone else's broken discovery.
    }
  }

  /** Slugs used by heaters other than `ours`. */
  slugsOtherThan(ours: ReadonlySet<string>): string[] {
    return [...this.slugs].filter(([mac]) => !ours.has(mac)).map(([, slug]) => slug);
  }

  /** A message on `<b>/bridge/diagnostics`: ours, or another instance's under the same base topic. */
  onBridgeState(payload: Buffer): void {
    if (this.warned) return;
    let installId: unknown;
    try {
      installId = (JSON.parse(payload.toString('utf8')) as { install_id?: unknown } | null)?.install_id;
    } catch {
      return;
    }
    if (typeof installId !== 'string' || installId === this.options.installId) return;
    this.warned = true;
    this.options.log.warn(
      { baseTopic: this.options.baseTopic },
      'another nwp500-bridge publishes under the same base_topic; give each instance its own base_topic, ' +
        'or their bridge availability and commands mix (their discovery does not: it carries the install id)',
    );
  }
}
