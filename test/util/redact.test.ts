import { describe, expect, it } from 'vitest';
import { pseudonym, REDACTED, Redactor } from '../../src/util/redact.js';
import { captureLog } from '../helpers/logCapture.js';

const secrets = {
  password: 'Tr0ub4dor&3-"quoted"',
  email: 'owner@example.com',
  accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXRleHQ',
  refreshToken: 'opaque-refresh-token-123456',
  accessKeyId: 'ASIAQWERTYUIOPASDFGH',
  secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ',
  mac: '04786332fca0',
  serial: 'NWP500-SN-7781234',
};

function plantedRedactor(): Redactor {
  const r = new Redactor();
  for (const value of [secrets.password, secrets.email, secrets.accessToken, secrets.refreshToken])
    r.addSecret(value);
  for (const value of [secrets.accessKeyId, secrets.secretKey, secrets.sessionToken]) r.addSecret(value);
  r.addDeviceId(secrets.mac);
  r.addDeviceId(secrets.serial);
  return r;
}

describe('redaction', () => {
  it('replaces registered secrets and pseudonymises device ids inside any string', () => {
    const r = plantedRedactor();
    const text = `login ${secrets.email}/${secrets.password} topic cmd/52/navilink-${secrets.mac}/st serial ${secrets.serial}`;
    const out = r.scrubString(text);
    for (const value of Object.values(secrets)) expect(out).not.toContain(value);
    expect(out).toContain(`navilink-${pseudonym(secrets.mac)}/st`);
  });

  it('catches secret-looking values nobody registered', () => {
    const r = new Redactor();
    const out = r.scrubString(
      'wss://h/mqtt?X-Amz-Credential=ASIAAAAAAAAAAAAAAAAA%2F2026&X-Amz-Security-Token=abc%2Fdef&X-Amz-Signature=f00 ' +
        'jwt eyJabcdefgh.eyJijklmnop.sig user someone@example.org mac 04:78:63:32:FC:A0',
    );
    expect(out).not.toMatch(/ASIA[A-Z]{16}/);
    expect(out).not.toContain('abc%2Fdef');
    expect(out).not.toContain('f00');
    expect(out).not.toContain('eyJabcdefgh');
    expect(out).not.toContain('someone@example.org');
    expect(out).not.toContain('04:78:63:32:FC:A0');
  });

  it('blanks secret keys, pseudonymises MAC and serial keys and leaves the rest of an object alone', () => {
    const r = new Redactor();
    const out = r.redact({
      token: { accessToken: 'a', refreshToken: 'b' },
      deviceInfo: { macAddress: secrets.mac, deviceName: 'Garage', connected: 2 },
      location: { city: 'Springfield', latitude: 1.5 },
      feature: { controllerSerialNumber: secrets.serial, volumeCode: 2 },
      metrics: { total_connection_drops: 3, state: 'connected' },
    });
    expect(out).toEqual({
      token: REDACTED,
      deviceInfo: { macAddress: pseudonym(secrets.mac), deviceName: 'Garage', connected: 2 },
      location: REDACTED,
      feature: { controllerSerialNumber: pseudonym(secrets.serial), volumeCode: 2 },
      metrics: { total_connection_drops: 3, state: 'connected' },
    });
  });

  it('survives cycles', () => {
    const r = new Redactor();
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(r.redact(a)).toEqual({ name: 'a', self: '[Circular]' });
  });

  it('keeps every planted secret out of every log line, in messages, fields and errors', () => {
    const log = captureLog('trace', plantedRedactor());
    const child = log.logger.child({ module: 'test' });
    child.info(
      { password: 'unregistered-password-value', user: secrets.email },
      `signing in as ${secrets.email}`,
    );
    child.debug({ token: { accessToken: secrets.accessToken } }, 'tokens');
    child.warn(
      { err: new Error(`refused: key ${secrets.accessKeyId} token ${secrets.sessionToken}`) },
      'failed',
    );
    child.info({ topic: `cmd/52/navilink-${secrets.mac}/st`, serial: secrets.serial }, 'subscribed');
    child.error(
      `quoted password ${secrets.password} and secret ${secrets.secretKey} and ${secrets.refreshToken}`,
    );
    const text = log.text();
    for (const value of Object.values(secrets)) expect(text).not.toContain(value);
    expect(text).not.toContain('unregistered-password-value');
    expect(log.records().map((r) => r.module)).toEqual(['test', 'test', 'test', 'test', 'test']);
  });

  it('honours the log level', () => {
    const log = captureLog('warn');
    log.logger.info('hidden');
    log.logger.warn('shown');
    expect(log.records().map((r) => r.msg)).toEqual(['shown']);
  });
});

