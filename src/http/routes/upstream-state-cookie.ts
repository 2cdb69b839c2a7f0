import type { Context } from 'koa';
import { UPSTREAM_LOGIN_TTL_S } from '../../upstream/login-transactions.ts';

const COOKIE = 'ib.upstream';

/**
 * Binds an upstream login to the browser that started it: the callback must carry the state this cookie holds,
 * or someone else's upstream login could be finished in this browser (login CSRF). SameSite=Lax: the callback
 * is a top-level navigation from the upstream's site.
 */
export function setUpstreamStateCookie(ctx: Context, state: string): void {
  ctx.cookies.set(COOKIE, state, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    path: '/upstream/',
    maxAge: UPSTREAM_LOGIN_TTL_S * 1000,
    overwrite: true,
  });
}

export function takeUpstreamStateCookie(ctx: Context): string | undefined {
  const state = ctx.cookies.get(COOKIE, { signed: true });
  ctx.cookies.set(COOKIE, null, { path: '/upstream/', overwrite: true });
  return state;
}
