// The log level changed while running: the root and every child (existing, grandchildren, made
// later, or given a level of their own) follow at once.

import { describe, expect, it } from 'vitest';
import { createLogger, setLogLevel } from '../../src/util/logger.js';
import { Redactor } from '../../src/util/redact.js';

function logger(level: 'info' | 'debug' = 'info') {
  const lines: string[] = [];
  const root = createLogger({
    level,
    redactor: new Redactor(),
    sink: { write: (line) => void lines.push(line) },
  });
  return { root, lines, text: () => lines.join('') };
}

describe('setLogLevel', () => {
  it('applies to the root and every logger made from it, at once', () => {
    const { root, text } = logger('info');
    const module = root.child({ module: 'navien/connection' });
    const grandchild = module.child({ device: 'dev-1' });
    const ownLevel = root.child({ module: 'http' }, { level: 'error' });
    module.debug('hidden before');
    setLogLevel(root, 'debug');
    module.debug('module debug');
    grandchild.debug('grandchild debug');
    ownLevel.debug('own-level debug');
    root.child({ module: 'made/after' }).debug('made after');
    expect(text()).not.toContain('hidden before');
    for (const line of ['module debug', 'grandchild debug', 'own-level debug', 'made after']) {
      expect(text()).toContain(line);
    }
    setLogLevel(root, 'warn');
    grandchild.info('quiet now');
    ownLevel.warn('still warns');
    expect(text()).not.toContain('quiet now');
    expect(text()).toContain('still warns');
    expect(root.level).toBe('warn');
  });
});
