import type { DemoUser } from '../../test/parties/demo-upstream.ts';

/** The portal both providers know: same id, secret, redirect URI and metadata on the broker and the bare provider. */
export const PORTAL = {
  clientId: 'bench-portal',
  clientSecret: 'bench-portal-secret-0123456789abcdef',
  name: 'Bench Portal',
  // Never visited: the login client stops at the redirect to it and reads the code from the URL.
  redirectUri: 'http://127.0.0.1:9/bench/callback',
} as const;

/** The broker's client at the demo upstream. */
export const UPSTREAM_CLIENT = { clientId: 'identity-broker', clientSecret: 'bench-upstream-client-secret' } as const;

/** The scope of a portal login (no refresh token), and of a code minted for the refresh chains. */
export const LOGIN_SCOPE = 'openid email profile customer';
export const OFFLINE_SCOPE = `${LOGIN_SCOPE} offline_access`;

/** Upstream users, each linked to a customer account of its own, used in turn so no one account takes every write. */
export function benchUsers(count: number): DemoUser[] {
  return Array.from({ length: count }, (_, i) => ({
    sub: `bench-user-${String(i).padStart(4, '0')}`,
    email: `bench${i}@example.net`,
    name: `Bench User ${i}`,
    password: 'bench',
  }));
}
