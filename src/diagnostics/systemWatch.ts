// Watches the host for events that break connections without the cloud's help: clock jumps or
// suspend/resume (wall vs monotonic time), network interface changes and DNS configuration changes,
// and records them in the collector so the pattern analysis can line them up with drops.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { SystemEventKind } from './types.js';

/** A wall-vs-monotonic difference above this is a clock jump or a suspend, not scheduling jitter. */
export const CLOCK_JUMP_THRESHOLD_MS = 2000;

export type InterfaceTable = Record<string, NetworkInterfaceInfo[] | undefined>;
type Maybe<T> = T | Promise<T>;

export interface SystemWatchOptions {
  clock: Clock;
  collector: { recordSystemEvent(input: { kind: SystemEventKind; detail: string }): void };
  log: Logger;
  intervalMs?: number;
  /** Defaults to `os.networkInterfaces()`. */
  readInterfaces?: () => Maybe<InterfaceTable>;
  /** Defaults to the text of /etc/resolv.conf (null when unreadable). */
  readDnsConfig?: () => Maybe<string | null>;
}

/** Per interface: how many addresses of each family, and a hash of the addresses (never the addresses). */
interface InterfaceFingerprint {
  ipv4: number;
  ipv6: number;
  hash: string;
}

async function readResolvConf(): Promise<string | null> {
  try {
    return await readFile('/etc/resolv.conf', 'utf8');
  } catch {
    return null;
  }
}

export class SystemWatch {
  private readonly clock: Clock;
  private readonly collector: SystemWatchOptions['collector'];
  private readonly log: Logger;
  private readonly intervalMs: number;
  private readonly readInterfaces: () => Maybe<InterfaceTable>;
  private readonly readDnsConfig: () => Maybe<string | null>;
  private timer: TimerHandle | undefined;
  private running = false;
  private generation = 0;
  private lastWall = 0;
  private lastMono = 0;
  private interfaces: Map<string, InterfaceFingerprint> | null = null;
  private dnsHash: string | null | undefined;

  constructor(options: SystemWatchOptions) {
    this.clock = options.clock;
    this.collector = options.collector;
    this.log = options.log;
    this.intervalMs = Math.max(100, options.intervalMs ?? 5000);
    this.readInterfaces = options.readInterfaces ?? (() => networkInterfaces());
    this.readDnsConfig = options.readDnsConfig ?? readResolvConf;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const generation = ++this.generation;
    this.lastWall = this.clock.now();
    this.lastMono = this.clock.monotonic();
    this.interfaces = null;
    this.dnsHash = undefined;
    // The first look only sets the baseline; events are differences from it.
    void this.check().finally(() => this.schedule(generation));
  }

  stop(): void {
    this.running = false;
    this.generation++;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(generation: number): void {
    // A check that was in flight across stop()/start() must not arm a second timer.
    if (!this.running || generation !== this.generation) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.check().finally(() => this.schedule(generation));
    }, this.intervalMs);
  }

  /** One look at the host; never throws. Exposed for tests that want to await a check. */
  async check(): Promise<void> {
    try {
      this.checkClock();
      await this.checkInterfaces();
      await this.checkDns();
    } catch (err) {
      this.log.warn({ err }, 'system watch check failed; will try again');
    }
  }

  private checkClock(): void {
    const wall = this.clock.now();
    const mono = this.clock.monotonic();
    const drift = wall - this.lastWall - (mono - this.lastMono);
    this.lastWall = wall;
    this.lastMono = mono;
    if (Math.abs(drift) <= CLOCK_JUMP_THRESHOLD_MS) return;
    const seconds = Math.round(drift / 100) / 10;
    const detail =
      drift > 0
        ? `wall clock jumped ${seconds} s ahead of the monotonic clock (suspend/resume or an NTP step)`
        : `wall clock stepped back ${-seconds} s (NTP or a manual change)`;
    this.record('clock_jump', detail);
  }

  private async checkInterfaces(): Promise<void> {
    if (!this.running) return;
    let table: InterfaceTable;
    try {
      table = await this.readInterfaces();
    } catch (err) {
      this.log.debug({ err }, 'could not read network interfaces');
      return;
    }
    if (!this.running) return;
    const current = fingerprint(table);
    const previous = this.interfaces;
    this.interfaces = current;
    if (previous === null) return;
    const changes = describeChanges(previous, current);
    if (changes.length > 0)
      this.record('network_change', `network interfaces changed: ${changes.join('; ')}`);
  }

  private async checkDns(): Promise<void> {
    if (!this.running) return;
    let text: string | null;
    try {
      text = await this.readDnsConfig();
    } catch (err) {
      this.log.debug({ err }, 'could not read the DNS configuration');
      return;
    }
    if (!this.running) return;
    const hash = typeof text === 'string' ? sha(text) : null;
    const previous = this.dnsHash;
    this.dnsHash = hash;
    if (previous === undefined || previous === hash) return;
    this.record(
      'dns_change',
      hash === null ? 'DNS configuration became unreadable' : 'DNS configuration (/etc/resolv.conf) changed',
    );
  }

  private record(kind: SystemEventKind, detail: string): void {
    try {
      this.collector.recordSystemEvent({ kind, detail });
    } catch (err) {
      this.log.warn({ err, kind }, 'could not record a system event');
    }
  }
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function fingerprint(table: InterfaceTable): Map<string, InterfaceFingerprint> {
  const out = new Map<string, InterfaceFingerprint>();
  if (typeof table !== 'object' || table === null) return out;
  for (const name of Object.keys(table).sort()) {
    const addresses = Array.isArray(table[name]) ? (table[name] as NetworkInterfaceInfo[]) : [];
    let ipv4 = 0;
    let ipv6 = 0;
    const parts: string[] = [];
    for (const a of addresses) {
      const family = String(a?.family);
      if (family === 'IPv4' || family === '4') ipv4++;
      else ipv6++;
      parts.push(`${family}|${String(a?.address)}|${String(a?.netmask)}`);
    }
    out.set(name, { ipv4, ipv6, hash: sha(parts.sort().join(',')) });
  }
  return out;
}

/** Interface names and address counts only: addresses themselves never leave this module. */
function describeChanges(
  before: Map<string, InterfaceFingerprint>,
  after: Map<string, InterfaceFingerprint>,
): string[] {
  const changes: string[] = [];
  for (const [name, now] of after) {
    const was = before.get(name);
    if (!was) {
      changes.push(`${name} appeared (IPv4 ${now.ipv4}, IPv6 ${now.ipv6})`);
      continue;
    }
    if (was.ipv4 !== now.ipv4 || was.ipv6 !== now.ipv6) {
      changes.push(`${name} IPv4 ${was.ipv4}→${now.ipv4}, IPv6 ${was.ipv6}→${now.ipv6}`);
    } else if (was.hash !== now.hash) {
      changes.push(`${name} addresses changed`);
    }
  }
  for (const name of before.keys()) if (!after.has(name)) changes.push(`${name} disappeared`);
  return changes;
}
