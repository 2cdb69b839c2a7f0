import type { Context } from 'koa';

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
    maxAge: 10 * 60_000,
    overwrite: true,
  });
}

export function takeUpstreamStateCookie(ctx: Context): string | undefined {
  const state = ctx.cookies.get(COOKIE, { signed: true });
  ctx.cookies.set(COOKIE, null, { path: '/upstream/', overwrite: true });
  return state;
}
