// One REST call to the NaviLink API: JSON in, the {code, msg, data} envelope out, every failure named.

import { z } from 'zod';
import { NavienError } from './errors.js';

const envelopeSchema = z.object({
  code: z.number().int().optional(),
  msg: z.string().optional(),
  data: z.unknown().optional(),
});

export interface RestCall {
  baseUrl: string;
  path: string;
  body: Record<string, unknown>;
  /** POST sends `body` as JSON; GET sends it as query parameters (the TOU read). Default POST. */
  method?: 'POST' | 'GET';
  accessToken?: string;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
  observer?: RestObserver;
  /** Wall clock for the observer's `localMs` (injected in tests). */
  now?: () => number;
}

/**
 * Told of every REST exchange, for diagnostics: whether the cloud's REST side was reachable (during
 * an MQTT outage that narrows the cause) and the cloud's clock from the `Date` header (SigV4 fails
 * once our clock is more than 5 minutes off).
 */
export interface RestObserver {
  /** An HTTP answer arrived (any status). `serverDateMs` is null when the Date header is absent or unreadable. */
  onRestAnswer(info: { path: string; status: number; serverDateMs: number | null; localMs: number }): void;
  /** No HTTP answer: network error or timeout. */
  onRestUnreachable(info: { path: string; error: string; localMs: number }): void;
}

export interface Envelope {
  code: number;
  msg: string;
  data: unknown;
}

const USER_AGENT = 'nwp500-bridge';

/** Returns the envelope whatever its `code`; throws only for network trouble and unreadable answers. */
export async function postJson(call: RestCall): Promise<Envelope> {
  const fetchImpl = call.fetch ?? globalThis.fetch;
  const get = call.method === 'GET';
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  if (!get) headers['content-type'] = 'application/json';
  // The API wants the bare token in a lowercase header, not "Bearer <token>".
  if (call.accessToken) headers.authorization = call.accessToken;
  // The library strips null values from bodies before sending.
  const body = Object.fromEntries(Object.entries(call.body).filter(([, v]) => v !== null && v !== undefined));
  let response: Response;
  const url = `${call.baseUrl.replace(/\/$/, '')}${call.path}`;
  const query = new URLSearchParams(
    Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
  try {
    response = await fetchImpl(get ? `${url}?${query}` : url, {
      method: get ? 'GET' : 'POST',
      headers,
      ...(get ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(call.timeoutMs ?? 30_000),
    });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? 'timed out' : (error as Error).message;
    call.observer?.onRestUnreachable({ path: call.path, error: reason, localMs: (call.now ?? Date.now)() });
    throw new NavienError('NAVIEN_NETWORK_ERROR', `NaviLink API ${call.path} unreachable: ${reason}`, {
      retriable: true,
      cause: error,
    });
  }
  const dateHeader = response.headers.get('date');
  const serverDateMs = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  call.observer?.onRestAnswer({
    path: call.path,
    status: response.status,
    serverDateMs: Number.isFinite(serverDateMs) ? serverDateMs : null,
    localMs: (call.now ?? Date.now)(),
  });
  const text = await response.text().catch(() => '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new NavienError(
      'NAVIEN_BAD_RESPONSE',
      `NaviLink API ${call.path} answered HTTP ${response.status} without JSON`,
      {
        retriable: response.status >= 500,
        status: response.status,
      },
    );
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) {
    throw new NavienError('NAVIEN_BAD_RESPONSE', `NaviLink API ${call.path} answered an unexpected shape`, {
      retriable: false,
      status: response.status,
    });
  }
  // The library treats a call as failed when code != 200 or the HTTP status is not 2xx;
  // `code` falls back to the HTTP status.
  const code = parsed.data.code ?? response.status;
  return {
    code: response.ok ? code : code === 200 ? response.status : code,
    msg: parsed.data.msg ?? '',
    data: parsed.data.data,
  };
}
