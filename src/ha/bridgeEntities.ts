// The bridge's own HA device (`nwp500_bridge_<install>`): the health of the Navien cloud link as diagnostic
// entities, its state JSON, and a compact attributes JSON that answers "why does it drop" in HA's
// own "Download diagnostics" for the device.

import type { Analysis } from '../diagnostics/analysisTypes.js';
import type { DiagnosticsNumbers } from '../diagnostics/numbers.js';
import type { ConnectionDropEvent, MqttMetrics } from '../diagnostics/types.js';
import { HEALTH_STATUSES, type Health } from '../health/health.js';
import type { LinkStats } from '../navien/connection.js';
import { componentsFor } from './deviceDiscovery.js';
import { buildDeviceDiscovery, type DeviceDiscovery, type Origin } from './discovery/index.js';
import type { EntityDef, StateValue } from './entityModel.js';
import { buildAttributes, buildState } from './state.js';
import type { Topics } from './topics.js';

export interface BridgeSnapshot {
  link: LinkStats;
  /** nwp500-python's metrics object, kept in the state JSON for scripts that read it. */
  metrics: MqttMetrics;
  /** Every count the entities show, from the function the page and /metrics use too. */
  numbers: DiagnosticsNumbers;
  /** Newest first. */
  recentDrops: ConnectionDropEvent[];
  analysis: Analysis;
  /** The settings in force (the newest configuration epoch), e.g. keep_alive_secs. */
  config: Record<string, string | number | boolean> | null;
  /** The root logger's level now (the log-level select); null when not controlled from HA. */
  logLevel: string | null;
  /** This instance's install id: another one on the same base topic shows up with another. */
  installId: string;
  /** The bridge's health as /healthz reports it; null where it is not computed (no entity then). */
  health: Health | null;
}

/** HA keeps at most 255 characters of a state. */
const MAX_STATE_CHARS = 255;
const ATTRIBUTE_DROPS = 5;
const ATTRIBUTE_ERRORS = 10;

function text(value: string): string {
  return value.length > MAX_STATE_CHARS ? `${value.slice(0, MAX_STATE_CHARS - 1)}…` : value;
}

function wholeSeconds(value: number | null): StateValue {
  return value === null || !Number.isFinite(value) ? null : Math.max(0, Math.round(value));
}

/** `<b>/bridge/diagnostics/attributes`. */
export function bridgeAttributesTopic(topics: Topics): string {
  return `${topics.bridgeDiagnostics}/attributes`;
}

export function bridgeEntities(attributesTopic: string): EntityDef<BridgeSnapshot>[] {
  return [
    {
      // What /healthz says (unhealthy = 503, the watchdog restarts the add-on), with the reasons.
      platform: 'sensor',
      key: 'health',
      name: 'Health',
      enabled: true,
      category: 'diagnostic',
      deviceClass: 'enum',
      options: HEALTH_STATUSES,
      icon: 'mdi:heart-pulse',
      available: (s) => s.health !== null,
      read: (s) => s.health?.status ?? null,
      attributes: (s) => ({
        reasons: (s.health?.reasons ?? []).map((r) => ({
          code: r.code,
          severity: r.severity,
          message: text(r.message),
          since: r.since,
        })),
      }),
    },
    {
      platform: 'binary_sensor',
      key: 'cloud_connected',
      name: 'Cloud connection',
      enabled: true,
      category: 'diagnostic',
      deviceClass: 'connectivity',
      read: (s) => s.link.state === 'connected',
      attributesTopic,
    },
    {
      platform: 'sensor',
      key: 'drops_total',
      name: 'Connection drops',
      enabled: true,
      category: 'diagnostic',
      icon: 'mdi:lan-disconnect',
      stateClass: 'total_increasing',
      read: (s) => s.numbers.drops,
    },
    {
      platform: 'sensor',
      key: 'drops_24h',
      name: 'Connection drops in the last 24 h',
      enabled: true,
      category: 'diagnostic',
      icon: 'mdi:lan-disconnect',
      stateClass: 'measurement',
      read: (s) => s.numbers.drops_last_24h,
    },
    {
      platform: 'sensor',
      key: 'session_uptime',
      name: 'Connection uptime',
      enabled: true,
      category: 'diagnostic',
      deviceClass: 'duration',
      stateClass: 'measurement',
      unit: 's',
      precision: 0,
      read: (s) => wholeSeconds(s.link.state === 'connected' ? s.link.sessionUptimeSeconds : 0),
    },
    {
      platform: 'sensor',
      key: 'last_drop_error',
      name: 'Last drop error',
      enabled: true,
      category: 'diagnostic',
      icon: 'mdi:alert-outline',
      read: (s) => text(s.recentDrops[0]?.error_name ?? 'none'),
    },
    {
      platform: 'sensor',
      key: 'drop_pattern',
      name: 'Drop pattern',
      enabled: true,
      category: 'diagnostic',
      icon: 'mdi:chart-timeline-variant',
      read: (s) => text(s.analysis.title),
    },
    {
      platform: 'sensor',
      key: 'reconnect_attempts',
      name: 'Reconnect attempts',
      enabled: true,
      category: 'diagnostic',
      icon: 'mdi:restart',
      stateClass: 'total_increasing',
      read: (s) => s.numbers.reconnect_attempts,
    },
    {
      platform: 'sensor',
      key: 'queued_commands',
      name: 'Queued commands',
      enabled: true,
      category: 'diagnostic',
      icon: 'mdi:tray-full',
      stateClass: 'measurement',
      read: (s) => s.link.queuedCommands,
    },
    {
      platform: 'sensor',
      key: 'last_message_age',
      name: 'Last cloud message age',
      enabled: true,
      category: 'diagnostic',
      deviceClass: 'duration',
      stateClass: 'measurement',
      unit: 's',
      precision: 0,
      read: (s) => wholeSeconds(s.link.lastMessageAgeSeconds),
    },
  ];
}

