// What the ingress page's chart draws: cloud sessions as spans and drops as marks over the last
// hour, day, 7 or 30 days (by default the shortest of those that holds the whole history), rebuilt
// from the collector's retained history, bounded in size whatever the history holds.

import { z } from 'zod';
import type { AnalysisInput } from '../diagnostics/patterns.js';
import type { Redactor } from '../util/redact.js';

export interface TimelineCollector {
  analysisInput(): AnalysisInput;
  isConnected(): boolean;
}

export const MAX_TIMELINE_DAYS = 30;
export const MAX_TIMELINE_HOURS = MAX_TIMELINE_DAYS * 24;
/** The page's ranges: last hour, 1 day, 7 days, 30 days. */
export const TIMELINE_RANGES_HOURS: readonly number[] = [1, 24, 7 * 24, MAX_TIMELINE_HOURS];
/** Per series; a week of drops every few minutes still fits, and the answer stays small. */
export const MAX_TIMELINE_ITEMS = 1000;
const HOUR_MS = 3_600_000;

/** The shortest of the page's ranges whose window reaches back to `oldestMs` (the last hour if none). */
export function shortestRangeHours(oldestMs: number | null, nowMs: number): number {
  if (oldestMs === null) return TIMELINE_RANGES_HOURS[0] as number;
  const needed = (nowMs - oldestMs) / HOUR_MS;
  return TIMELINE_RANGES_HOURS.find((hours) => hours >= needed) ?? MAX_TIMELINE_HOURS;
}

export const timelineSchema = z.object({
  now_ms: z.number(),
  from_ms: z.number(),
  /** The window, in hours (and in days: 1/24 for the last hour). */
  hours: z.number(),
  days: z.number(),
  /** The window was chosen as the shortest range holding the whole history (no range asked for). */
  auto: z.boolean(),
  /** Wall-clock ms of the oldest event in the retained history, null when there is none. */
  oldest_ms: z.number().nullable(),
  connected: z.boolean(),
  /** Changes whenever a drop or a connection is recorded (the page refetches the analysis then). */
  revision: z.string(),
  sessions: z.array(
    z.object({
      start_ms: z.number(),
      /** null while the session is still up. */
      end_ms: z.number().nullable(),
      /** How it began: connected, resumed, deep_reconnected, or unknown (its start fell out of the history). */
      kind: z.string(),
      /** The session began before the window; start_ms is the window's start. */
      clipped: z.boolean(),
    }),
  ),
  drops: z.array(z.object({ at_ms: z.number(), error: z.string(), session_seconds: z.number().nullable() })),
  reconnect_failures: z.array(z.object({ at_ms: z.number(), error: z.string() })),
  host_events: z.array(z.object({ at_ms: z.number(), kind: z.string() })),
  truncated: z.boolean(),
});
export type Timeline = z.infer<typeof timelineSchema>;
type Session = Timeline['sessions'][number];

interface Mark {
  mono: number;
  wall: number;
}

function newest<T>(items: T[]): { items: T[]; cut: boolean } {
  return items.length > MAX_TIMELINE_ITEMS
    ? { items: items.slice(-MAX_TIMELINE_ITEMS), cut: true }
    : { items, cut: false };
}

