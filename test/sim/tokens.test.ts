import { describe, expect, it } from 'vitest';
import { TokenAuthority } from '../../src/sim/tokens.js';
import { ManualClock } from '../../src/util/clock.js';

describe('TokenAuthority', () => {
  it('accepts issued AWS credentials until authorizationExpiresIn, then reports them expired', () => {
    const clock = new ManualClock();
    const tokens = new TokenAuthority(clock, { authorizationExpiresIn: 60 });
    const issued = tokens.signIn(1);
    expect(tokens.checkAwsCredentials(issued.accessKeyId, issued.sessionToken)).toEqual({ ok: true });
    clock.advance(59_999);
    expect(tokens.checkAwsCredentials(issued.accessKeyId, issued.sessionToken)).toEqual({ ok: true });
    clock.advance(1);
    expect(tokens.checkAwsCredentials(issued.accessKeyId, issued.sessionToken)).toEqual({
      ok: false,
      reason: 'expired-credentials',
    });
  });

  it('tells missing, unknown and mismatched credentials apart', () => {
    const tokens = new TokenAuthority(new ManualClock());
    const issued = tokens.signIn(1);
    expect(tokens.checkAwsCredentials(undefined, issued.sessionToken)).toEqual({
      ok: false,
      reason: 'missing-credentials',
    });
    expect(tokens.checkAwsCredentials('ASIAUNKNOWN000000000', issued.sessionToken)).toEqual({
      ok: false,
      reason: 'unknown-credentials',
    });
    const other = tokens.signIn(1);
    expect(tokens.checkAwsCredentials(issued.accessKeyId, other.sessionToken)).toEqual({
      ok: false,
      reason: 'unknown-credentials',
    });
  });

  it('expires every credential set at once and counts the ones that were still valid', () => {
    const clock = new ManualClock();
    const tokens = new TokenAuthority(clock, { authorizationExpiresIn: 60 });
    const old = tokens.signIn(1);
    clock.advance(61_000);
    const a = tokens.signIn(1);
    const b = tokens.signIn(1);
    expect(tokens.expireAwsCredentials()).toBe(2);
    for (const set of [old, a, b]) {
      expect(tokens.checkAwsCredentials(set.accessKeyId, set.sessionToken)).toMatchObject({ ok: false });
    }
    const fresh = tokens.signIn(1);
    expect(tokens.checkAwsCredentials(fresh.accessKeyId, fresh.sessionToken)).toEqual({ ok: true });
  });

  it('remembers a bounded number of issued sets, forgetting the oldest first', () => {
    const tokens = new TokenAuthority(new ManualClock());
    const first = tokens.signIn(1);
    const rest = Array.from({ length: 1000 }, () => tokens.signIn(1));
    expect(tokens.checkAwsCredentials(first.accessKeyId, first.sessionToken)).toMatchObject({ ok: false });
    const last = rest.at(-1);
    expect(tokens.checkAwsCredentials(last?.accessKeyId, last?.sessionToken)).toEqual({ ok: true });
    expect(tokens.isAccessTokenValid(first.accessToken)).toBe(false);
    expect(tokens.isAccessTokenValid(last?.accessToken)).toBe(true);
  });
});
