import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import { type InterfaceTable, SystemWatch } from '../../src/diagnostics/systemWatch.js';
import { ManualClock } from '../../src/util/clock.js';
import { captureLog } from '../helpers/logCapture.js';

const ADDRESS = '192.168.17.42';
const NEW_ADDRESS = '192.168.17.99';

function ipv4(address: string): NetworkInterfaceInfo {
  return {
    address,
    netmask: '255.255.255.0',
    family: 'IPv4',
    mac: 'aa:bb:cc:dd:ee:ff',
    internal: false,
    cidr: `${address}/24`,
  };
}

/** Lets the watcher's pending promise callbacks run (no timers involved). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const log = captureLog('debug');
  const collector = new DiagnosticsCollector({ maxEventsRetained: 100, clock });
  let interfaces: InterfaceTable = { lo: [ipv4('127.0.0.1')], eth0: [ipv4(ADDRESS)] };
  let dns: string | null = 'nameserver 192.168.17.1\n';
  let dnsFails = false;
  const watch = new SystemWatch({
    clock,
    collector,
    log: log.logger,
    intervalMs: 5000,
    readInterfaces: () => interfaces,
    readDnsConfig: async () => {
      if (dnsFails) throw new Error('EACCES');
      return dns;
    },
  });
  const events = () =>
    collector.analysisInput().systemEvents.map((e) => ({ kind: e.kind, detail: e.detail }));
  const tick = async () => {
    clock.advance(5000);
    await settle();
  };
  return {
    clock,
    log,
    watch,
    events,
    tick,
    setInterfaces: (t: InterfaceTable) => {
      interfaces = t;
    },
    setDns: (text: string | null) => {
      dns = text;
    },
    failDns: () => {
      dnsFails = true;
    },
  };
}

describe('SystemWatch', () => {
  it('records nothing while the host is quiet', async () => {
    const s = setup();
    s.watch.start();
    await settle();
    for (let i = 0; i < 5; i++) await s.tick();
    expect(s.events()).toEqual([]);
    s.watch.stop();
  });

  it('records a suspend/resume as a forward clock jump with its size', async () => {
    const s = setup();
    s.watch.start();
    await settle();
    s.clock.jumpWall(90_000);
    await s.tick();
    expect(s.events()).toEqual([
      {
        kind: 'clock_jump',
        detail: 'wall clock jumped 90 s ahead of the monotonic clock (suspend/resume or an NTP step)',
      },
    ]);
    s.clock.jumpWall(-3_500);
    await s.tick();
    expect(s.events()[1]).toEqual({
      kind: 'clock_jump',
      detail: 'wall clock stepped back 3.5 s (NTP or a manual change)',
    });
    s.clock.jumpWall(1_500); // within scheduling noise
    await s.tick();
    expect(s.events()).toHaveLength(2);
    s.watch.stop();
  });

  it('records interface changes by name and count, never by address', async () => {
    const s = setup();
    s.watch.start();
    await settle();
    s.setInterfaces({ lo: [ipv4('127.0.0.1')], eth0: [] });
    await s.tick();
    s.setInterfaces({ lo: [ipv4('127.0.0.1')], eth0: [ipv4(NEW_ADDRESS)], wlan0: [ipv4('10.0.0.5')] });
    await s.tick();
    s.setInterfaces({ lo: [ipv4('127.0.0.1')], eth0: [ipv4(ADDRESS)] });
    await s.tick();
    const details = s.events().map((e) => e.detail);
    expect(details).toEqual([
      'network interfaces changed: eth0 IPv4 1→0, IPv6 0→0',
      'network interfaces changed: eth0 IPv4 0→1, IPv6 0→0; wlan0 appeared (IPv4 1, IPv6 0)',
      'network interfaces changed: eth0 addresses changed; wlan0 disappeared',
    ]);
    const text = JSON.stringify(s.events()) + s.log.text();
    for (const leaked of [ADDRESS, NEW_ADDRESS, '10.0.0.5', 'aa:bb:cc']) expect(text).not.toContain(leaked);
    s.watch.stop();
  });

  it('records a DNS configuration change, and a reader error only in the debug log', async () => {
    const s = setup();
    s.watch.start();
    await settle();
    s.setDns('nameserver 1.1.1.1\n');
    await s.tick();
    expect(s.events()).toEqual([
      { kind: 'dns_change', detail: 'DNS configuration (/etc/resolv.conf) changed' },
    ]);
    s.failDns();
    await s.tick();
    expect(s.events()).toHaveLength(1);
    expect(s.log.text()).toContain('could not read the DNS configuration');
    s.watch.stop();
  });

  it('leaves no timer behind after stop, and stop before the first check settles arms none', async () => {
    const s = setup();
    s.watch.start();
    await settle();
    expect(s.clock.pendingTimers()).toBe(1);
    s.watch.stop();
    expect(s.clock.pendingTimers()).toBe(0);
    s.watch.start();
    s.watch.stop();
    await settle();
    expect(s.clock.pendingTimers()).toBe(0);
    s.watch.start();
    s.watch.start(); // idempotent
    await settle();
    expect(s.clock.pendingTimers()).toBe(1);
    s.watch.stop();
  });

  it('reads the real host without throwing when no readers are injected', async () => {
    const clock = new ManualClock();
    const collector = new DiagnosticsCollector({ maxEventsRetained: 10, clock });
    const watch = new SystemWatch({ clock, collector, log: captureLog().logger });
    watch.start();
    await watch.check();
    await watch.check();
    watch.stop();
    expect(collector.analysisInput().systemEvents).toEqual([]);
  });
});