export function buildTimeline(input: {
  collector: TimelineCollector;
  redactor: Redactor;
  nowMs: number;
  /** Whole days (1–30) or hours (1–720); neither: the shortest range that holds the history. */
  days?: number;
  hours?: number;
}): Timeline {
  const history = input.collector.analysisInput();
  const connected = input.collector.isConnected();
  const now = input.nowMs;
  const oldest = oldestEvent(history);
  const auto = input.hours === undefined && input.days === undefined;
  const hours = auto
    ? shortestRangeHours(oldest, now)
    : input.hours !== undefined
      ? Math.min(MAX_TIMELINE_HOURS, Math.max(1, Math.floor(input.hours)))
      : Math.min(MAX_TIMELINE_DAYS, Math.max(1, Math.floor(input.days ?? 1))) * 24;
  const from = now - hours * HOUR_MS;
  const label = (text: string | null | undefined): string =>
    input.redactor.scrubString(text && text.trim() !== '' ? text.trim() : 'UNKNOWN').slice(0, 100);

  // Pair connections with drops in the order they happened (monotonic), show them on the wall clock.
  type Step =
    | (Mark & { up: true; kind: string })
    | (Mark & { up: false; error: string; lifetime: number | null });
  const steps: Step[] = [
    ...history.connections.map(
      (c): Step => ({ up: true, mono: c.monoMs, wall: c.wallMs, kind: label(c.eventType) }),
    ),
    ...history.drops.map(
      (d): Step => ({
        up: false,
        mono: d.monoMs,
        wall: d.wallMs,
        error: label(d.errorName),
        lifetime: d.lifetimeSeconds,
      }),
    ),
  ].sort((a, b) => a.mono - b.mono || (a.up === b.up ? 0 : a.up ? 1 : -1));

  const sessions: Session[] = [];
  const drops: Timeline['drops'] = [];
  let open: { start: number; kind: string } | null = null;
  for (const step of steps) {
    if (step.up) {
      if (open) sessions.push({ start_ms: open.start, end_ms: step.wall, kind: open.kind, clipped: false });
      open = { start: step.wall, kind: step.kind };
      continue;
    }
    if (open) {
      sessions.push({ start_ms: open.start, end_ms: step.wall, kind: open.kind, clipped: false });
      open = null;
    } else if (step.lifetime !== null && step.lifetime > 0) {
      // The connection that began this session fell out of the bounded history; its length did not.
      sessions.push({
        start_ms: step.wall - step.lifetime * 1000,
        end_ms: step.wall,
        kind: 'unknown',
        clipped: false,
      });
    }
    drops.push({ at_ms: step.wall, error: step.error, session_seconds: step.lifetime });
  }
  if (open)
    sessions.push({
      start_ms: open.start,
      end_ms: connected ? null : open.start,
      kind: open.kind,
      clipped: false,
    });

  const inWindow = (at: number): boolean => at >= from && at <= now;
  const windowSessions = sessions
    .filter((s) => (s.end_ms ?? now) >= from && s.start_ms <= now)
    .map((s) => (s.start_ms < from ? { ...s, start_ms: from, clipped: true } : s));
  const shownSessions = newest(windowSessions);
  const shownDrops = newest(drops.filter((d) => inWindow(d.at_ms)));
  const shownFailures = newest(
    (history.reconnectFailures ?? [])
      .filter((f) => inWindow(f.wallMs))
      .map((f) => ({ at_ms: f.wallMs, error: label(f.errorName) })),
  );
  const shownHostEvents = newest(
    history.systemEvents
      .filter((e) => inWindow(e.wallMs))
      .map((e) => ({ at_ms: e.wallMs, kind: label(e.kind) })),
  );
  const lastDrop = history.drops.at(-1)?.wallMs ?? 0;
  const lastConnection = history.connections.at(-1)?.wallMs ?? 0;
  return {
    now_ms: now,
    from_ms: from,
    hours,
    days: hours / 24,
    auto,
    oldest_ms: oldest,
    connected,
    revision: `${history.drops.length}.${lastDrop}.${history.connections.length}.${lastConnection}`,
    sessions: shownSessions.items,
    drops: shownDrops.items,
    reconnect_failures: shownFailures.items,
    host_events: shownHostEvents.items,
    truncated: shownSessions.cut || shownDrops.cut || shownFailures.cut || shownHostEvents.cut,
  };
}

/** The wall time of the oldest connection, drop, failed attempt or host event retained. */
function oldestEvent(history: AnalysisInput): number | null {
  const firsts = [
    history.connections[0]?.wallMs,
    history.drops[0]?.wallMs,
    history.reconnectFailures?.[0]?.wallMs,
    history.systemEvents[0]?.wallMs,
  ].filter((ms): ms is number => typeof ms === 'number' && Number.isFinite(ms));
  return firsts.length === 0 ? null : Math.min(...firsts);
}
