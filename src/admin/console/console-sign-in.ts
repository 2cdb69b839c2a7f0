import type { Context } from 'koa';
import type { Federation, StartedLogin } from '../../upstream/federation.ts';
import { LoginTransactionInvalid } from '../../upstream/upstream-errors.ts';
import type { UpstreamIdentity } from '../../upstream/upstream-identity.ts';
import { UPSTREAM_LOGIN_TTL_S } from '../../upstream/login-transactions.ts';

const STATE_COOKIE = 'ib.staff-state';

/** Binds a console sign-in to the browser that started it (login CSRF), like the customer sign-in's state cookie. */
export const consoleSignInState = {
  set(ctx: Context, state: string): void {
    ctx.cookies.set(STATE_COOKIE, state, {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      path: '/admin/callback',
      maxAge: UPSTREAM_LOGIN_TTL_S * 1000,
      overwrite: true,
    });
  },
  take(ctx: Context): string | undefined {
    const state = ctx.cookies.get(STATE_COOKIE, { signed: true });
    ctx.cookies.set(STATE_COOKIE, null, { path: '/admin/callback', overwrite: true });
    return state;
  },
};

/** A console sign-in returns to `returnTo` (a console path, checked by the caller) once the staff member is known. */
export function startConsoleSignIn(
  federation: Federation,
  upstreamId: string,
  returnTo: string,
): Promise<StartedLogin> {
  return federation.start({ upstreamId, purpose: { kind: 'console', returnTo }, clientId: null });
}

export async function takeConsoleSignIn(
  federation: Federation,
  upstreamId: string,
  parameters: URLSearchParams,
  browserState: string | undefined,
): Promise<{ identity: UpstreamIdentity; returnTo: string }> {
  const transaction = await federation.take(upstreamId, parameters, browserState);
  if (transaction.purpose.kind !== 'console') throw new LoginTransactionInvalid();
  const returnTo = transaction.purpose.returnTo;
  const { identity } = await federation.complete(transaction, parameters);
  return { identity, returnTo };
}
