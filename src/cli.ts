#!/usr/bin/env node

// `nwp500-bridge [run|demo|sim|analyze FILE]`: the one entry point, for the add-on (run), a first
// look on any machine (demo), the simulated cloud alone (sim), and reading an exported report (analyze).

import { runDemo } from './demo.js';
import { analyzeExportFile } from './diagnostics/analyzeFile.js';
import { runBridgeProcess } from './main.js';
import { installShutdown } from './shutdown.js';
import { runSimulatorCli, SimulatorCliUsageError } from './sim/index.js';

const USAGE = `usage: nwp500-bridge <command>
  run            run the bridge (options from /data/options.json and NWP500_* variables)
  demo [--calm]  run the bridge against the simulated cloud and a local broker, and show where to look
  sim [options]  run only the simulated Navien cloud (see: nwp500-bridge sim --help)
  analyze FILE   read a diagnostics export (ours or nwp500-python's) and explain its drops`;

async function main(argv: readonly string[]): Promise<void> {
  const [command = 'run', ...rest] = argv;
  switch (command) {
    case 'run':
      await runBridgeProcess(process.env);
      return;
    case 'demo':
      await runDemo(rest, process.env);
      return;
    case 'sim': {
      if (rest.includes('--help') || rest.includes('-h')) {
        console.log(USAGE);
        return;
      }
      try {
        const sim = await runSimulatorCli(rest, (line) => console.log(line));
        installShutdown({ stop: () => sim.close(), log: (line) => console.log(line) });
      } catch (error) {
        if (error instanceof SimulatorCliUsageError) {
          console.error(error.message);
          process.exitCode = 2;
          return;
        }
        throw error;
      }
      return;
    }
    case 'analyze': {
      const [file] = rest;
      if (!file || rest.length > 1) {
        console.error('usage: nwp500-bridge analyze FILE');
        process.exitCode = 2;
        return;
      }
      process.exitCode = await analyzeExportFile(file, (line) => console.log(line));
      return;
    }
    case '--help':
    case '-h':
    case 'help':
      console.log(USAGE);
      return;
    default:
      console.error(`unknown command: ${command}\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`nwp500-bridge: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