/**
 * Where an entity's attributes are in the bridge's diagnostics JSON. Unlike a heater's, they ride in
 * the state: it is published on link events and once a minute, not on every status.
 */
function inlineAttributesKey(key: string): string {
  return `${key}_attributes`;
}

/** The JSON on `<b>/bridge/diagnostics`: the entities' values and attributes, the link metrics and the verdict. */
export function bridgeState(
  table: readonly EntityDef<BridgeSnapshot>[],
  s: BridgeSnapshot,
): Record<string, unknown> {
  const attributes = Object.entries(buildAttributes(table, s)).map(([key, value]) => [
    inlineAttributesKey(key),
    value,
  ]);
  return {
    ...buildState(table, s),
    ...Object.fromEntries(attributes),
    link_state: s.link.state,
    verdict: s.analysis.verdict,
    metrics: s.metrics,
    install_id: s.installId,
  };
}

/**
 * The link-status entity's attributes: small, and free of anything that changes by itself (ages,
 * uptimes), so it is republished only when there is something new to say.
 */
export function bridgeAttributes(s: BridgeSnapshot): Record<string, unknown> {
  const dropsByError = Object.entries(s.numbers.drops_by_error).slice(0, ATTRIBUTE_ERRORS);
  return {
    link_state: s.link.state,
    verdict: s.analysis.verdict,
    title: s.analysis.title,
    likely_cause: s.analysis.likelyCause,
    confidence: s.analysis.confidence,
    drops_total: s.numbers.drops,
    drops_by_error: Object.fromEntries(dropsByError),
    recent_drops: s.recentDrops.slice(0, ATTRIBUTE_DROPS).map((drop) => ({
      time: drop.timestamp,
      error: drop.error_name,
      session_seconds:
        drop.duration_connected_seconds === null ? null : Math.round(drop.duration_connected_seconds),
    })),
    config: s.config,
  };
}

/** The bridge device's discovery message; its availability is the bridge's own LWT topic only. */
export function buildBridgeDiscovery(input: {
  table: readonly EntityDef<BridgeSnapshot>[];
  snapshot: BridgeSnapshot;
  topics: Topics;
  origin: Origin;
}): DeviceDiscovery {
  const { table, snapshot, topics, origin } = input;
  return buildDeviceDiscovery({
    device: {
      identifiers: [topics.bridgeDeviceId],
      name: 'NWP500 Bridge',
      manufacturer: 'nwp500-bridge',
      model: 'Navien cloud bridge',
      ...(origin.sw_version === undefined ? {} : { sw_version: origin.sw_version }),
    },
    origin,
    availability: [{ topic: topics.bridgeAvailability }],
    stateTopic: topics.bridgeDiagnostics,
    components: componentsFor(table, snapshot, {
      uniqueIdPrefix: topics.bridgeDeviceId,
      entityIdPrefix: topics.bridgeDeviceId,
      state: topics.bridgeDiagnostics,
      attributes: { topic: topics.bridgeDiagnostics, key: inlineAttributesKey },
      command: (key) => topics.bridgeCommand(key),
    }),
  });
}
