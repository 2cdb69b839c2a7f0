import type { Middleware } from 'koa';
import { PayloadTooLarge } from '../../errors/broker-error.ts';

/**
 * The broker's forms are a few hundred bytes and oidc-provider's requests a few kilobytes; anything far larger is
 * refused from its Content-Length before a byte of it is read. Bodies without a length (chunked) are bounded by the
 * body parsers, whose 413 the error handler turns into the same answer.
 */
export const BODY_LIMIT_BYTES = 64 * 1024;

export function refuseLargeBodies(limitBytes = BODY_LIMIT_BYTES): Middleware {
  return async (ctx, next) => {
    const length = Number(ctx.get('content-length') || 0);
    if (length > limitBytes) {
      // Whatever the client still sends is not read: close the connection after answering.
      ctx.set('Connection', 'close');
      throw new PayloadTooLarge();
    }
    await next();
  };
}
