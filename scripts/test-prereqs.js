// Makes sure the programs the tests talk to are here: Mosquitto (a real broker per suite),
// Debian's Chromium (the ingress page test) and apparmor_parser (the add-on's AppArmor profile).
// On a fresh Debian machine run as root (or with sudo) it installs them with apt-get; elsewhere it
// says what to install.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const has = (path) => existsSync(path);
const onPath = (name) => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;

const missing = [];
if (!onPath('mosquitto') && !has('/usr/sbin/mosquitto')) missing.push('mosquitto');
if (!has('/usr/bin/chromium')) missing.push('chromium');
if (!has('/usr/sbin/apparmor_parser') && !has('/sbin/apparmor_parser')) missing.push('apparmor');
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const sudo = !isRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
if (onPath('apt-get') && (isRoot || sudo)) {
  const run = (args) => {
    const command = sudo ? ['sudo', ...args] : args;
    const result = spawnSync(command[0], command.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    return result.status === 0;
  };
  console.log(`test prerequisites: installing ${missing.join(', ')} with apt-get (once)`);
  if (
    run(['apt-get', 'update', '-qq']) &&
    run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing])
  ) {
    process.exit(0);
  }
  console.error('test prerequisites: apt-get failed');
  process.exit(1);
}

const needed = missing.filter((name) => name !== 'mosquitto' || process.env.NWP500_REQUIRE_MOSQUITTO === '1');
for (const name of missing)
  console.error(`test prerequisites: ${name} is not installed (Debian/Ubuntu: apt-get install ${name})`);
if (needed.length === 0) {
  console.error('test prerequisites: the broker tests will use an in-process broker instead of Mosquitto');
  process.exit(0);
}
process.exit(1);
