// Turns whatever the analysis is handed (a collector's history, an exported file, arbitrary JSON)
// into clean, sorted, bounded series: malformed items are dropped, never trusted, never thrown on.

import { z } from 'zod';

/** Input bounds, so hostile or broken input cannot make the analysis slow or overflow. */
export const MAX_ITEMS = 100_000;
export const MAX_LOAD_BINS = 20_000;
export const MAX_HOURS = 10 * 365 * 24;
/** The tests' random draws are seeded, so the same history gives the same answer. */
export const DEFAULT_SEED = 0x5eed;

const finite = z.number().refine(Number.isFinite);
// Times within the Date range and counts far beyond any real history: larger values are broken input.
const time = z.number().refine((v) => Math.abs(v) <= 8.64e15);
const bounded = z.number().refine((v) => Math.abs(v) <= 1e12);
const timed = { wallMs: time, monoMs: time.optional() };
const dropItem = z.object({
  ...timed,
  errorName: z.string().nullable().optional(),
  lifetimeSeconds: bounded.nullable().optional(),
  messagesBefore: bounded.nullable().optional(),
});
const connectionItem = z.object({
  ...timed,
  eventType: z.string().optional(),
  timeToReconnectSeconds: bounded.nullable().optional(),
});
const failureItem = z.object({
  ...timed,
  errorName: z.string().optional(),
  deep: z.boolean().optional(),
  credentialAgeSeconds: bounded.nullable().optional(),
});
const restItem = z.object({ ...timed, reachable: z.boolean(), clockOffsetMs: bounded.nullable().optional() });
const systemItem = z.object({ ...timed, kind: z.string().optional(), detail: z.string().optional() });
const epochItem = z.object({
  ...timed,
  settings: z.record(z.string(), z.union([z.string(), finite, z.boolean()])).optional(),
});
const renewalItem = z.object({ ...timed, planned: z.boolean().optional(), reason: z.string().optional() });
const binItem = z.object({ ...timed, messages: bounded });

/** A point in time: `t` on the monotonic axis (ms), `wall` for time-of-day. */
export interface At {
  t: number;
  wall: number;
}
export interface Drop extends At {
  error: string;
  lifetime: number | null;
  messagesBefore: number | null;
}
export interface Connection extends At {
  timeToReconnect: number | null;
}
export interface Clean {
  drops: Drop[];
  connections: Connection[];
  failures: Array<At & { error: string; deep: boolean; credentialAge: number | null }>;
  restChecks: Array<At & { reachable: boolean; clockOffsetMs: number | null }>;
  systemEvents: Array<At & { kind: string; detail: string }>;
  epochs: Array<At & { settings: Record<string, string | number | boolean> }>;
  renewals: Array<At & { planned: boolean }>;
  bins: Array<At & { messages: number }>;
  binMs: number;
  hours: number;
  endT: number;
  startT: number;
  connected: boolean | null;
  keepAlive: number | null;
  seed: number;
}

function items<S extends z.ZodType>(value: unknown, schema: S): Array<z.infer<S>> {
  if (!Array.isArray(value)) return [];
  const out: Array<z.infer<S>> = [];
  for (const item of value.slice(-MAX_ITEMS)) {
    const parsed = schema.safeParse(item);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

function field(input: unknown, key: string): unknown {
  return typeof input === 'object' && input !== null && !Array.isArray(input)
    ? (input as Record<string, unknown>)[key]
    : undefined;
}

function finiteOr<D>(value: unknown, fallback: D): number | D {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function byTime<X extends At>(list: X[]): X[] {
  return list.sort((a, b) => a.t - b.t);
}

export function sanitize(input: unknown): Clean {
  const at = (x: { wallMs: number; monoMs?: number | undefined }): At => ({
    t: x.monoMs ?? x.wallMs,
    wall: x.wallMs,
  });
  const drops = byTime(
    items(field(input, 'drops'), dropItem).map((d) => ({
      ...at(d),
      error: d.errorName?.trim() ? d.errorName.trim() : 'UNKNOWN',
      lifetime: d.lifetimeSeconds ?? null,
      messagesBefore: d.messagesBefore ?? null,
    })),
  );
  const connections = byTime(
    items(field(input, 'connections'), connectionItem).map((c) => ({
      ...at(c),
      timeToReconnect: c.timeToReconnectSeconds ?? null,
    })),
  );
  const failures = byTime(
    items(field(input, 'reconnectFailures'), failureItem).map((f) => ({
      ...at(f),
      error: f.errorName?.trim() ? f.errorName.trim() : 'UNKNOWN',
      deep: f.deep === true,
      credentialAge: f.credentialAgeSeconds ?? null,
    })),
  );
  const restChecks = byTime(
    items(field(input, 'restChecks'), restItem).map((r) => ({
      ...at(r),
      reachable: r.reachable,
      clockOffsetMs: r.clockOffsetMs ?? null,
    })),
  );
  const systemEvents = byTime(
    items(field(input, 'systemEvents'), systemItem).map((e) => ({
      ...at(e),
      kind: e.kind ?? 'host_event',
      detail: e.detail ?? '',
    })),
  );
  const epochs = byTime(
    items(field(input, 'configEpochs'), epochItem).map((e) => ({ ...at(e), settings: e.settings ?? {} })),
  );
  const renewals = byTime(
    items(field(input, 'credentialRenewals'), renewalItem).map((r) => ({
      ...at(r),
      planned: r.planned !== false,
    })),
  );
  const bins = byTime(
    items(field(input, 'loadBins'), binItem)
      .filter((b) => b.messages >= 0)
      .map((b) => ({ ...at(b), messages: b.messages })),
  );
  const binMsRaw = finiteOr(field(input, 'loadBinMs'), 300_000);
  const binMs = binMsRaw >= 1000 ? binMsRaw : 300_000;

  const times = [drops, connections, failures, systemEvents, epochs, renewals, bins].flatMap((list) =>
    list.length > 0 ? [(list[0] as At).t, (list[list.length - 1] as At).t] : [],
  );
  const lastEvent = times.length > 0 ? Math.max(...times) : 0;
  const firstEvent = times.length > 0 ? Math.min(...times) : 0;
  const nowRaw = finiteOr(field(input, 'nowMonoMs'), lastEvent);
  const endT = Math.max(Math.abs(nowRaw) <= 8.64e15 ? nowRaw : lastEvent, lastEvent);
  const hoursRaw = finiteOr(field(input, 'hoursCollected'), Number.NaN);
  const spanHours = Math.max(0, endT - firstEvent) / 3_600_000;
  const hours = Math.min(hoursRaw >= 0 ? hoursRaw : spanHours, MAX_HOURS);
  const connectedRaw = field(input, 'connected');
  const keepAliveRaw = finiteOr(field(input, 'keepAliveSecs'), null);
  return {
    drops,
    connections,
    failures,
    restChecks,
    systemEvents,
    epochs,
    renewals,
    bins,
    binMs,
    hours,
    endT,
    startT: Math.min(firstEvent, endT - hours * 3_600_000),
    connected: typeof connectedRaw === 'boolean' ? connectedRaw : null,
    keepAlive: keepAliveRaw !== null && keepAliveRaw > 0 ? keepAliveRaw : null,
    seed: Math.floor(finiteOr(field(input, 'seed'), DEFAULT_SEED)),
  };
}
