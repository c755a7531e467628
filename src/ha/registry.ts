// Remembers which discovery topics (and which components in each) this bridge published, in data_dir,
// so that at start-up whatever is no longer produced can be removed from Home Assistant, and nothing else.

import { join } from 'node:path';
import { z } from 'zod';
import { JsonStore } from '../util/jsonStore.js';
import type { Logger } from '../util/logger.js';
import type { LocalBroker } from './broker.js';
import { idSchema, PLATFORMS } from './discovery/common.js';
import {
  type ComponentRef,
  componentRefs,
  componentRemovalMessage,
  type DeviceDiscovery,
} from './discovery/device.js';

export const REGISTRY_FILE = 'discovery-registry.json';

/** Far more than any account has water heaters; keeps a damaged or hostile file from growing memory. */
const MAX_TOPICS = 1000;
const MAX_COMPONENTS_PER_TOPIC = 2000;

const fileSchema = z.object({
  version: z.literal(1),
  topics: z
    .record(
      z.string().min(1),
      z.array(z.object({ id: idSchema, platform: z.enum(PLATFORMS) })).max(MAX_COMPONENTS_PER_TOPIC),
    )
    .refine((topics) => Object.keys(topics).length <= MAX_TOPICS, `at most ${MAX_TOPICS} topics`),
});

export interface DiscoveryPlan {
  /** Topics to clear whole (a device that is gone): an empty retained payload each. */
  removeTopics: string[];
  /** Components to remove from topics that stay, in HA's two steps. */
  removeComponents: Map<string, ComponentRef[]>;
}

export interface DiscoveryRegistryOptions {
  /** The add-on's data_dir; the registry lives in `<dataDir>/discovery-registry.json`. */
  dataDir?: string;
  /** Full path of the registry file (overrides dataDir). */
  path?: string;
  log: Logger;
  now?: () => number;
}

export class DiscoveryRegistry {
  readonly path: string;
  private readonly log: Logger;
  private readonly store: JsonStore<typeof fileSchema>;
  private readonly published = new Map<string, ComponentRef[]>();

  constructor(options: DiscoveryRegistryOptions) {
    if (options.path === undefined && options.dataDir === undefined) {
      throw new Error('DiscoveryRegistry needs a path or a dataDir');
    }
    this.path = options.path ?? join(options.dataDir ?? '', REGISTRY_FILE);
    this.log = options.log;
    this.store = new JsonStore({
      path: this.path,
      schema: fileSchema,
      // Without these records, entities published before cannot be cleaned up.
      what: 'the records of published discovery topics',
      log: options.log,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  }

  /** Reads what earlier runs published; a missing file is a first start, a corrupt one is moved aside. */
  async load(): Promise<void> {
    this.published.clear();
    const saved = await this.store.read();
    if (!saved) return;
    for (const [topic, components] of Object.entries(saved.topics)) this.published.set(topic, components);
  }

  /** Notes that `topic` now carries exactly these components. */
  record(topic: string, components: ReadonlyArray<ComponentRef>): void {
    if (!this.published.has(topic) && this.published.size >= MAX_TOPICS) {
      this.log.warn({ max: MAX_TOPICS }, 'discovery registry full; a topic will not be tracked');
      return;
    }
    this.published.set(
      topic,
      components.slice(0, MAX_COMPONENTS_PER_TOPIC).map(({ id, platform }) => ({ id, platform })),
    );
  }

  /** Convenience for `record(topic, componentRefs(message))`. */
  recordDiscovery(topic: string, message: DeviceDiscovery): void {
    this.record(topic, componentRefs(message));
  }

  forget(topic: string): void {
    this.published.delete(topic);
  }

  /** Topics and components as recorded (a copy). */
  snapshot(): Map<string, ComponentRef[]> {
    return new Map([...this.published].map(([topic, refs]) => [topic, refs.map((r) => ({ ...r }))]));
  }

  /**
   * What to remove, given the component ids each discovery topic carries now. Only recorded topics
   * and components appear in the plan: topics this bridge never published are never touched.
   */
  plan(current: ReadonlyMap<string, ReadonlyArray<string>>): DiscoveryPlan {
    const removeTopics: string[] = [];
    const removeComponents = new Map<string, ComponentRef[]>();
    for (const [topic, recorded] of this.published) {
      const now = current.get(topic);
      if (now === undefined) {
        removeTopics.push(topic);
        continue;
      }
      const keep = new Set(now);
      const gone = recorded.filter((ref) => !keep.has(ref.id));
      if (gone.length > 0) removeComponents.set(topic, gone);
    }
    return { removeTopics, removeComponents };
  }

  async save(): Promise<void> {
    const topics: Record<string, ComponentRef[]> = {};
    for (const [topic, refs] of [...this.published].sort(([a], [b]) => a.localeCompare(b)))
      topics[topic] = refs;
    await this.store.write({ version: 1, topics });
  }
}

/** The current component ids per topic, as `plan()` wants them. */
export function currentComponents(messages: ReadonlyMap<string, DeviceDiscovery>): Map<string, string[]> {
  return new Map([...messages].map(([topic, message]) => [topic, Object.keys(message.components)]));
}

/**
 * Carries out a plan through the broker and updates the registry to match: gone devices are cleared,
 * gone components are first reduced to `{"platform": …}` and then dropped by publishing the current
 * message. Every current message is published (retained) and recorded; call `registry.save()` after.
 *
 * Both removal steps must reach the broker (the cache would keep only the second while offline), so
 * with the broker down the work waits for the next connect and this returns `deferred`.
 */
export function applyDiscoveryPlan(
  plan: DiscoveryPlan,
  deps: {
    broker: Pick<LocalBroker, 'publish' | 'clear' | 'isConnected' | 'onConnected'>;
    registry: DiscoveryRegistry;
    current: ReadonlyMap<string, DeviceDiscovery>;
    log: Logger;
    /** Runs after a deferred plan was applied (e.g. to save the registry). */
    onApplied?: () => void;
  },
): 'applied' | 'deferred' {
  const { broker } = deps;
  if (!broker.isConnected()) {
    const off = broker.onConnected(() => {
      off();
      applyNow(plan, deps);
      deps.onApplied?.();
    });
    return 'deferred';
  }
  applyNow(plan, deps);
  return 'applied';
}

function applyNow(
  plan: DiscoveryPlan,
  deps: {
    broker: Pick<LocalBroker, 'publish' | 'clear'>;
    registry: DiscoveryRegistry;
    current: ReadonlyMap<string, DeviceDiscovery>;
    log: Logger;
  },
): void {
  const { broker, registry, current, log } = deps;
  for (const topic of plan.removeTopics) {
    broker.clear(topic);
    registry.forget(topic);
  }
  for (const [topic, removed] of plan.removeComponents) {
    const message = current.get(topic);
    if (!message) continue;
    broker.publish(topic, JSON.stringify(componentRemovalMessage(message, removed)), {
      retain: true,
      qos: 1,
    });
  }
  for (const [topic, message] of current) {
    broker.publish(topic, JSON.stringify(message), { retain: true, qos: 1 });
    registry.recordDiscovery(topic, message);
  }
  if (plan.removeTopics.length > 0 || plan.removeComponents.size > 0) {
    log.info(
      {
        devicesRemoved: plan.removeTopics.length,
        componentsRemoved: [...plan.removeComponents.values()].reduce((n, refs) => n + refs.length, 0),
      },
      'removed discovery entries this bridge published earlier and no longer produces',
    );
  }
}
