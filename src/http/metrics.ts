// /metrics: Prometheus text from a registry of our own (never prom-client's global one), every value
// read at scrape time from one snapshot of the sources, device labels as pseudonyms only.

import { Counter, Gauge, Registry } from 'prom-client';
import type { DiagnosticsNumbers } from '../diagnostics/numbers.js';
import { HEALTH_STATUSES, REASON_CODES } from '../health/health.js';
import { COMMAND_OUTCOMES, type CommandAccounting } from '../navien/commandLedger.js';
import { pseudonym, type Redactor } from '../util/redact.js';
import type { HealthState, ReportFileStatus } from './health.js';

/** The part of DiagnosticsCollector /metrics reads: the numbers every other view shows too. */
export interface MetricsCollector {
  numbers(): DiagnosticsNumbers;
}

/** One water heater; `id` may be its MAC: it is shown only as its pseudonym. */
export interface DeviceMetrics {
  id: string;
  /** Reachable through the cloud with fresh data (what `<b>/<id>/availability` says). */
  available: boolean;
  last_update_age_seconds: number | null;
}

/** What only the running bridge knows (main.ts fills it); everything else comes from the collector. */
export interface BridgeMetrics {
  command_queue_depth: number;
  /** The command accounting; absent: no command counters to show. */
  commands?: CommandAccounting;
  last_message_age_seconds: number | null;
  devices: DeviceMetrics[];
}

export interface MetricsSources {
  collector: MetricsCollector;
  health: () => HealthState;
  bridgeMetrics: () => BridgeMetrics;
  reportStatus: () => ReportFileStatus;
  uptimeSeconds: () => number;
  redactor: Redactor;
  version: string;
}

/** The link states a dashboard can rely on seeing (all but the current one at 0). */
export const LINK_STATES: readonly string[] = [
  'stopped',
  'connecting',
  'connected',
  'reconnecting',
  'auth_failed',
  'gave_up',
];
const MAX_DEVICES = 64;
const PSEUDONYM = /^dev-[0-9a-f]{8}$/;

interface Snapshot {
  numbers: DiagnosticsNumbers;
  health: HealthState;
  bridge: BridgeMetrics;
  report: ReportFileStatus;
  uptime: number;
}

type Labels = Record<string, string>;
type Sample = [Labels, number];

