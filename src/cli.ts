#!/usr/bin/env node

// `nwp500-bridge [run|demo|sim|analyze FILE]`: the one entry point, for the add-on (run), a first
// look on any machine (demo), the simulated cloud alone (sim), and reading an exported report
// (analyze). Each command loads its own modules when it runs, so the add-on's `run` never loads
// the simulator or the demo, whose packages are development-only and absent from the image.

const USAGE = `usage: nwp500-bridge <command>
  run            run the bridge (options from /data/options.json and NWP500_* variables)
  demo [--calm] [--keep]
                 run the bridge against the simulated cloud and a local broker, and show where to look
                 (--calm: no injected faults; --keep: keep the last demo's history and queue)
  sim [options]  run only the simulated Navien cloud (see: nwp500-bridge sim --help)
  analyze FILE   read a diagnostics export (ours or nwp500-python's) and explain its drops`;

/** Packages only a development install has (`devDependencies`): the simulator's and the demo's. */
const DEVELOPMENT_PACKAGES = ['aedes', 'selfsigned', 'ws'];

class DevelopmentInstallRequired extends Error {
  override readonly name = 'DevelopmentInstallRequired';
}

/**
 * Imports a development-only command. A production install (the add-on image, `npm ci
 * --omit=dev`) has no simulator packages: say so instead of printing a module-resolution trace.
 */
async function loadDevelopmentCommand<T>(command: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = error instanceof Error ? error.message : '';
    const missing = DEVELOPMENT_PACKAGES.find((name) => message.includes(`'${name}'`));
    if (code === 'ERR_MODULE_NOT_FOUND' && missing) {
      throw new DevelopmentInstallRequired(
        `\`${command}\` needs the development packages (${DEVELOPMENT_PACKAGES.join(', ')}; '${missing}' is missing), ` +
          'which a production install such as the add-on image leaves out. ' +
          `Run it from a clone of the repository after \`npm ci\`: \`npm run ${command}\`.`,
      );
    }
    throw error;
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const [command = 'run', ...rest] = argv;
  switch (command) {
    case 'run': {
      const { runBridgeProcess } = await import('./main.js');
      await runBridgeProcess(process.env);
      return;
    }
    case 'demo': {
      const { runDemo } = await loadDevelopmentCommand('demo', () => import('./demo.js'));
      await runDemo(rest, process.env);
      return;
    }
    case 'sim': {
      if (rest.includes('--help') || rest.includes('-h')) {
        console.log(USAGE);
        return;
      }
      const [{ runSimulatorCli, SimulatorCliUsageError }, { installShutdown }] = await Promise.all([
        loadDevelopmentCommand('sim', () => import('./sim/index.js')),
        import('./shutdown.js'),
      ]);
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
      const { analyzeExportFile } = await import('./diagnostics/analyzeFile.js');
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
  // A usage problem (a missing development install, a bad demo option) is exit status 2, as for run.
  const usage =
    error instanceof DevelopmentInstallRequired || (error as Error | undefined)?.name === 'DemoUsageError';
  process.exit(usage ? 2 : 1);
});
