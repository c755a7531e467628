// The NaviLink account session: sign-in, refresh, AWS credentials renewed by sign-in before they
// expire, a wrong password reported once and never hammered, tokens kept in data_dir (0600).

import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { type BackoffPolicy, backoffDelay } from '../util/backoff.js';
import type { Clock } from '../util/clock.js';
import { JsonStore } from '../util/jsonStore.js';
import type { Logger } from '../util/logger.js';
import type { Redactor } from '../util/redact.js';
import { NavienError } from './errors.js';
import { type Envelope, postJson, type RestObserver } from './rest.js';
import {
  type AwsCredentials,
  awsNeedsRenewal,
  jwtNeedsRefresh,
  type NavienSession,
  readTokenFields,
  renewalTime,
  sessionFromTokens,
  sessionSchema,
  signInDataSchema,
} from './tokens.js';

export type AuthState = 'signed_out' | 'signed_in' | 'auth_failed' | 'unreachable';

export interface AuthOptions {
  apiUrl: string;
  email: string;
  password: string;
  dataDir: string;
  clock: Clock;
  log: Logger;
  redactor: Redactor;
  fetch?: typeof globalThis.fetch;
  /** Told of every REST exchange (reachability, the cloud's clock) for diagnostics. */
  restObserver?: RestObserver;
  random?: () => number;
  /** Spacing of sign-in retries after the cloud rejected the password. */
  invalidCredentialsBackoff?: BackoffPolicy;
}

const STATE_FILE = 'navien_session.json';
/** The redactor's name for the NaviLink tokens and AWS credentials of the current session. */
const TOKEN_SECRETS = 'navien-tokens';
const stateFileSchema = z.object({
  format: z.literal('nwp500-bridge/navien-session'),
  version: z.literal(1),
  installId: z.string().regex(/^[0-9a-f]{8}$/),
  /** sha256 of the e-mail: tokens of another account are never reused. */
  account: z.string(),
  session: sessionSchema.nullable(),
});

type RenewalListener = (info: { planned: boolean; reason: string }) => void;

export class NavienAuth {
  private session: NavienSession | null = null;
  private installIdValue: string | null = null;
  private currentState: AuthState = 'signed_out';
  private lastError: NavienError | null = null;
  private invalidFailures = 0;
  private blockedUntil = 0;
  private signInFlight: Promise<NavienSession> | null = null;
  private refreshFlight: Promise<NavienSession> | null = null;
  private readonly renewalListeners = new Set<RenewalListener>();
  private readonly store: JsonStore<typeof stateFileSchema>;
  private readonly accountHash: string;
  private signIns = 0;

  constructor(private readonly options: AuthOptions) {
    this.store = new JsonStore({
      path: join(options.dataDir, STATE_FILE),
      schema: stateFileSchema,
      what: 'the saved NaviLink tokens',
      log: options.log,
      now: () => options.clock.now(),
    });
    this.accountHash = createHash('sha256').update(options.email.trim().toLowerCase()).digest('hex');
    options.redactor.addSecret(options.email);
    options.redactor.addSecret(options.password);
  }

  /** Restores the install id and, for the same account, the saved tokens (no sign-in on restart). */
  async load(): Promise<void> {
    const { log } = this.options;
    const saved = await this.store.read();
    if (saved) {
      this.installIdValue = saved.installId;
      if (saved.account === this.accountHash && saved.session) {
        this.adopt(saved.session);
        log.info('restored the saved NaviLink session');
      } else if (saved.session) {
        log.info('saved NaviLink session belongs to another account; it will not be used');
      }
    }
    if (!this.installIdValue) {
      this.installIdValue = randomBytes(4).toString('hex');
      await this.save();
    }
  }

  state(): AuthState {
    return this.currentState;
  }

  lastFailure(): NavienError | null {
    return this.lastError;
  }

  signInCount(): number {
    return this.signIns;
  }

  /** The stable MQTT client id of this install (one per add-on, never shared between HA instances). */
  clientId(): string {
    const install = this.installId();
    const seq = this.session?.userSeq;
    return seq === null || seq === undefined ? `navien-ha-${install}` : `navien-ha-${seq}-${install}`;
  }

  /** Eight hex digits that identify this install; stable across restarts. */
  installId(): string {
    return this.installIdValue ?? 'unloaded';
  }

  userId(): string {
    return this.options.email;
  }

  /** The AWS credentials to sign the next WebSocket handshake with (read at handshake time). */
  awsCredentials(): AwsCredentials | undefined {
    const aws = this.session?.aws;
    return aws
      ? { accessKeyId: aws.accessKeyId, secretKey: aws.secretKey, sessionToken: aws.sessionToken }
      : undefined;
  }

