// pino, configured once: level from `log_level`, one child per module, every line scrubbed of
// secrets before it leaves the process, and the level changeable while running (the bridge
// device's log-level select), for the root and every child at once.

import { type LevelWithSilent, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
import type { Redactor } from './redact.js';

export type { Logger } from 'pino';

export interface LineSink {
  write(line: string): void;
}

export interface LoggerOptions {
  level: LevelWithSilent;
  redactor: Redactor;
  /** Where finished (already scrubbed) lines go; defaults to human-readable stdout. */
  sink?: LineSink;
}

/** The add-on log tab is read by people: print readable lines unless told to emit JSON. */
export function defaultSink(json = process.env.NWP500_LOG_JSON === '1'): LineSink {
  if (json) return { write: (line) => process.stdout.write(line) };
  return pretty({
    colorize: Boolean(process.stdout.isTTY),
    sync: true,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss',
    ignore: 'pid,hostname,module',
    messageKey: 'msg',
    // One line per event, module first: what the add-on log tab shows best.
    messageFormat: '{if module}[{module}] {end}{msg}',
    singleLine: true,
  });
}

/** Every descendant of a root logger, held weakly so short-lived children (per request) can go. */
const descendants = new WeakMap<Logger, Set<WeakRef<Logger>>>();

export function createLogger(options: LoggerOptions): Logger {
  const { redactor } = options;
  const sink = options.sink ?? defaultSink();
  const scrubbingDestination = {
    write(line: string): void {
      sink.write(redactor.scrubString(line));
    },
  };
  const children = new Set<WeakRef<Logger>>();
  const forget = new FinalizationRegistry<WeakRef<Logger>>((ref) => children.delete(ref));
  const root = pino(
    {
      level: options.level,
      base: undefined,
      messageKey: 'msg',
      formatters: {
        // Key-based redaction catches secrets nobody registered (e.g. a password in a bad options file).
        log: (object) => redactor.redact(object),
      },
      // Inherited by every child and grandchild, so all of them are found when the level changes.
      onChild: (child) => {
        const ref = new WeakRef(child);
        children.add(ref);
        forget.register(child, ref);
      },
    },
    scrubbingDestination,
  );
  descendants.set(root, children);
  return root;
}

/**
 * Changes the level of `root` and of every logger made from it, now. A child given a level of its
 * own follows too: one select sets what the whole process logs. Not persisted: a restart uses
 * `log_level` again.
 */
export function setLogLevel(root: Logger, level: LevelWithSilent): void {
  root.level = level;
  for (const ref of descendants.get(root) ?? []) {
    const child = ref.deref();
    if (child) child.level = level;
  }
}

/** One child logger per module, named like its path under src/ (`navien/connection`). */
export function moduleLogger(root: Logger, module: string): Logger {
  return root.child({ module });
}