describe('redaction of object keys', () => {
  it('scrubs secrets out of keys too, adding up counts that collide', () => {
    const r = plantedRedactor();
    const out = r.redact({
      commands_refused_by_reason: { [`unknown device ${secrets.mac}`]: 2, 'unknown device **MAC**': 1 },
    });
    expect(JSON.stringify(out)).not.toContain(secrets.mac);
    expect(Object.values(out.commands_refused_by_reason)).toEqual([2, 1]);
    const colliding = new Redactor().redact({ [`a ${secrets.email}`]: 1, 'a **EMAIL**': 2 });
    expect(colliding).toEqual({ 'a **EMAIL**': 3 });
  });
});

describe('secret generations', () => {
  /** Six opaque values per sign-in, like the tokens and AWS keys of one NaviLink session. */
  const signIn = (n: number) =>
    ['id', 'access', 'refresh', 'akid', 'secret', 'session'].map((kind) => `${kind}-token-${n}-x9Qz`);

  it('keeps the current and the previous generation redacted and forgets older ones', () => {
    const r = new Redactor();
    r.addSecret(secrets.password);
    for (let n = 1; n <= 3; n++) r.setSecretGeneration('navien-tokens', signIn(n));
    const line = (n: number) => r.scrubString(`using ${signIn(n).join(' ')}`);
    for (const value of signIn(3)) expect(line(3)).not.toContain(value);
    // A line written just after a renewal may still carry the old tokens.
    for (const value of signIn(2)) expect(line(2)).not.toContain(value);
    // Two renewals ago: expired long since, and no longer worth a comparison on every line.
    expect(line(1)).toContain(signIn(1)[0]);
    expect(r.scrubString(`pw ${secrets.password}`)).not.toContain(secrets.password);
  });

  it('holds a bounded number of secrets after ten thousand sign-ins', () => {
    const r = new Redactor();
    r.addSecret(secrets.password);
    r.addSecret(secrets.email);
    r.addDeviceId(secrets.mac);
    r.setSecretGeneration('navien-tokens', signIn(0));
    const afterOne = r.secretCount();
    for (let n = 1; n <= 10_000; n++) r.setSecretGeneration('navien-tokens', signIn(n));
    // Two generations of six; the password (also JSON-escaped: it has quotes) and the e-mail; the
    // MAC in lower and upper case.
    expect(r.secretCount()).toBe(2 * 6 + 3 + 2);
    expect(r.secretCount()).toBeLessThanOrEqual(afterOne + 6);
  });

  it('does not shift generations when the same values are registered again', () => {
    const r = new Redactor();
    r.setSecretGeneration('navien-tokens', signIn(1));
    r.setSecretGeneration('navien-tokens', signIn(2));
    r.setSecretGeneration('navien-tokens', [...signIn(2)].reverse());
    expect(r.scrubString(signIn(1)[0] ?? '')).toBe(REDACTED);
  });

  it('keeps a value that is also a static secret redacted when its generation is gone', () => {
    const r = new Redactor();
    r.addSecret('shared-value-1234');
    r.setSecretGeneration('g', ['shared-value-1234']);
    r.setSecretGeneration('g', ['other-value-1']);
    r.setSecretGeneration('g', ['other-value-2']);
    expect(r.scrubString('x shared-value-1234 x')).toBe(`x ${REDACTED} x`);
  });
});
