// Keeps secrets and personal data out of everything the bridge writes for people: logs, the
// diagnostics export, /metrics and the ingress page. The local MQTT broker is the one exception
// (the MAC names devices there, as Home Assistant needs).

import { createHmac, randomBytes } from 'node:crypto';

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

/** Bytes of a pseudonym key (HMAC-SHA256 takes any length; 32 is its block-safe natural size). */
export const PSEUDONYM_KEY_BYTES = 32;

// One key per process: pseudonyms must agree across everything it writes (logs, report, /metrics,
// page), and a process serves one install. Until the install's key from data_dir is loaded, a
// random one stands in, so a pseudonym is never the plain hash anyone could reverse: a MAC has only
// 24 unknown bits once the vendor prefix is known, a few seconds of brute force for a bare hash.
let pseudonymKey: Buffer = randomBytes(PSEUDONYM_KEY_BYTES);
let pseudonymKeyVersion = 0;

/** Makes `key` (this install's, from data_dir) the key of every pseudonym from now on. */
export function usePseudonymKey(key: Uint8Array): void {
  if (key.length < 16) throw new Error('a pseudonym key needs at least 16 bytes');
  pseudonymKey = Buffer.from(key);
  pseudonymKeyVersion++;
}

/** Eight hex digits of the keyed hash of `value`: unlinkable to it without this install's key. */
export function pseudonymDigest(value: string): string {
  return createHmac('sha256', pseudonymKey).update(value).digest('hex').slice(0, 8);
}

/** A short, stable stand-in for a MAC or serial: the same device always gets the same pseudonym. */
export function pseudonym(value: string): string {
  return `dev-${pseudonymDigest(value.toLowerCase())}`;
}

interface Generation {
  current: readonly string[];
  previous: readonly string[];
}

/**
 * Knows the secret values this process uses (password, tokens, AWS keys, e-mail, MACs, serials)
 * and scrubs them, plus anything that looks like one, from strings and objects.
 *
 * Secrets that are replaced over time (the tokens of each sign-in) are registered as generations,
 * so the set stays as small as what is in use: each line costs the same after a year as after a day.
 */
export class Redactor {
  private readonly statics = new Set<string>();
  private readonly deviceIds = new Set<string>();
  private readonly generations = new Map<string, Generation>();
  /** Value → replacement, longest value first; rebuilt when a set or the pseudonym key changed. */
  private ordered: Array<[string, string]> = [];
  private dirty = false;
  private builtForKey = pseudonymKeyVersion;

  /** Registers a secret for the life of the process (a password, the e-mail, a supervisor token). */
  addSecret(value: string | undefined | null): void {
    if (!usable(value) || this.statics.has(value)) return;
    this.statics.add(value);
    this.dirty = true;
  }

  /** Registers a device identifier (MAC, serial); it is replaced by its pseudonym. */
  addDeviceId(value: string | undefined | null): void {
    if (!usable(value) || this.deviceIds.has(value)) return;
    this.deviceIds.add(value);
    this.dirty = true;
  }

  /**
   * Makes `values` the current secrets of `group` (e.g. the tokens of the latest sign-in). The
   * generation they replace stays redacted too, since a line written just after a renewal may still
   * quote an old token; anything older is forgotten. Passing the current values again changes nothing.
   */
  setSecretGeneration(group: string, values: ReadonlyArray<string | undefined | null>): void {
    const next = [...new Set(values.filter(usable))];
    const existing = this.generations.get(group);
    if (existing && sameMembers(existing.current, next)) return;
    this.generations.set(group, { current: next, previous: existing?.current ?? [] });
    this.dirty = true;
  }

  /** How many distinct values are scrubbed by name (each also in its JSON-escaped form, if different). */
  secretCount(): number {
    return this.table().length;
  }

  scrubString(text: string): string {
    let out = text;
    for (const [value, replacement] of this.table()) {
      if (out.includes(value)) out = out.split(value).join(replacement);
    }
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  /** A deep copy of `value` with secret keys blanked, device ids pseudonymised and strings scrubbed. */
  redact<T>(value: T): T {
    return this.walk(value, new WeakSet(), 0) as T;
  }

  private table(): Array<[string, string]> {
    if (!this.dirty && this.builtForKey === pseudonymKeyVersion) return this.ordered;
    const replacements = new Map<string, string>();
    const add = (value: string, replacement: string) => {
      if (replacements.has(value)) return;
      replacements.set(value, replacement);
      // The same value may appear JSON-escaped inside a log line.
      const escaped = JSON.stringify(value).slice(1, -1);
      if (escaped !== value && !replacements.has(escaped)) replacements.set(escaped, replacement);
    };
    // Secrets first: a value that is both a secret and a device id is redacted, not pseudonymised.
    for (const value of this.statics) add(value, REDACTED);
    for (const { current, previous } of this.generations.values())
      for (const value of [...current, ...previous]) add(value, REDACTED);
    for (const value of this.deviceIds) {
      add(value, pseudonym(value));
      add(value.toUpperCase(), pseudonym(value));
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.ordered = [...replacements].sort((a, b) => b[0].length - a[0].length);
    this.dirty = false;
    this.builtForKey = pseudonymKeyVersion;
    return this.ordered;
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

/** Shorter values are too likely to occur by chance in ordinary text to be replaced. */
function usable(value: string | undefined | null): value is string {
  return typeof value === 'string' && value.length >= 4;
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value) => b.includes(value));
}
