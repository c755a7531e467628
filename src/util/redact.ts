// Keeps secrets and personal data out of everything the bridge writes for people: logs, the
// diagnostics export, /metrics and the ingress page. The local MQTT broker is the one exception
// (the MAC names devices there); see DESIGN.md.

import { createHash } from 'node:crypto';

export const REDACTED = '**REDACTED**';

/** Keys whose values are secrets or personal data wherever they appear (compared case-insensitively). */
const SECRET_KEYS = new Set(
  [
    'password',
    'mqtt_password',
    'mqtt_username',
    'email',
    'userId',
    'token',
    'tokens',
    'idToken',
    'accessToken',
    'refreshToken',
    'sessionToken',
    'secretKey',
    'secretAccessKey',
    'secret',
    'accessKeyId',
    'authorization',
    'userFirstName',
    'userLastName',
    'location',
    'address',
    'city',
    'latitude',
    'longitude',
    'altitude',
    'zipCode',
    'supervisor_token',
  ].map((k) => k.toLowerCase()),
);

/** Keys that identify a device: shown as a stable pseudonym so reports can still tell devices apart. */
const DEVICE_ID_KEYS = new Set(
  ['macAddress', 'mac', 'controllerSerialNumber', 'serial', 'serialNumber', 'serial_number'].map((k) =>
    k.toLowerCase(),
  ),
);

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/(X-Amz-(?:Security-Token|Signature|Credential)=)[^&\s"'\\]+/gi, `$1${REDACTED}`],
  [/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b/g, REDACTED],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '**EMAIL**'],
  [/\b[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}\b/gi, '**MAC**'],
];

/** A short, stable stand-in for a MAC or serial: the same device always gets the same pseudonym. */
export function pseudonym(value: string): string {
  return `dev-${createHash('sha256').update(value.toLowerCase()).digest('hex').slice(0, 8)}`;
}

/**
 * Knows the secret values this process has seen (password, tokens, AWS keys, e-mail, MACs, serials)
 * and scrubs them, plus anything that looks like one, from strings and objects.
 */
export class Redactor {
  private readonly replacements = new Map<string, string>();
  private ordered: Array<[string, string]> = [];

  /** Registers a secret value; it is replaced by `**REDACTED**` wherever it appears. */
  addSecret(value: string | undefined | null): void {
    if (!value || value.length < 4) return;
    this.add(value, REDACTED);
  }

  /** Registers a device identifier (MAC, serial); it is replaced by its pseudonym. */
  addDeviceId(value: string | undefined | null): void {
    if (!value || value.length < 4) return;
    this.add(value, pseudonym(value));
    this.add(value.toUpperCase(), pseudonym(value));
  }

  private add(value: string, replacement: string): void {
    if (this.replacements.has(value)) return;
    this.replacements.set(value, replacement);
    // The same value may appear JSON-escaped inside a log line.
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) this.replacements.set(escaped, replacement);
    // Longest first, so a secret that contains another is replaced whole.
    this.ordered = [...this.replacements].sort((a, b) => b[0].length - a[0].length);
  }

  scrubString(text: string): string {
    let out = text;
    for (const [value, replacement] of this.ordered) {
      if (out.includes(value)) out = out.split(value).join(replacement);
    }
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  /** A deep copy of `value` with secret keys blanked, device ids pseudonymised and strings scrubbed. */
  redact<T>(value: T): T {
    return this.walk(value, new WeakSet(), 0) as T;
  }

  private walk(value: unknown, seen: WeakSet<object>, depth: number): unknown {
    if (typeof value === 'string') return this.scrubString(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth > 32 || seen.has(value)) return '[Circular]';
    seen.add(value);
    if (Array.isArray(value)) return value.map((item) => this.walk(item, seen, depth + 1));
    if (value instanceof Date) return value.toISOString();
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const lower = key.toLowerCase();
      let clean: unknown;
      if (SECRET_KEYS.has(lower)) {
        clean = inner === null || inner === undefined || inner === '' ? inner : REDACTED;
      } else if (DEVICE_ID_KEYS.has(lower) && typeof inner === 'string' && inner.length > 0) {
        clean = pseudonym(inner);
      } else {
        clean = this.walk(inner, seen, depth + 1);
      }
      // Keys can carry outside text too (counts keyed by an error name or a refusal reason).
      const safeKey = this.scrubString(key);
      const existing = out[safeKey];
      if (existing === undefined) out[safeKey] = clean;
      else if (typeof existing === 'number' && typeof clean === 'number') out[safeKey] = existing + clean;
    }
    return out;
  }
}
