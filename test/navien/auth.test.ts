// NaviLink sign-in, refresh and the saved session, against the simulated REST API.

import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NavienApi } from '../../src/navien/api.js';
import { NavienAuth } from '../../src/navien/auth.js';
import { NavienError } from '../../src/navien/errors.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { ManualClock, systemClock } from '../../src/util/clock.js';
import { MAC } from '../helpers/cloudStack.js';
import { captureLog } from '../helpers/logCapture.js';

let sim: Simulator;
let dir: string;
beforeEach(async () => {
  sim = await startSimulator();
  dir = await mkdtemp(join(tmpdir(), 'nwp500-auth-'));
});
afterEach(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

function makeAuth(overrides: { password?: string; clock?: ManualClock; email?: string } = {}) {
  const log = captureLog('debug');
  const auth = new NavienAuth({
    apiUrl: sim.restUrl,
    email: overrides.email ?? sim.account.email,
    password: overrides.password ?? sim.account.password,
    dataDir: dir,
    clock: overrides.clock ?? systemClock,
    log: log.logger,
    redactor: log.redactor,
    invalidCredentialsBackoff: { initialMs: 1_000, maxMs: 4_000 },
    random: () => 0.5,
  });
  return { auth, log };
}

describe('NaviLink session', () => {
  it('signs in, builds a stable client id, and keeps the session private on disk', async () => {
    const { auth } = makeAuth();
    await auth.load();
    await auth.ensureValid();
    expect(auth.state()).toBe('signed_in');
    expect(auth.clientId()).toMatch(new RegExp(`^navien-ha-${sim.account.userSeq}-[0-9a-f]{8}$`));
    expect(auth.awsCredentials()?.accessKeyId).toMatch(/^ASIA/);
    const path = join(dir, 'navien_session.json');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const saved = await readFile(path, 'utf8');
    expect(saved).not.toContain(sim.account.email);
    expect(saved).not.toContain(sim.account.password);
  });

  it('does not sign in again after a restart, and keeps the same client id', async () => {
    const first = makeAuth();
    await first.auth.load();
    await first.auth.ensureValid();
    const id = first.auth.clientId();
    const second = makeAuth();
    await second.auth.load();
    await second.auth.ensureValid();
    expect(sim.counters().signIns).toBe(1);
    expect(second.auth.clientId()).toBe(id);
  });

  it('ignores a saved session of another account', async () => {
    const first = makeAuth();
    await first.auth.load();
    await first.auth.ensureValid();
    const other = makeAuth({ email: 'someone.else@example.com' });
    await other.auth.load();
    await expect(other.auth.ensureValid()).rejects.toMatchObject({ name: 'NAVIEN_AUTH_INVALID_CREDENTIALS' });
    expect(other.log.text()).toContain('belongs to another account');
  });

  it('refreshes the JWT when it nears expiry, and signs in when the AWS credentials do', async () => {
    const clock = new ManualClock(Date.now());
    sim.setTokenLifetimes({ authenticationExpiresIn: 3600, authorizationExpiresIn: 7200 });
    const { auth } = makeAuth({ clock });
    await auth.load();
    await auth.ensureValid();
    clock.advance(56 * 60_000);
    await auth.ensureValid();
    expect(sim.counters().refreshes).toBe(1);
    expect(sim.counters().signIns).toBe(1);
    clock.advance(60 * 60_000);
    await auth.ensureValid();
    expect(sim.counters().signIns).toBe(2);
  });

  it('answers a REST 401 with one refresh and one retry', async () => {
    const { auth, log } = makeAuth();
    await auth.load();
    const api = new NavienApi(auth, log.logger, log.redactor);
    expect((await api.listDevices()).map((d) => d.macAddress)).toEqual([MAC]);
    sim.faults.expireAccessTokens();
    expect((await api.listDevices()).map((d) => d.macAddress)).toEqual([MAC]);
    expect(sim.counters().refreshes).toBe(1);
    expect(sim.counters().signIns).toBe(1);
  });

  it('reports a wrong password once, clearly, and never hammers the cloud', async () => {
    const { auth, log } = makeAuth({ password: 'wrong-password' });
    await auth.load();
    const error = await auth.ensureValid().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NavienError);
    expect((error as NavienError).name).toBe('NAVIEN_AUTH_INVALID_CREDENTIALS');
    expect(auth.state()).toBe('auth_failed');
    expect(log.text()).toContain('NaviLink rejected the e-mail/password');
    // Calls inside the backoff window do not reach the cloud.
    for (let i = 0; i < 20; i++) await auth.ensureValid().catch(() => undefined);
    expect(sim.counters().signIns + sim.counters().signInFailures).toBe(1);
    expect(log.text()).not.toContain('wrong-password');
  });

  it('treats an unreachable cloud as retriable, not as a wrong password', async () => {
    const { auth } = makeAuth();
    sim.faults.restOutage(true);
    await auth.load();
    const error = (await auth.ensureValid().catch((e: unknown) => e)) as NavienError;
    expect(error.retriable).toBe(true);
    expect(auth.state()).toBe('unreachable');
    sim.faults.restOutage(false);
    await auth.ensureValid();
    expect(auth.state()).toBe('signed_in');
  });

  it('moves a corrupt session file aside and signs in', async () => {
    await writeFile(join(dir, 'navien_session.json'), '{"format":');
    const { auth, log } = makeAuth();
    await auth.load();
    await auth.ensureValid();
    expect(log.text()).toContain('the saved NaviLink tokens were not valid JSON; the file was moved aside');
    expect(auth.state()).toBe('signed_in');
  });

  it('keeps the redactor to the secrets in use however often it signs in, the previous ones included', async () => {
    const { auth, log } = makeAuth();
    await auth.load();
    await auth.ensureValid();
    await auth.signIn('second sign-in');
    // Static secrets (e-mail, password), the client id, and two generations of the session's six.
    const steady = log.redactor.secretCount();
    let previous = auth.awsCredentials();
    for (let i = 0; i < 100; i++) {
      previous = auth.awsCredentials();
      await auth.signIn('renewal');
    }
    expect(sim.counters().signIns).toBe(102);
    expect(log.redactor.secretCount()).toBe(steady);
    const current = auth.awsCredentials();
    if (!previous || !current) throw new Error('no AWS credentials');
    expect(current.secretKey).not.toBe(previous.secretKey);
    // A line written just after the renewal may still quote the old credentials.
    log.logger.warn(`late line: ${previous.secretKey} ${previous.sessionToken}`);
    log.logger.warn(`current: ${current.secretKey} ${current.sessionToken}`);
    for (const value of [previous.secretKey, previous.sessionToken, current.secretKey, current.sessionToken])
      expect(log.text()).not.toContain(value);
  });
});
