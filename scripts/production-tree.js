// Builds the add-on's production node_modules, the one way both the Dockerfile and the
// production-tree test do it: `npm ci --omit=dev` from the lock file, then aws-crt's prebuilt
// binaries pruned to the one platform the image runs on (the package ships six, ~38 MB).
//
//   node scripts/production-tree.js OUT_DIR [--libc musl|glibc] [--arch x64|arm64]
//
// OUT_DIR receives package.json, package-lock.json and node_modules. Without --libc/--arch the
// running Node's platform is used. Install scripts are not run: aws-crt's only checks for the
// prebuilt binary (and otherwise tries to compile it from source, which the image cannot do);
// this script checks for that binary itself and fails when the platform has none.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The libc of this Node: glibc builds report the glibc version they run on, musl builds none. */
export function runningLibc() {
  if (process.platform !== 'linux') return 'cruntime';
  const header = process.report?.getReport().header;
  return header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** The aws-crt binary directory name for a platform (`linux-x64-musl`), as aws-crt looks it up. */
export function crtTarget({ platform = process.platform, arch = process.arch, libc = runningLibc() } = {}) {
  return `${platform}-${arch}-${platform === 'linux' ? libc : 'cruntime'}`;
}

/** Bytes under a directory (files and symlinks themselves, not what links point to). */
export function treeBytes(path) {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of readdirSync(path)) total += treeBytes(join(path, entry));
  return total;
}

/** Removes every aws-crt binary directory but `target`; throws if `target` is not there. */
export function pruneCrtBinaries(nodeModules, target) {
  const binDir = join(nodeModules, 'aws-crt', 'dist', 'bin');
  if (!existsSync(join(binDir, target, 'aws-crt-nodejs.node'))) {
    const shipped = existsSync(binDir) ? readdirSync(binDir).join(', ') : 'none';
    throw new Error(`aws-crt has no prebuilt binary for ${target} (it ships: ${shipped})`);
  }
  const removed = [];
  for (const entry of readdirSync(binDir)) {
    if (entry === target) continue;
    removed.push(entry);
    rmSync(join(binDir, entry), { recursive: true, force: true });
  }
  return removed;
}

function parseArgs(argv) {
  const args = { out: undefined, libc: undefined, arch: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.split('=', 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--libc') args.libc = value();
    else if (flag === '--arch') args.arch = value();
    else if (!arg.startsWith('-') && args.out === undefined) args.out = arg;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!args.out)
    throw new Error('usage: node scripts/production-tree.js OUT_DIR [--libc musl|glibc] [--arch x64|arm64]');
  if (args.libc && !['musl', 'glibc'].includes(args.libc)) throw new Error('--libc must be musl or glibc');
  if (args.arch && !['x64', 'arm64'].includes(args.arch)) throw new Error('--arch must be x64 or arm64');
  return args;
}

export function buildProductionTree({ out, libc, arch }) {
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(REPO, file), join(dir, file));
  const npm = spawnSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir,
    stdio: 'inherit',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  if (npm.status !== 0) throw new Error(`npm ci --omit=dev failed (exit ${npm.status ?? npm.signal})`);
  const target = crtTarget({ ...(libc ? { libc } : {}), ...(arch ? { arch } : {}) });
  const removed = pruneCrtBinaries(join(dir, 'node_modules'), target);
  const bytes = treeBytes(join(dir, 'node_modules'));
  return { dir, target, removed, bytes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const result = buildProductionTree(parseArgs(process.argv.slice(2)));
    console.log(
      `production node_modules: ${(result.bytes / 1024 / 1024).toFixed(1)} MB in ${result.dir}` +
        ` (aws-crt binary ${result.target}; removed ${result.removed.join(', ') || 'nothing'})`,
    );
  } catch (error) {
    console.error(`production-tree: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