  /** Wall-clock time at which the AWS credentials should be renewed, or null if they never expire. */
  awsRenewalAt(): number | null {
    const aws = this.session?.aws;
    if (!aws || aws.expiresAt === null) return null;
    return renewalTime(aws.issuedAt, aws.expiresAt);
  }

  awsCredentialAgeMs(): number | null {
    const aws = this.session?.aws;
    return aws ? this.options.clock.now() - aws.issuedAt : null;
  }

  onRenewal(listener: RenewalListener): () => void {
    this.renewalListeners.add(listener);
    return () => this.renewalListeners.delete(listener);
  }

  /**
   * Tokens good for the next call and the next handshake: a sign-in when the AWS credentials are
   * (nearly) expired, since only a sign-in renews them; a refresh when only the JWT is.
   */
  async ensureValid(): Promise<NavienSession> {
    const now = this.options.clock.now();
    if (!this.session || awsNeedsRenewal(this.session, now))
      return this.signIn(this.session ? 'AWS credentials expiring' : 'no session');
    if (jwtNeedsRefresh(this.session, now)) {
      try {
        return await this.refresh();
      } catch (error) {
        if (error instanceof NavienError && error.retriable) throw error;
        return this.signIn('token refresh refused');
      }
    }
    return this.session;
  }

  /** Signs in now (one sign-in at a time; concurrent callers share it). */
  signIn(reason: string, planned = false): Promise<NavienSession> {
    if (!this.signInFlight) {
      this.signInFlight = this.doSignIn(reason, planned).finally(() => {
        this.signInFlight = null;
      });
    }
    return this.signInFlight;
  }

  private async doSignIn(reason: string, planned: boolean): Promise<NavienSession> {
    const { clock, log } = this.options;
    const now = clock.now();
    if (now < this.blockedUntil) {
      throw new NavienError(
        'NAVIEN_AUTH_INVALID_CREDENTIALS',
        `NaviLink rejected the e-mail/password; next sign-in attempt in ${Math.ceil((this.blockedUntil - now) / 1000)} s. Check the add-on options.`,
        { retriable: false },
      );
    }
    this.signIns++;
    log.info({ reason }, 'signing in to NaviLink');
    let envelope: Envelope;
    try {
      envelope = await postJson({
        baseUrl: this.options.apiUrl,
        path: '/user/sign-in',
        body: { userId: this.options.email, password: this.options.password },
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
        ...(this.options.restObserver ? { observer: this.options.restObserver } : {}),
        now: () => this.options.clock.now(),
      });
    } catch (error) {
      this.fail(error as NavienError);
      throw error;
    }
    if (envelope.code === 401 || /invalid|unauthori[sz]ed/i.test(envelope.msg)) {
      this.invalidFailures++;
      const wait = backoffDelay(
        this.options.invalidCredentialsBackoff ?? { initialMs: 60_000, maxMs: 3_600_000 },
        this.invalidFailures,
        this.options.random,
      );
      this.blockedUntil = clock.now() + wait;
      const error = new NavienError(
        'NAVIEN_AUTH_INVALID_CREDENTIALS',
        'NaviLink rejected the e-mail/password. Fix them in the add-on options; the bridge keeps running and retries rarely.',
        { retriable: false, status: envelope.code },
      );
      this.fail(error, { retryInSeconds: Math.round(wait / 1000) });
      throw error;
    }
    if (envelope.code !== 200) {
      const error = new NavienError(
        'NAVIEN_AUTH_FAILED',
        `NaviLink sign-in failed: ${envelope.code} ${envelope.msg}`,
        {
          retriable: envelope.code >= 500 || envelope.code === 429,
          status: envelope.code,
        },
      );
      this.fail(error);
      throw error;
    }
    const data = signInDataSchema.safeParse(envelope.data);
    const tokenObject = data.success ? (data.data.token ?? data.data.tokens) : undefined;
    const session =
      data.success && tokenObject
        ? sessionFromTokens(
            readTokenFields(tokenObject),
            clock.now(),
            null,
            data.data.userInfo?.userSeq ?? null,
          )
        : null;
    if (!session?.aws) {
      const error = new NavienError(
        'NAVIEN_BAD_RESPONSE',
        'NaviLink sign-in answer lacked tokens or AWS credentials',
        {
          retriable: true,
        },
      );
      this.fail(error);
      throw error;
    }
    this.invalidFailures = 0;
    this.blockedUntil = 0;
    this.adopt(session);
    await this.save();
    log.info(
      {
        awsCredentialsValidForSeconds:
          session.aws.expiresAt === null ? null : Math.round((session.aws.expiresAt - clock.now()) / 1000),
      },
      'signed in to NaviLink',
    );
    for (const listener of this.renewalListeners) listener({ planned, reason });
    return session;
  }

