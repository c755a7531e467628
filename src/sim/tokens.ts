// The simulated cloud's token desk: issues sign-in token sets (JWTs plus temporary AWS credentials),
// refreshes JWTs (never AWS credentials, as the library assumes), and answers "is this still valid?"
// for the REST routes and the MQTT handshake. Expiry follows the injected clock.

import { randomBytes } from 'node:crypto';
import type { Clock } from '../util/clock.js';

export interface TokenLifetimes {
  /** JWT (id/access token) lifetime, seconds (`authenticationExpiresIn`). */
  authenticationExpiresIn: number;
  /** AWS credential lifetime, seconds (`authorizationExpiresIn`). */
  authorizationExpiresIn: number;
  /** Refresh-token lifetime, seconds. */
  refreshTokenExpiresIn: number;
}

export const DEFAULT_TOKEN_LIFETIMES: TokenLifetimes = {
  authenticationExpiresIn: 3600,
  authorizationExpiresIn: 3600,
  refreshTokenExpiresIn: 30 * 86_400,
};

export interface JwtTokens {
  idToken: string;
  accessToken: string;
  refreshToken: string;
  authenticationExpiresIn: number;
}

export interface SignInTokens extends JwtTokens {
  accessKeyId: string;
  secretKey: string;
  sessionToken: string;
  authorizationExpiresIn: number;
}

export type CredentialCheck =
  | { ok: true }
  | { ok: false; reason: 'missing-credentials' | 'unknown-credentials' | 'expired-credentials' };

interface AwsCredentialRecord {
  sessionToken: string;
  expiresAtMs: number;
}

/** Issued tokens remembered per kind; expired ones are pruned first, then the oldest. */
const MAX_REMEMBERED = 1000;
const ALNUM_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const BASE64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function randomFrom(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

export class TokenAuthority {
  private readonly accessTokens = new Map<string, number>();
  private readonly refreshTokens = new Map<string, { userSeq: number; expiresAtMs: number }>();
  private readonly awsCredentials = new Map<string, AwsCredentialRecord>();
  private current: TokenLifetimes;

  /** @param onIssue sees every secret handed out (e.g. to register it with a log redactor). */
  constructor(
    private readonly clock: Clock,
    lifetimes: Partial<TokenLifetimes> = {},
    private readonly onIssue: (secret: string) => void = () => {},
  ) {
    this.current = { ...DEFAULT_TOKEN_LIFETIMES, ...lifetimes };
  }

  lifetimes(): TokenLifetimes {
    return { ...this.current };
  }

  /** Applies to tokens issued from now on. */
  setLifetimes(lifetimes: Partial<TokenLifetimes>): void {
    this.current = { ...this.current, ...lifetimes };
  }

  /** A full sign-in: new JWTs, a new refresh token and a new AWS credential set. */
  signIn(userSeq: number): SignInTokens {
    const jwts = this.issueJwts(userSeq);
    const accessKeyId = `ASIA${randomFrom(ALNUM_UPPER, 16)}`;
    const secretKey = randomFrom(BASE64_CHARS, 40);
    const sessionToken = `IQoJb3JpZ2luX2Vj${randomFrom(BASE64_CHARS, 380)}`;
    const lifetime = this.current.authorizationExpiresIn;
    this.remember(this.awsCredentials, accessKeyId, {
      sessionToken,
      expiresAtMs: this.clock.now() + lifetime * 1000,
    });
    for (const secret of [accessKeyId, secretKey, sessionToken]) this.onIssue(secret);
    return { ...jwts, accessKeyId, secretKey, sessionToken, authorizationExpiresIn: lifetime };
  }

  /** New JWTs for a valid refresh token; `undefined` when it is unknown or expired. */
  refresh(refreshToken: string): JwtTokens | undefined {
    const record = this.refreshTokens.get(refreshToken);
    if (!record || record.expiresAtMs <= this.clock.now()) return undefined;
    return this.issueJwts(record.userSeq);
  }

  isAccessTokenValid(token: string | undefined): boolean {
    if (!token) return false;
    const expiresAtMs = this.accessTokens.get(token);
    return expiresAtMs !== undefined && expiresAtMs > this.clock.now();
  }

  /** What AWS IoT checks at the WebSocket handshake (and only there). */
  checkAwsCredentials(accessKeyId: string | undefined, sessionToken: string | undefined): CredentialCheck {
    if (!accessKeyId || !sessionToken) return { ok: false, reason: 'missing-credentials' };
    const record = this.awsCredentials.get(accessKeyId);
    if (!record || record.sessionToken !== sessionToken) return { ok: false, reason: 'unknown-credentials' };
    if (record.expiresAtMs <= this.clock.now()) return { ok: false, reason: 'expired-credentials' };
    return { ok: true };
  }

  /** Every issued AWS credential set expires now; returns how many were still valid. */
  expireAwsCredentials(): number {
    const now = this.clock.now();
    let expired = 0;
    for (const record of this.awsCredentials.values()) {
      if (record.expiresAtMs > now) expired += 1;
      record.expiresAtMs = Math.min(record.expiresAtMs, now);
    }
    return expired;
  }

  /** Every issued access token expires now (REST calls get 401 until a refresh or sign-in). */
  expireAccessTokens(): number {
    const now = this.clock.now();
    let expired = 0;
    for (const [token, expiresAtMs] of this.accessTokens) {
      if (expiresAtMs > now) expired += 1;
      this.accessTokens.set(token, Math.min(expiresAtMs, now));
    }
    return expired;
  }

  private issueJwts(userSeq: number): JwtTokens {
    const lifetime = this.current.authenticationExpiresIn;
    const now = this.clock.now();
    const idToken = this.fakeJwt(userSeq, 'id', now, lifetime);
    const accessToken = this.fakeJwt(userSeq, 'access', now, lifetime);
    const refreshToken = this.fakeJwt(userSeq, 'refresh', now, this.current.refreshTokenExpiresIn);
    this.remember(this.accessTokens, accessToken, now + lifetime * 1000);
    this.remember(this.refreshTokens, refreshToken, {
      userSeq,
      expiresAtMs: now + this.current.refreshTokenExpiresIn * 1000,
    });
    for (const secret of [idToken, accessToken, refreshToken]) this.onIssue(secret);
    return { idToken, accessToken, refreshToken, authenticationExpiresIn: lifetime };
  }

  /** Opaque to clients, but shaped like the Cognito JWTs the real cloud hands out. */
  private fakeJwt(userSeq: number, use: string, nowMs: number, lifetimeSec: number): string {
    const header = base64url(JSON.stringify({ kid: 'sim', alg: 'RS256', typ: 'JWT' }));
    const iat = Math.floor(nowMs / 1000);
    const payload = base64url(
      JSON.stringify({
        sub: String(userSeq),
        token_use: use,
        iat,
        exp: iat + lifetimeSec,
        jti: randomBytes(8).toString('hex'),
      }),
    );
    return `${header}.${payload}.${base64url(randomBytes(32))}`;
  }

  private remember<V extends number | { expiresAtMs: number }>(
    map: Map<string, V>,
    key: string,
    value: V,
  ): void {
    map.set(key, value);
    if (map.size <= MAX_REMEMBERED) return;
    const now = this.clock.now();
    for (const [oldKey, oldValue] of map) {
      const expiresAtMs = typeof oldValue === 'number' ? oldValue : oldValue.expiresAtMs;
      if (expiresAtMs <= now) map.delete(oldKey);
    }
    for (const oldKey of map.keys()) {
      if (map.size <= MAX_REMEMBERED) break;
      map.delete(oldKey);
    }
  }
}
