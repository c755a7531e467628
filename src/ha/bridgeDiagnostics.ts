// Keeps the bridge device's state (`<b>/bridge/diagnostics`) and link attributes current: published
// at once when the link goes down or up (so HA's connectivity entity shows every drop, however
// short), soon after other link events, and otherwise once a minute — never per cloud message. The
// drop analysis is recomputed only when the collector recorded something new (or it grew old).

import type { DiagnosticsCollector } from '../diagnostics/collector.js';
import { type Analysis, analyzeDrops } from '../diagnostics/patterns.js';
import type { Health } from '../health/health.js';
import type { CloudLink } from '../navien/connection.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { bridgeControlEntities } from './bridgeControls.js';
import {
  type BridgeSnapshot,
  bridgeAttributes,
  bridgeAttributesTopic,
  bridgeEntities,
  bridgeState,
} from './bridgeEntities.js';
import type { LocalBroker } from './broker.js';
import type { EntityDef } from './entityModel.js';

/** The attributes show the last few drops; the counts come from the numbers. */
const ATTRIBUTE_DROPS_READ = 10;

/** The bridge's health (HealthMonitor): computed on each read, with an event when it changes. */
export interface HealthSource {
  current(): Health;
  events: { on(event: 'change', listener: (health: Health) => void): () => void };
}

export interface BridgeDiagnosticsOptions {
  broker: Pick<LocalBroker, 'publish' | 'topics'>;
  link: Pick<CloudLink, 'stats' | 'events'>;
  collector: Pick<
    DiagnosticsCollector,
    'getMetrics' | 'numbers' | 'getRecentDrops' | 'analysisInput' | 'onChange'
  >;
  clock: Clock;
  log: Logger;
  /** Republish period when nothing happens (default 60 s). */
  intervalMs?: number;
  /** Wait after a link event, so a burst of them is one publish (default 250 ms). */
  settleMs?: number;
  /** The analysis is recomputed at least this often even without new events (default 10 min). */
  analysisMaxAgeMs?: number;
  /**
   * ...and at most this often however many events arrive (default 5 s): with a full history an
   * analysis takes tens of milliseconds, and a reconnect storm records an event per attempt.
   */
  analysisMinIntervalMs?: number;
  /** This instance's install id (in the state JSON). */
  installId: string;
  /** The bridge's health; with it the bridge device gets its Health entity. */
  health?: HealthSource;
  /** The log level now; with it the bridge device gets its controls (reconnect, export, log level). */
  logLevel?: () => string;
}

export class BridgeDiagnostics {
  readonly table: EntityDef<BridgeSnapshot>[];
  private readonly attributesTopic: string;
  private periodicTimer: TimerHandle | undefined;
  private settleTimer: TimerHandle | undefined;
  private settleAtMono = 0;
  private analysis: { analysis: Analysis; config: BridgeSnapshot['config'] } | undefined;
  private analysisAtMono = 0;
  private analysisDirty = true;
  private running = false;
  private readonly unsubscribers: Array<() => void> = [];

  constructor(private readonly options: BridgeDiagnosticsOptions) {
    this.attributesTopic = bridgeAttributesTopic(options.broker.topics);
    this.table = [
      ...bridgeEntities(this.attributesTopic),
      ...(options.logLevel === undefined ? [] : bridgeControlEntities()),
    ];
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const { link, collector } = this.options;
    let connected = link.stats().state === 'connected';
    this.unsubscribers.push(
      link.events.on('state', (state) => {
        // Up or down is published now, not after the settle time: a 0.4 s drop still shows in HA.
        if ((state === 'connected') !== connected) {
          connected = state === 'connected';
          this.publishNow();
        } else {
          this.publishSoon();
        }
      }),
      collector.onChange(() => {
        this.analysisDirty = true;
        this.publishSoon();
      }),
    );
    // A change of health (also one that only time brings) is published within the settle time.
    const health = this.options.health;
    if (health) this.unsubscribers.push(health.events.on('change', () => this.publishSoon()));
    this.publishNow();
  }

  stop(): void {
    this.running = false;
    for (const off of this.unsubscribers.splice(0)) off();
    const { clock } = this.options;
    clock.clearTimeout(this.periodicTimer);
    clock.clearTimeout(this.settleTimer);
    this.periodicTimer = undefined;
    this.settleTimer = undefined;
  }

  /** What the entities read now. */
  snapshot(): BridgeSnapshot {
    const { link, collector } = this.options;
    const recentDrops = collector.getRecentDrops(ATTRIBUTE_DROPS_READ).reverse();
    const { analysis, config } = this.currentAnalysis();
    return {
      link: link.stats(),
      metrics: collector.getMetrics(),
      numbers: collector.numbers(),
      recentDrops,
      analysis,
      config,
      logLevel: this.options.logLevel?.() ?? null,
      installId: this.options.installId,
      health: this.options.health?.current() ?? null,
    };
  }

  private currentAnalysis(): { analysis: Analysis; config: BridgeSnapshot['config'] } {
    const { collector } = this.options;
    if (this.analysis === undefined || this.analysisDue() === 0) {
      const input = collector.analysisInput();
      this.analysis = { analysis: analyzeDrops(input), config: input.configEpochs.at(-1)?.settings ?? null };
      this.analysisAtMono = this.options.clock.monotonic();
      this.analysisDirty = false;
    }
    return this.analysis;
  }

  /** Milliseconds until the analysis should be recomputed (0: now); undefined when it is current. */
  private analysisDue(): number | undefined {
    const age = this.options.clock.monotonic() - this.analysisAtMono;
    if (age >= (this.options.analysisMaxAgeMs ?? 600_000)) return 0;
    if (!this.analysisDirty) return undefined;
    return Math.max(0, (this.options.analysisMinIntervalMs ?? 5_000) - age);
  }

  /** Publishes state and attributes now (the broker skips them when nothing changed). */
  publishNow(): void {
    const { clock, broker, log } = this.options;
    clock.clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    try {
      const snapshot = this.snapshot();
      const topics = broker.topics;
      broker.publish(this.attributesTopic, JSON.stringify(bridgeAttributes(snapshot)), { retain: true });
      broker.publish(topics.bridgeDiagnostics, JSON.stringify(bridgeState(this.table, snapshot)), {
        retain: true,
      });
    } catch (error) {
      log.warn({ err: error }, 'could not publish the bridge diagnostics');
    }
    if (!this.running) return;
    clock.clearTimeout(this.periodicTimer);
    this.periodicTimer = clock.setTimeout(() => this.publishNow(), this.options.intervalMs ?? 60_000);
    // Events came faster than the analysis may be recomputed: publish again once it may.
    const due = this.analysisDue();
    if (due !== undefined) this.publishSoon(due);
  }

  /** Schedules a publish in `atLeastMs` (no sooner than the settle time); an earlier one already due wins. */
  private publishSoon(atLeastMs = 0): void {
    if (!this.running) return;
    const { clock } = this.options;
    const delay = Math.max(atLeastMs, this.options.settleMs ?? 250);
    const at = clock.monotonic() + delay;
    if (this.settleTimer && this.settleAtMono <= at) return;
    clock.clearTimeout(this.settleTimer);
    this.settleAtMono = at;
    this.settleTimer = clock.setTimeout(() => this.publishNow(), delay);
  }
}