  /** Refreshes the JWTs (AWS credentials are not renewed by a refresh). */
  refresh(): Promise<NavienSession> {
    if (!this.refreshFlight) {
      this.refreshFlight = this.doRefresh().finally(() => {
        this.refreshFlight = null;
      });
    }
    return this.refreshFlight;
  }

  private async doRefresh(): Promise<NavienSession> {
    const { clock, log } = this.options;
    const previous = this.session;
    if (!previous) return this.signIn('no session to refresh');
    const envelope = await postJson({
      baseUrl: this.options.apiUrl,
      path: '/auth/refresh',
      body: { refreshToken: previous.refreshToken },
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      ...(this.options.restObserver ? { observer: this.options.restObserver } : {}),
      now: () => this.options.clock.now(),
    });
    if (envelope.code !== 200 || !envelope.data || typeof envelope.data !== 'object') {
      throw new NavienError(
        'NAVIEN_TOKEN_REFRESH_FAILED',
        `NaviLink token refresh failed: ${envelope.code} ${envelope.msg}`,
        {
          retriable: envelope.code >= 500,
          status: envelope.code,
        },
      );
    }
    const fields = readTokenFields(envelope.data as Record<string, unknown>);
    const session = sessionFromTokens(fields, clock.now(), previous, null);
    if (!session)
      throw new NavienError('NAVIEN_BAD_RESPONSE', 'NaviLink refresh answer lacked tokens', {
        retriable: false,
      });
    // Keep the old AWS expiry unless the answer brought new AWS credentials.
    this.adopt(session);
    await this.save();
    log.debug('NaviLink tokens refreshed');
    return session;
  }

  /**
   * An authenticated REST call. A 401 gets one token refresh and one retry, as the library does;
   * anything else non-200 is an error with the cloud's code.
   */
  async call(path: string, body: Record<string, unknown>, method: 'POST' | 'GET' = 'POST'): Promise<unknown> {
    const session = await this.ensureValid();
    const send = (token: string) =>
      postJson({
        baseUrl: this.options.apiUrl,
        path,
        body,
        method,
        accessToken: token,
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
        ...(this.options.restObserver ? { observer: this.options.restObserver } : {}),
        now: () => this.options.clock.now(),
      });
    let envelope = await send(session.accessToken);
    if (envelope.code === 401) {
      let retried: NavienSession;
      try {
        retried = await this.refresh();
      } catch {
        retried = await this.signIn('REST call unauthorised after refresh');
      }
      envelope = await send(retried.accessToken);
    }
    if (envelope.code !== 200) {
      throw new NavienError(
        'NAVIEN_API_ERROR',
        `NaviLink API ${path} failed: ${envelope.code} ${envelope.msg}`,
        {
          retriable: envelope.code >= 500 || envelope.code === 429,
          status: envelope.code,
        },
      );
    }
    return envelope.data;
  }

  private adopt(session: NavienSession): void {
    const { redactor } = this.options;
    // One generation per session: the redactor keeps this one and the one before, never all of them.
    redactor.setSecretGeneration(TOKEN_SECRETS, [
      session.idToken,
      session.accessToken,
      session.refreshToken,
      session.aws?.accessKeyId,
      session.aws?.secretKey,
      session.aws?.sessionToken,
    ]);
    this.session = session;
    // The client id carries the account number: logs and reports show a stand-in.
    redactor.addDeviceId(this.clientId());
    this.currentState = 'signed_in';
    this.lastError = null;
  }

  private fail(error: NavienError, extra: Record<string, unknown> = {}): void {
    const previous = this.currentState;
    this.lastError = error;
    this.currentState = error.name === 'NAVIEN_AUTH_INVALID_CREDENTIALS' ? 'auth_failed' : 'unreachable';
    const fields = { error: error.name, status: error.status, ...extra };
    // One loud line per change of state; repeats go to debug so an outage does not flood the log.
    if (previous !== this.currentState || error.name === 'NAVIEN_AUTH_INVALID_CREDENTIALS') {
      this.options.log.error(fields, error.message);
    } else {
      this.options.log.debug(fields, error.message);
    }
  }

  /** Tokens stay private (0600, written atomically); the e-mail is kept only as a hash. */
  private async save(): Promise<void> {
    await this.store.write({
      format: 'nwp500-bridge/navien-session',
      version: 1,
      installId: this.installId(),
      account: this.accountHash,
      session: this.session,
    });
  }
}
