import type { Middleware } from 'koa';

/** Pages of a sign-in carry one-time state: never cache them, anywhere. */
export const noStore: Middleware = async (ctx, next) => {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  await next();
};
