// The bridge device's controls: reconnect the cloud link, write the diagnostics report now, and the
// log level (applied at once to every logger, not kept past a restart). Their presses and choices
// become bridge actions that HaBridge carries out through `BridgeControls`.

import type { Logger } from '../util/logger.js';
import type { BridgeSnapshot } from './bridgeEntities.js';
import {
  type BridgeAction,
  type CommandPlan,
  type EntityDef,
  LOG_LEVEL_OPTIONS,
  type LogLevelOption,
} from './entityModel.js';

/** What the bridge controls act on (main.ts wires the cloud link, the report writer and the logger). */
export interface BridgeControls {
  /** `CloudLink.reconnectNow`. */
  reconnectCloud(reason: string): void;
  /** Writes the report file now, as `POST /api/diagnostics/export` does. */
  exportDiagnostics(): Promise<{ path: string }>;
  /** The root logger's level now. */
  logLevel(): string;
  setLogLevel(level: LogLevelOption): void;
}

function act(action: BridgeAction): CommandPlan {
  return { ok: true, commands: [], actions: [action] };
}

function isLevel(value: string): value is LogLevelOption {
  return (LOG_LEVEL_OPTIONS as readonly string[]).includes(value);
}

export function bridgeControlEntities(): EntityDef<BridgeSnapshot>[] {
  return [
    {
      platform: 'button',
      key: 'reconnect_cloud',
      name: 'Reconnect cloud link',
      enabled: true,
      icon: 'mdi:cloud-refresh',
      press: () => act({ kind: 'reconnect_cloud' }),
    },
    {
      platform: 'button',
      key: 'export_diagnostics',
      name: 'Export diagnostics',
      enabled: true,
      category: 'diagnostic',
      icon: 'mdi:file-export-outline',
      press: () => act({ kind: 'export_diagnostics' }),
    },
    {
      platform: 'select',
      key: 'log_level',
      name: 'Log level',
      enabled: true,
      category: 'config',
      icon: 'mdi:text-box-search-outline',
      options: () => LOG_LEVEL_OPTIONS,
      // `silent` (possible from the options) is not offered: it shows as unknown.
      read: (s) => (s.logLevel !== null && isLevel(s.logLevel) ? s.logLevel : null),
      select: (option) =>
        isLevel(option)
          ? act({ kind: 'log_level', level: option })
          : { ok: false, code: 'invalid', reason: `"${option}" is not a log level` },
    },
  ];
}

/** Carries out a bridge action; `republish` shows a changed log level on the select at once. */
export function runBridgeAction(
  action: BridgeAction,
  deps: { controls: BridgeControls; log: Logger; republish: () => void },
): void {
  const { controls, log } = deps;
  switch (action.kind) {
    case 'reconnect_cloud':
      log.info('reconnecting the cloud link, as asked from Home Assistant');
      controls.reconnectCloud('the Reconnect cloud link button in Home Assistant');
      return;
    case 'export_diagnostics':
      controls.exportDiagnostics().then(
        ({ path }) => log.info({ path }, 'wrote the diagnostics report, as asked from Home Assistant'),
        (error: unknown) => log.warn({ err: error }, 'could not write the diagnostics report'),
      );
      return;
    case 'log_level': {
      const line = `log level set to ${action.level} from Home Assistant (until the add-on restarts)`;
      // Said at the level that shows it: before the change when going quieter, after when louder.
      const quieter = ['warn', 'error', 'fatal'].includes(action.level);
      if (quieter) log.info(line);
      controls.setLogLevel(action.level);
      if (!quieter) log.info(line);
      deps.republish();
      return;
    }
  }
}