function finite(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

export interface MetricsEndpoint {
  readonly contentType: string;
  /** One scrape: reads every source once and renders the exposition text. */
  render(): Promise<string>;
}

export function createMetrics(sources: MetricsSources): MetricsEndpoint {
  const registry = new Registry();
  let snapshot: Snapshot | null = null;
  const scrub = (text: string): string => sources.redactor.scrubString(text);
  const deviceLabel = (id: string): string => (PSEUDONYM.test(id) ? id : pseudonym(id));

  const gauge = (name: string, help: string, labelNames: string[], read: (s: Snapshot) => Sample[]): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        if (!snapshot) return;
        for (const [labels, value] of read(snapshot)) if (finite(value)) this.set(labels, value);
      },
    });
  };
  // Totals live in the collector; a scrape copies them (reset, then add the current value).
  const counter = (
    name: string,
    help: string,
    labelNames: string[],
    read: (s: Snapshot) => Sample[],
  ): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        if (!snapshot) return;
        for (const [labels, value] of read(snapshot))
          if (finite(value) && value >= 0) this.inc(labels, value);
      },
    });
  };
  const byKey = (label: string, counts: Record<string, number>): Sample[] =>
    Object.entries(counts).map(([key, n]) => [{ [label]: scrub(key) }, n]);
  const one = (value: number | null | undefined): Sample[] => (finite(value) ? [[{}, value]] : []);
  const flag = (value: boolean): Sample[] => [[{}, value ? 1 : 0]];

  gauge('nwp500_bridge_info', 'The running bridge (value is always 1).', ['version'], () => [
    [{ version: scrub(sources.version) }, 1],
  ]);
  gauge('nwp500_bridge_uptime_seconds', 'Seconds since the bridge started.', [], (s) => one(s.uptime));
  gauge(
    'nwp500_health_status',
    'The bridge health as /healthz reports it (1 for the current status; unhealthy answers 503).',
    ['status'],
    (s) => HEALTH_STATUSES.map((status) => [{ status }, status === s.health.health.status ? 1 : 0]),
  );
  gauge(
    'nwp500_health_reason',
    'Why health is not ok (1 for each reason that holds now, 0 for the others).',
    ['code'],
    (s) => {
      const active = new Set(s.health.health.reasons.map((r) => r.code));
      return REASON_CODES.map((code) => [{ code }, active.has(code) ? 1 : 0]);
    },
  );
  gauge('nwp500_cloud_connected', '1 while the Navien cloud link is up.', [], (s) =>
    flag(s.health.cloud.connected),
  );
  gauge('nwp500_cloud_link_state', 'The cloud link state (1 for the current state).', ['state'], (s) => {
    const current = scrub(s.health.cloud.state);
    const states = LINK_STATES.includes(current) ? LINK_STATES : [...LINK_STATES, current];
    return states.map((state) => [{ state }, state === current ? 1 : 0]);
  });
  gauge('nwp500_cloud_session_uptime_seconds', 'Age of the current cloud session (0 while down).', [], (s) =>
    one(s.numbers.session_uptime_seconds),
  );
  gauge('nwp500_cloud_session_longest_seconds', 'Longest ended cloud session.', [], (s) =>
    one(s.numbers.session_longest_seconds),
  );
  gauge(
    'nwp500_cloud_session_shortest_seconds',
    'Shortest ended cloud session (absent until one ended).',
    [],
    (s) => one(s.numbers.session_shortest_seconds),
  );
  gauge('nwp500_cloud_session_average_seconds', 'Average length of ended cloud sessions.', [], (s) =>
    one(s.numbers.session_average_seconds),
  );
  gauge('nwp500_cloud_outage_seconds', 'Length of the current outage (0 while connected).', [], (s) =>
    one(s.numbers.current_outage_seconds ?? 0),
  );
  gauge('nwp500_cloud_outage_reconnect_attempts', 'Reconnect attempts made in the current outage.', [], (s) =>
    one(s.numbers.current_outage_attempts),
  );
  gauge('nwp500_cloud_drops_last_24h', 'Cloud connection drops in the last 24 hours.', [], (s) =>
    one(s.numbers.drops_last_24h),
  );
  gauge(
    'nwp500_cloud_drops_per_day',
    'Drops per day over the whole observation (absent until enough hours were observed for a rate).',
    [],
    (s) => one(s.numbers.drops_per_day),
  );
  gauge('nwp500_cloud_last_message_age_seconds', 'Seconds since the last message from the cloud.', [], (s) =>
    one(s.bridge.last_message_age_seconds),
  );
  gauge(
    'nwp500_command_queue_depth',
    'Commands in the queue: waiting, being sent or waiting for the heater to show them.',
    [],
    (s) => one(s.bridge.command_queue_depth),
  );
  gauge(
    'nwp500_command_queue_oldest_age_seconds',
    'Age of the oldest command in the queue (since Home Assistant sent it); 0 when it is empty.',
    [],
    (s) => {
      const commands = s.bridge.commands;
      if (!commands) return [];
      const age = commands.oldest_queued_age_ms;
      return [[{}, finite(age) ? age / 1000 : 0]];
    },
  );
  gauge('nwp500_local_broker_connected', '1 while the local MQTT broker is connected.', [], (s) =>
    flag(s.health.local_broker.connected),
  );
  gauge('nwp500_report_file_ok', '1 while the diagnostics report file can be written.', [], (s) =>
    flag(s.report.state !== 'failing'),
  );
  gauge(
    'nwp500_device_available',
    '1 while the water heater is reachable with fresh data.',
    ['device'],
    (s) =>
      s.bridge.devices.slice(0, MAX_DEVICES).map((d) => [{ device: deviceLabel(d.id) }, d.available ? 1 : 0]),
  );
  gauge(
    'nwp500_device_last_update_age_seconds',
    'Seconds since the water heater last reported.',
    ['device'],
    (s) =>
      s.bridge.devices
        .slice(0, MAX_DEVICES)
        .flatMap((d): Sample[] =>
          finite(d.last_update_age_seconds)
            ? [[{ device: deviceLabel(d.id) }, d.last_update_age_seconds]]
            : [],
        ),
  );

  counter(
    'nwp500_cloud_connections_total',
    "Fresh cloud connections, the first included (nwp500-python's total_connections).",
    [],
    (s) => one(s.numbers.connections),
  );
  counter(
    'nwp500_cloud_recoveries_total',
    'Cloud connections recovered (resumed or deep reconnect).',
    [],
    (s) => one(s.numbers.recoveries),
  );
  counter('nwp500_cloud_disconnects_total', 'Outages: transitions from connected to disconnected.', [], (s) =>
    one(s.numbers.outages),
  );
  counter('nwp500_cloud_drops_total', 'Cloud connection drops by error name.', ['error'], (s) =>
    byKey('error', s.numbers.drops_by_error),
  );
  counter('nwp500_cloud_reconnect_attempts_total', 'Reconnect attempts the link engine made.', [], (s) =>
    one(s.numbers.reconnect_attempts),
  );
  counter('nwp500_cloud_deep_reconnect_attempts_total', 'Reconnect attempts that signed in again.', [], (s) =>
    one(s.numbers.deep_reconnect_attempts),
  );
  counter(
    'nwp500_cloud_sessions_ended_total',
    'Cloud sessions that ended (by a drop or a rebuild).',
    [],
    (s) => one(s.numbers.sessions_ended),
  );
  counter(
    'nwp500_cloud_reconnect_failures_total',
    'Failed reconnect attempts by error name.',
    ['error'],
    (s) => byKey('error', s.numbers.reconnect_failures_by_error),
  );
  counter('nwp500_cloud_credential_renewals_total', 'AWS credentials obtained (sign-ins).', [], (s) =>
    one(s.numbers.credential_renewals),
  );
  counter('nwp500_messages_published_total', 'Publish requests sent to the cloud at once.', [], (s) =>
    one(s.numbers.messages_published),
  );
  counter('nwp500_messages_queued_total', 'Publish requests put in the offline queue.', [], (s) =>
    one(s.numbers.messages_queued),
  );
  counter('nwp500_messages_received_total', 'Messages received from the cloud.', [], (s) =>
    one(s.numbers.messages_in),
  );
  counter('nwp500_messages_sent_total', 'Messages sent to the cloud.', [], (s) =>
    one(s.numbers.messages_out),
  );
  counter('nwp500_commands_refused_total', 'HA commands refused, by reason.', ['reason'], (s) =>
    byKey('reason', s.numbers.commands_refused_by_reason),
  );
  counter('nwp500_commands_dropped_total', 'Queued commands dropped before delivery.', ['reason'], (s) => [
    [{ reason: 'overflow' }, s.numbers.queue_dropped_overflow],
    [{ reason: 'expired' }, s.numbers.queue_dropped_expired],
  ]);

  counter(
    'nwp500_commands_total',
    'HA commands by outcome: accepted = delivered + superseded + expired + overflow + unconfirmed + queued; refused and ignored_retained were never accepted.',
    ['outcome'],
    (s) => {
      const commands = s.bridge.commands;
      return commands ? COMMAND_OUTCOMES.map((outcome): Sample => [{ outcome }, commands[outcome]]) : [];
    },
  );

  const scrape = async (): Promise<string> => {
    snapshot = {
      numbers: sources.collector.numbers(),
      health: sources.health(),
      bridge: sources.bridgeMetrics(),
      report: sources.reportStatus(),
      uptime: sources.uptimeSeconds(),
    };
    try {
      return await registry.metrics();
    } finally {
      snapshot = null;
    }
  };
  // The collect callbacks share one snapshot, so two scrapes at once must take turns.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    contentType: registry.contentType,
    render(): Promise<string> {
      const run = queue.then(scrape);
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
