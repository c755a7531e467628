// REST calls against the simulator (plain fetch), shared by the simulator tests.

import type { Simulator } from '../../../src/sim/index.js';

export interface AwsCreds {
  accessKeyId: string;
  secretKey: string;
  sessionToken: string;
}

export interface SignInResult extends AwsCreds {
  accessToken: string;
  refreshToken: string;
  idToken: string;
  authenticationExpiresIn: number;
  authorizationExpiresIn: number;
  userSeq: number;
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: { code: number; msg: string; data: unknown } }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    json: (await response.json()) as { code: number; msg: string; data: unknown },
  };
}

/** A real sign-in against the simulator's REST API. */
export async function signIn(sim: Simulator): Promise<SignInResult> {
  const { json } = await postJson(`${sim.restUrl}/user/sign-in`, {
    userId: sim.account.email,
    password: sim.account.password,
  });
  if (json.code !== 200) throw new Error(`sign-in failed: ${json.code} ${json.msg}`);
  const data = json.data as { userInfo: { userSeq: number }; token: Omit<SignInResult, 'userSeq'> };
  return { ...data.token, userSeq: data.userInfo.userSeq };
}
