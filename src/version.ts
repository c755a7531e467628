// The add-on version, read once from package.json (next to dist/ in the image and in the repo).

import { readFile } from 'node:fs/promises';

let cached: string | undefined;

export async function readVersion(): Promise<string> {
  if (cached) return cached;
  try {
    const text = await readFile(new URL('../package.json', import.meta.url), 'utf8');
    const parsed = JSON.parse(text) as { version?: unknown };
    cached = typeof parsed.version === 'string' ? parsed.version : '0.0.0';
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
