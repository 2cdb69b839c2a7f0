import type { Context } from 'koa';

/** The parsed form of a POST (@koa/bodyparser on the broker's own routers), or an empty one. */
export function formBody(ctx: Context): Record<string, unknown> {
  return (ctx.request as { body?: Record<string, unknown> }).body ?? {};
}
