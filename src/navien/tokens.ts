// The NaviLink session: tokens as the API returns them, when each expires, and how they are kept on disk.

import { z } from 'zod';

const MINUTE = 60_000;

/** Token fields accept camelCase or snake_case (the library reloads its own snake_case files). */
function field<T extends z.ZodType>(schema: T) {
  return schema.optional();
}

export const signInDataSchema = z.object({
  userInfo: z
    .object({
      userSeq: z.number().int().optional(),
      userType: z.string().optional(),
    })
    .loose()
    .optional(),
  token: z.record(z.string(), z.unknown()).optional(),
  tokens: z.record(z.string(), z.unknown()).optional(),
});

const tokenFieldsSchema = z.object({
  idToken: field(z.string()),
  accessToken: field(z.string()),
  refreshToken: field(z.string()),
  authenticationExpiresIn: field(z.number()),
  accessKeyId: field(z.string()),
  secretKey: field(z.string()),
  sessionToken: field(z.string()),
  authorizationExpiresIn: field(z.number()),
});

export type TokenFields = z.infer<typeof tokenFieldsSchema>;

const SNAKE: Record<keyof TokenFields, string> = {
  idToken: 'id_token',
  accessToken: 'access_token',
  refreshToken: 'refresh_token',
  authenticationExpiresIn: 'authentication_expires_in',
  accessKeyId: 'access_key_id',
  secretKey: 'secret_key',
  sessionToken: 'session_token',
  authorizationExpiresIn: 'authorization_expires_in',
};

/** Reads token fields from an API object; an empty camelCase value falls back to its snake_case twin. */
export function readTokenFields(source: Record<string, unknown>): TokenFields {
  const merged: Record<string, unknown> = {};
  for (const [camel, snake] of Object.entries(SNAKE)) {
    const value = source[camel];
    merged[camel] = value === undefined || value === null || value === '' ? source[snake] : value;
  }
  const parsed = tokenFieldsSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  // Keep whatever fields are well-typed; a bad optional field must not void the whole answer.
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(tokenFieldsSchema.shape)) {
    const one = (schema as z.ZodType).safeParse(merged[key]);
    if (one.success && one.data !== undefined) out[key] = one.data;
  }
  return out as TokenFields;
}

export interface AwsCredentials {
  accessKeyId: string;
  secretKey: string;
  sessionToken: string;
}

export const sessionSchema = z.object({
  userSeq: z.number().int().nullable(),
  idToken: z.string(),
  accessToken: z.string(),
  refreshToken: z.string(),
  /** Wall ms when the JWTs were issued / expire. */
  issuedAt: z.number(),
  authExpiresAt: z.number(),
  aws: z
    .object({
      accessKeyId: z.string(),
      secretKey: z.string(),
      sessionToken: z.string(),
      issuedAt: z.number(),
      /** null when the API gave no lifetime: treated as never expiring, as the library does. */
      expiresAt: z.number().nullable(),
    })
    .nullable(),
});

export type NavienSession = z.infer<typeof sessionSchema>;

/**
 * When to stop trusting a credential: 5 minutes before it expires, or at 80 % of its life when
 * the whole life is shorter than 25 minutes (so a short-lived test credential is still renewed early).
 */
export function renewalTime(issuedAt: number, expiresAt: number): number {
  const life = expiresAt - issuedAt;
  const margin = life >= 25 * MINUTE ? 5 * MINUTE : life * 0.2;
  return expiresAt - margin;
}

export function jwtNeedsRefresh(session: NavienSession, now: number): boolean {
  return now >= renewalTime(session.issuedAt, session.authExpiresAt);
}

export function awsNeedsRenewal(session: NavienSession, now: number): boolean {
  if (!session.aws) return true;
  if (session.aws.expiresAt === null) return false;
  return now >= renewalTime(session.aws.issuedAt, session.aws.expiresAt);
}

/** Builds a session from a sign-in answer (`token` object) or a refresh answer (fields in `data`). */
export function sessionFromTokens(
  fields: TokenFields,
  now: number,
  previous: NavienSession | null,
  userSeq: number | null,
): NavienSession | null {
  const accessToken = fields.accessToken ?? previous?.accessToken;
  const idToken = fields.idToken ?? previous?.idToken;
  const refreshToken = fields.refreshToken ?? previous?.refreshToken;
  if (!accessToken || !refreshToken) return null;
  const authLife = (fields.authenticationExpiresIn ?? 3600) * 1000;
  let aws: NavienSession['aws'] = previous?.aws ?? null;
  if (fields.accessKeyId && fields.secretKey && fields.sessionToken) {
    aws = {
      accessKeyId: fields.accessKeyId,
      secretKey: fields.secretKey,
      sessionToken: fields.sessionToken,
      issuedAt: now,
      expiresAt:
        fields.authorizationExpiresIn === undefined ? null : now + fields.authorizationExpiresIn * 1000,
    };
  }
  return {
    userSeq: userSeq ?? previous?.userSeq ?? null,
    idToken: idToken ?? '',
    accessToken,
    refreshToken,
    issuedAt: now,
    authExpiresAt: now + authLife,
    aws,
  };
}
