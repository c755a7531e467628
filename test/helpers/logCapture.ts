// A logger whose lines land in memory, for tests that read what the bridge logged.

import { createLogger, type Logger } from '../../src/util/logger.js';
import { Redactor } from '../../src/util/redact.js';

export interface CapturedLog {
  logger: Logger;
  redactor: Redactor;
  lines: string[];
  /** Parsed log records (pino JSON). */
  records(): Array<Record<string, unknown>>;
  text(): string;
}

export function captureLog(
  level: 'trace' | 'debug' | 'info' | 'warn' = 'debug',
  redactor = new Redactor(),
): CapturedLog {
  const lines: string[] = [];
  const logger = createLogger({ level, redactor, sink: { write: (line) => void lines.push(line) } });
  return {
    logger,
    redactor,
    lines,
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => lines.join(''),
  };
}
